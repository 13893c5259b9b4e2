package org.safeloop.plc.web;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;
import org.safeloop.plc.audit.AuditLogReader;
import org.safeloop.plc.audit.AuditRecord;
import org.safeloop.plc.audit.EventKind;
import org.safeloop.plc.audit.EventRecord;
import org.safeloop.plc.runtime.Deployment;
import org.safeloop.plc.runtime.DeploymentRuntime;
import org.safeloop.plc.runtime.Mode;
import org.safeloop.plc.runtime.TestDeployments;
import org.safeloop.plc.virtualplant.VirtualPlant;
import org.safeloop.plc.virtualplant.VirtualPlant.Protocol;

/**
 * A deployment of the scenario's PID on the virtual plant over Modbus, assembled as {@code deploy}
 * assembles it, shown on a web view, and cycled by a thread of its own as {@code deploy} cycles:
 * one cycle, then one plant step, every {@code period}. Work that must run on the cycle's thread (a
 * promotion) goes through {@link #onCycleThread}. Closing stops the cycles and the deployment; the
 * view stays the caller's.
 */
final class LiveDeployment implements AutoCloseable {
  static final Scenario SCENARIO = Scenarios.load("cstr-constrained");

  final VirtualPlant plant;
  final Deployment deployment;
  final DeploymentRuntime runtime;
  final Path auditFile;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final Thread driver;
  private final Duration period;
  private volatile boolean stop;
  private volatile boolean paused;
  private volatile RuntimeException failure;

  /** The virtual CSTR for these tests: Modbus only, stepped by hand, in remote, no watchdog. */
  static VirtualPlant startPlant(long seed) throws IOException, InterruptedException {
    return VirtualPlant.builder(SCENARIO)
        .manualStepping()
        .protocols(Protocol.MODBUS)
        .realism(true)
        .seed(seed)
        .startInRemote(true)
        .watchdogTimeout(Duration.ofHours(1))
        .start();
  }

  /** The last demotion in the audit log. */
  EventRecord lastDemotion() {
    return records().stream()
        .filter(EventRecord.class::isInstance)
        .map(EventRecord.class::cast)
        .filter(e -> e.kind() == EventKind.DEMOTION)
        .reduce((a, b) -> b)
        .orElseThrow(() -> new AssertionError("no demotion in the audit log"));
  }

  LiveDeployment(VirtualPlant plant, Path dir, DeploymentView view, Mode mode, Duration period)
      throws IOException {
    this.plant = plant;
    this.period = period;
    String text =
        plant
            .plantFile(Protocol.MODBUS)
            .replace(
                "cycle_period_ms: 26000\ntime_scale: 1\n",
                "cycle_period_ms: 1000\ntime_scale: 26\n");
    Path file = dir.resolve("modbus-plant.yaml");
    Files.writeString(file, text);
    plant.setOperatorMode(true);
    plant.clearFaults();
    plant.step();
    deployment =
        TestDeployments.builder(
                dir, file, SCENARIO, SCENARIO.baselineController(), mode, Clock.systemUTC())
            .view(view)
            .build();
    runtime = deployment.runtime();
    auditFile = deployment.auditFile();
    driver = new Thread(this::drive, "test-deployment-cycles");
    driver.setDaemon(true);
    driver.start();
  }

  private void drive() {
    try {
      while (!stop) {
        Runnable task;
        while ((task = tasks.poll()) != null) {
          task.run();
        }
        if (!paused) {
          runtime.runCycle();
          plant.step();
        }
        Thread.sleep(period.toMillis());
      }
    } catch (InterruptedException e) {
      // stopping
    } catch (RuntimeException e) {
      failure = e;
    }
  }

  /** Runs {@code work} on the cycle's thread between two cycles and returns its result. */
  <T> T onCycleThread(Supplier<T> work) throws Exception {
    CompletableFuture<T> done = new CompletableFuture<>();
    tasks.add(
        () -> {
          try {
            done.complete(work.get());
          } catch (RuntimeException e) {
            done.completeExceptionally(e);
          }
        });
    return done.get(10, TimeUnit.SECONDS);
  }

  /** Stops cycling (the deployment stays open) and waits until the driver is between cycles. */
  void pause() throws Exception {
    paused = true;
    onCycleThread(() -> null);
  }

  /** Waits up to {@code seconds} for a condition; fails the test when the driver failed. */
  boolean within(double seconds, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    while (System.nanoTime() < deadline) {
      if (failure != null) {
        throw failure;
      }
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(10);
    }
    return condition.getAsBoolean();
  }

  /** Waits until {@code n} more cycles ran. */
  void cycles(int n) throws InterruptedException {
    long target = runtime.cycles() + n;
    if (!within(30, () -> runtime.cycles() >= target)) {
      throw new AssertionError("the deployment did not run " + n + " cycles in 30 s");
    }
  }

  List<AuditRecord> records() {
    return AuditLogReader.readAll(auditFile);
  }

  @Override
  public void close() {
    stop = true;
    try {
      driver.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    deployment.close();
    plant.clearFaults();
    plant.setOperatorMode(true);
  }
}
