package org.safeloop.experiments.demo;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.safeloop.plc.runtime.Deployment;
import org.safeloop.plc.runtime.DeploymentRuntime;
import org.safeloop.plc.runtime.DeploymentRuntime.CycleOutcome;
import org.safeloop.plc.runtime.Mode;
import org.safeloop.plc.virtualplant.VirtualPlant;
import org.safeloop.shield.Verdict;

/**
 * The demo's deployment (built by {@link Deployment}) on the virtual plant, driven cycle by cycle.
 * Each cycle is the bridge's own cycle over the real protocol (read, validate, policy, shield,
 * write, audit), then one PLC scan and one control interval of the plant; cycles are paced at the
 * plant's accelerated control interval so that timestamps, staleness and the PLC's watchdog see the
 * same time as a running plant would. Not thread-safe.
 */
final class PacedDeployment implements AutoCloseable {

  /**
   * What the plant showed after one cycle.
   *
   * @param cycle the bridge's cycle number
   * @param mode the bridge's mode after the cycle
   * @param temperature the reactor's true temperature, K
   * @param setpointInForce the jacket temperature setpoint the process received, K
   * @param remote whether the loop was in remote/auto
   */
  record Sample(
      long cycle, Mode mode, double temperature, double setpointInForce, boolean remote) {}

  private final VirtualPlant plant;
  private final Deployment deployment;
  private final DeploymentRuntime runtime;
  private final Duration period;
  private final PrintWriter out;
  private final int temperatureIndex;
  private final String action;
  private final List<Sample> samples = new ArrayList<>();
  private long nextCycleNanos;
  private String lastDemotion;

  /**
   * Paces a deployment built on the virtual plant.
   *
   * @param plant the virtual plant, stepped by hand after each cycle
   * @param deployment the bridge's deployment on it (closed by {@link #close()})
   * @param period wall time of one cycle
   * @param out where the phases are reported
   */
  PacedDeployment(VirtualPlant plant, Deployment deployment, Duration period, PrintWriter out) {
    this.plant = plant;
    this.deployment = deployment;
    this.runtime = deployment.runtime();
    this.period = period;
    this.out = out;
    this.temperatureIndex = plant.scenario().stateSpace().indexOf("T");
    this.action = runtime.actionNames().get(0);
    this.nextCycleNanos = System.nanoTime();
  }

  DeploymentRuntime runtime() {
    return runtime;
  }

  VirtualPlant plant() {
    return plant;
  }

  Path auditFile() {
    return deployment.auditFile();
  }

  List<Sample> samples() {
    return List.copyOf(samples);
  }

  String lastDemotion() {
    return lastDemotion;
  }

  /** One paced cycle: the bridge's cycle, then one plant scan and control interval. */
  CycleOutcome cycle() throws InterruptedException {
    long wait = nextCycleNanos - System.nanoTime();
    if (wait > 0) {
      Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
    }
    nextCycleNanos = Math.max(nextCycleNanos + period.toNanos(), System.nanoTime());
    CycleOutcome o = runtime.runCycle();
    plant.step();
    samples.add(
        new Sample(
            o.cycle(),
            o.mode(),
            plant.processState()[temperatureIndex],
            plant.setpointInForce(action),
            plant.isRemote()));
    if (o.demotion() != null) {
      lastDemotion = o.demotion();
      out.printf(
          Locale.ROOT,
          "  cycle %d: DEMOTED to %s: %s%n",
          o.cycle(),
          o.mode().label(),
          o.demotion());
      out.flush();
    }
    return o;
  }

  /** Runs {@code cycles} cycles and prints one line about them. */
  void runPhase(String label, int cycles) throws InterruptedException {
    Map<Verdict, Integer> verdicts = new EnumMap<>(Verdict.class);
    int unread = 0;
    int wrote = 0;
    double lowest = Double.MAX_VALUE;
    double highest = -Double.MAX_VALUE;
    double disagreement = 0;
    int compared = 0;
    Mode start = runtime.mode();
    for (int i = 0; i < cycles; i++) {
      CycleOutcome o = cycle();
      Sample s = samples.get(samples.size() - 1);
      lowest = Math.min(lowest, s.temperature());
      highest = Math.max(highest, s.temperature());
      if (o.decision() == null) {
        unread++;
        continue;
      }
      verdicts.merge(o.decision().verdict(), 1, Integer::sum);
      if (o.wroteSetpoints()) {
        wrote++;
      }
      disagreement += Math.abs(o.decision().proposedAction()[0] - s.setpointInForce());
      compared++;
    }
    out.printf(
        Locale.ROOT,
        "  %-28s %3d cycles in %-11s shield %s%s; setpoints written %d; agent vs setpoint in"
            + " force %s; T %.2f-%.2f K; loop %s%n",
        label + ":",
        cycles,
        start.label(),
        verdicts.isEmpty() ? "-" : verdicts.toString().toLowerCase(Locale.ROOT),
        unread > 0 ? ", " + unread + " cycles without inputs" : "",
        wrote,
        compared > 0 ? String.format(Locale.ROOT, "%.2f K", disagreement / compared) : "-",
        lowest,
        highest,
        plant.isRemote() ? "remote" : "local");
    out.flush();
  }

  /** Promotes (an explicit engineer's command) or fails with the refusal. */
  void requirePromotion(Mode target) {
    String refusal = runtime.promote(target);
    if (refusal != null) {
      throw new IllegalStateException("promotion to " + target.label() + " refused: " + refusal);
    }
    out.println("  promoted to " + target.label() + " (explicit request)");
    out.flush();
  }

  /** Runs one cycle after a fault and checks that closed loop stepped back for {@code because}. */
  void requireDemotion(String because) throws InterruptedException {
    CycleOutcome o = cycle();
    if (o.demotion() == null || !o.demotion().contains(because)) {
      throw new IllegalStateException(
          "expected a demotion for '"
              + because
              + "' in the cycle after the fault; mode "
              + o.mode().label()
              + ", demotion "
              + o.demotion());
    }
    if (o.wroteSetpoints()) {
      throw new IllegalStateException("a setpoint was written in the cycle that demoted");
    }
    out.println("  the agent stepped back: no setpoint written after the fault");
  }

  /** Runs cycles until the bridge reads the plant again, at most {@code limit}. */
  Duration awaitReconnection(Duration limit) throws InterruptedException {
    long started = System.nanoTime();
    while (true) {
      CycleOutcome o = cycle();
      if (o.decision() != null) {
        return Duration.ofNanos(System.nanoTime() - started);
      }
      if (System.nanoTime() - started > limit.toNanos()) {
        throw new IllegalStateException(
            "the bridge did not reconnect within " + limit.toSeconds() + " s");
      }
    }
  }

  @Override
  public void close() {
    deployment.close();
  }
}
