package org.safeloop.experiments.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.safeloop.env.SignalSpace;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;
import org.safeloop.plc.PlcConnection;
import org.safeloop.plc.PlcException;
import org.safeloop.plc.PlcSubscription;
import org.safeloop.plc.Tag;
import org.safeloop.plc.TagValue;
import org.safeloop.plc.TagWrite;
import org.safeloop.plc.approval.ApprovalCheck;
import org.safeloop.plc.approval.ApprovalKeys;
import org.safeloop.plc.approval.Approvals;
import org.safeloop.plc.approval.DeploymentFiles;
import org.safeloop.plc.audit.AuditLog;
import org.safeloop.plc.runtime.ClosedLoopAuthority;
import org.safeloop.plc.runtime.Deployment;
import org.safeloop.plc.runtime.DeploymentInputs;
import org.safeloop.plc.runtime.DeploymentRuntime;
import org.safeloop.plc.runtime.Mode;
import org.safeloop.plc.virtualplant.VirtualPlant;
import org.safeloop.plc.virtualplant.VirtualPlant.Protocol;
import org.safeloop.shield.AdmissibleActions;
import org.safeloop.shield.PlantSnapshot;
import org.safeloop.shield.SafetyShield;
import org.safeloop.shield.ShieldCounters;
import org.safeloop.shield.ShieldDecision;

/**
 * Measures the deployment runtime's control cycle in closed loop against the virtual plant over a
 * real Modbus TCP or OPC UA connection on 127.0.0.1: the {@code cstr-constrained} scenario with
 * realism on, stepped by hand, its PID loops as the policy, the {@code cstr-constrained} shield, a
 * signed closed-loop approval (fresh Ed25519 key pair) and the audit log in a temporary folder
 * rotated by size. Each iteration is one process step ({@link VirtualPlant#step()}, not timed as
 * part of the cycle) and one {@link DeploymentRuntime#runCycle()}.
 *
 * <p>Figures per cycle, in microseconds: the runtime's own {@code latencyMicros} (read to the end
 * of the writes; it stops the clock before the audit record is built and appended), the wall time
 * of the whole {@code runCycle} call (with the audit append), and, from timing decorators around
 * the connection, the shield and the approval authority, the read, the write, the shield's decision
 * and the approval's expiry check (made every cycle); what is left is validation, policy and
 * bookkeeping.
 *
 * <p>A benchmark that measured advisory mode would be wrong: every cycle's mode is checked, a
 * demotion is counted by its reason (numbers masked) and the loop is put back into closed loop by
 * an explicit promotion (as an engineer would), so that the caller can say loudly that it happened.
 *
 * <p>Not thread-safe: each measurement runs on the calling thread with a plant of its own.
 */
public final class DeployBenchmark {
  /** The scenario the virtual plant runs. */
  public static final String SCENARIO = "cstr-constrained";

  /** The built-in shield every proposal passes. */
  public static final String SHIELD = "cstr-constrained";

  /** Audit file size that triggers rotation: 16 MiB, so a soak does not fill the disk. */
  public static final long AUDIT_MAX_FILE_BYTES = 16L * 1024 * 1024;

  /** Rotated audit files kept: at most three files (48 MiB) exist at once. */
  public static final int AUDIT_KEEP_ROTATED_FILES = 2;

  private static final double MIB = 1024.0 * 1024.0;

  private DeployBenchmark() {}

  /**
   * Latency percentiles, in microseconds.
   *
   * @param count samples
   * @param median 50th percentile
   * @param p90 90th percentile
   * @param p99 99th percentile
   * @param p999 99.9th percentile
   * @param max slowest sample
   */
  public record Percentiles(
      long count, double median, double p90, double p99, double p999, double max) {}

  /**
   * What the runtime did over a run: modes, the shield's verdicts, demotions.
   *
   * @param cycles cycles run
   * @param closedLoopCycles cycles that ended in closed loop with the setpoints written
   * @param accepted cycles whose proposal the shield accepted
   * @param repaired cycles whose proposal the shield repaired
   * @param fallbacks cycles in which the shield fell back
   * @param demotions demotions by reason (numbers masked as {@code #}), in order of first sight
   * @param examples the first full reason of each masked reason
   */
  public record Health(
      long cycles,
      long closedLoopCycles,
      long accepted,
      long repaired,
      long fallbacks,
      Map<String, Long> demotions,
      Map<String, String> examples) {

    /** Copies the maps, keeping their order. */
    public Health {
      demotions = Collections.unmodifiableMap(new LinkedHashMap<>(demotions));
      examples = Collections.unmodifiableMap(new LinkedHashMap<>(examples));
    }

    /**
     * Demotions in all.
     *
     * @return the count
     */
    public long demotionCount() {
      return demotions.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  /**
   * The latency figures of one protocol.
   *
   * @param protocol the protocol measured
   * @param warmup unmeasured cycles before
   * @param cycle the runtime's {@code latencyMicros} (read to written, without the audit)
   * @param runCycle wall time of {@code runCycle}, audit append included
   * @param read the read of every tag (one request)
   * @param shield the shield's decision
   * @param write the write of setpoint, advisory tags and heartbeat
   * @param approvalCheck the approval's expiry check ({@code validUntil}, which loads the approval
   *     file)
   * @param rest the cycle less read, shield, write and expiry check: validation, policy, other
   *     checks
   * @param audit the {@code runCycle} wall time less the cycle: building and appending the record
   * @param plantStep the virtual plant's scan and process step (outside the cycle)
   * @param warmupHealth the runtime over the warm-up
   * @param health the runtime over the measured cycles
   */
  public record Latency(
      Protocol protocol,
      int warmup,
      Percentiles cycle,
      Percentiles runCycle,
      Percentiles read,
      Percentiles shield,
      Percentiles write,
      Percentiles approvalCheck,
      Percentiles rest,
      Percentiles audit,
      Percentiles plantStep,
      Health warmupHealth,
      Health health) {}

  /**
   * Where a soak stands.
   *
   * @param cycles soak cycles run so far (after the warm-up)
   * @param fraction share of the soak done, 0 after the warm-up
   * @param heapUsedMiB heap in use after {@code System.gc()}
   * @param heapCommittedMiB heap the JVM holds from the system then (part of the RSS)
   * @param threads live threads of the JVM
   * @param rssMiB resident memory (VmRSS), NaN where /proc is missing
   * @param cyclesPerSecond iterations (process step and cycle) per second of loop time since the
   *     previous point; NaN at the first point
   * @param interval the runtime's {@code latencyMicros} since the previous point
   * @param auditFiles audit files on disk
   * @param auditMiB their size
   * @param health the runtime over the soak so far
   */
  public record SoakPoint(
      long cycles,
      double fraction,
      double heapUsedMiB,
      double heapCommittedMiB,
      int threads,
      double rssMiB,
      double cyclesPerSecond,
      Percentiles interval,
      int auditFiles,
      double auditMiB,
      Health health) {}

  /**
   * Measures cycle latency on a fresh plant.
   *
   * @param protocol the protocol to connect with (the plant serves only that one)
   * @param warmup unmeasured cycles first
   * @param cycles measured cycles, at least 1
   * @return the figures
   * @throws IOException if the plant's servers or the temporary folder cannot be set up
   * @throws InterruptedException if interrupted while starting or connecting
   * @throws PlcException if the runtime cannot connect to the plant
   */
  public static Latency latency(Protocol protocol, int warmup, int cycles)
      throws IOException, InterruptedException, PlcException {
    if (warmup < 0 || cycles < 1) {
      throw new IllegalArgumentException(
          "warm-up must be >= 0 and measured cycles >= 1: " + warmup + ", " + cycles);
    }
    try (Rig rig = new Rig(protocol)) {
      for (int i = 0; i < warmup; i++) {
        rig.iterate();
      }
      Health warm = rig.counters.health();
      rig.counters.reset();
      rig.clearHistograms();
      for (int i = 0; i < cycles; i++) {
        rig.iterate();
      }
      return new Latency(
          protocol,
          warmup,
          rig.cycle.percentiles(),
          rig.runCycle.percentiles(),
          rig.connection.read.percentiles(),
          rig.shield.decide.percentiles(),
          rig.connection.write.percentiles(),
          rig.authority.validUntil.percentiles(),
          rig.rest.percentiles(),
          rig.audit.percentiles(),
          rig.plantStep.percentiles(),
          warm,
          rig.counters.health());
    }
  }

  /**
   * Runs a soak on a fresh plant and reports after the warm-up and at 1 %, 10 % and 100 % of it.
   *
   * @param protocol the protocol to connect with
   * @param warmup unmeasured cycles first
   * @param cycles soak cycles, at least 1
   * @param report receives each point on the calling thread
   * @throws IOException if the plant's servers or the temporary folder cannot be set up
   * @throws InterruptedException if interrupted while starting or connecting
   * @throws PlcException if the runtime cannot connect to the plant
   */
  public static void soak(Protocol protocol, int warmup, long cycles, Consumer<SoakPoint> report)
      throws IOException, InterruptedException, PlcException {
    if (warmup < 0 || cycles < 1) {
      throw new IllegalArgumentException(
          "warm-up must be >= 0 and soak cycles >= 1: " + warmup + ", " + cycles);
    }
    long[] marks =
        Arrays.stream(new long[] {cycles / 100, cycles / 10, cycles})
            .filter(m -> m > 0)
            .distinct()
            .toArray();
    try (Rig rig = new Rig(protocol)) {
      for (int i = 0; i < warmup; i++) {
        rig.iterate();
      }
      rig.counters.reset();
      rig.clearHistograms();
      report.accept(rig.soakPoint(0, 0, Double.NaN));
      long done = 0;
      for (long mark : marks) {
        rig.cycle.clear();
        long started = System.nanoTime();
        for (; done < mark; done++) {
          rig.iterate();
        }
        double seconds = (System.nanoTime() - started) * 1e-9;
        Histogram interval = rig.cycle;
        report.accept(rig.soakPoint(done, done / (double) cycles, interval.count / seconds));
      }
    }
  }

  /** The plant, its files, the connection, the audit log and the runtime of one measurement. */
  private static final class Rig implements AutoCloseable {
    final Histogram cycle = new Histogram();
    final Histogram runCycle = new Histogram();
    final Histogram plantStep = new Histogram();
    final Histogram rest = new Histogram();
    final Histogram audit = new Histogram();
    final Counters counters = new Counters();
    final Path directory;
    final Path auditDirectory;
    VirtualPlant plant;
    TimedConnection connection;
    TimedShield shield;
    TimedAuthority authority;
    Deployment deployment;
    DeploymentRuntime runtime;

    Rig(Protocol protocol) throws IOException, InterruptedException {
      directory = Files.createTempDirectory("safeloop-bench-deploy");
      auditDirectory = directory.resolve("audit");
      try {
        Scenario scenario = Scenarios.load(SCENARIO);
        plant =
            VirtualPlant.builder(scenario)
                .protocols(protocol)
                .realism(true)
                .manualStepping()
                .startInRemote(true)
                .pkiDirectory(directory.resolve("pki"))
                .start();
        Path plantPath = directory.resolve(plant.plantName() + "-" + protocol.label() + ".yaml");
        Files.writeString(plantPath, plant.plantFile(protocol), StandardCharsets.UTF_8);
        // The approval binds the shield file and, as the PID has no bundle, a small file that
        // names the policy.
        Path shieldPath = directory.resolve(SHIELD + ".shield.yaml");
        Files.writeString(shieldPath, builtInShieldText(), StandardCharsets.UTF_8);
        Path policyPath = directory.resolve("policy.txt");
        Files.writeString(
            policyPath, "the PID loops of scenario " + SCENARIO + "\n", StandardCharsets.UTF_8);
        // The "bundle" of a PID deployment is a text file: hashed for the approval, never unpacked.
        // The approval is signed for the files as they are now; the deployment reads them again
        // and its closed-loop start verifies that they still match.
        DeploymentFiles files = DeploymentInputs.read(policyPath, shieldPath, plantPath).files();
        Clock clock = Clock.systemUTC();
        KeyPair keys = ApprovalKeys.generate();
        Path approvalPath = directory.resolve("approval.json");
        Approvals.save(
            Approvals.sign(
                files,
                Mode.CLOSED_LOOP.label(),
                "safeloop bench deploy",
                clock.instant().plus(Duration.ofDays(1)),
                "benchmark on the virtual plant",
                keys,
                clock),
            approvalPath);
        deployment =
            Deployment.builder(plantPath)
                .shield(shieldPath.toString())
                .pid()
                .approvedAs(policyPath)
                .mode(Mode.CLOSED_LOOP)
                .approval(approvalPath, keys.getPublic())
                .audit(
                    AuditLog.Options.builder(auditDirectory.resolve("audit.jsonl"))
                        .maxFileBytes(AUDIT_MAX_FILE_BYTES)
                        .keepRotatedFiles(AUDIT_KEEP_ROTATED_FILES)
                        .build())
                .clock(clock)
                .measuredBy(
                    c -> connection = new TimedConnection(c),
                    sh -> shield = new TimedShield(sh),
                    a -> authority = new TimedAuthority(a))
                .build();
        runtime = deployment.runtime();
      } catch (IOException | InterruptedException | RuntimeException e) {
        close();
        throw e;
      }
    }

    /** One process step, then one control cycle; a demotion is counted and promoted back. */
    void iterate() {
      connection.read.last = 0;
      connection.write.last = 0;
      shield.decide.last = 0;
      authority.validUntil.last = 0;
      long t0 = System.nanoTime();
      plant.step();
      long t1 = System.nanoTime();
      DeploymentRuntime.CycleOutcome outcome = runtime.runCycle();
      long t2 = System.nanoTime();
      long wall = (t2 - t1) / 1000;
      plantStep.record((t1 - t0) / 1000);
      runCycle.record(wall);
      cycle.record(outcome.latencyMicros());
      audit.record(wall - outcome.latencyMicros());
      rest.record(
          outcome.latencyMicros()
              - connection.read.last
              - connection.write.last
              - shield.decide.last
              - authority.validUntil.last);
      counters.count(outcome);
      if (runtime.mode() != Mode.CLOSED_LOOP) {
        promoteBack(outcome);
      }
    }

    /** The engineer's explicit command after a demotion; the loop must be measured closed. */
    private void promoteBack(DeploymentRuntime.CycleOutcome outcome) {
      if (outcome.demotion() == null) {
        counters.demoted("left closed loop without a demotion reason", "mode " + runtime.mode());
      }
      if (!plant.isRemote()) {
        plant.setOperatorMode(true);
      }
      String refusal = runtime.promote(Mode.CLOSED_LOOP);
      if (refusal != null) {
        throw new IllegalStateException(
            "cannot promote back to closed loop after a demotion ("
                + outcome.demotion()
                + "): "
                + refusal);
      }
    }

    void clearHistograms() {
      cycle.clear();
      runCycle.clear();
      plantStep.clear();
      rest.clear();
      audit.clear();
      authority.validUntil.clear();
      connection.read.clear();
      connection.write.clear();
      shield.decide.clear();
    }

    SoakPoint soakPoint(long cycles, double fraction, double cyclesPerSecond) {
      long heap = heapAfterGc();
      int threads = ManagementFactory.getThreadMXBean().getThreadCount();
      double rss = InferenceBenchmark.rssMiB();
      long bytes = 0;
      int files = 0;
      try (Stream<Path> list = Files.list(auditDirectory)) {
        for (Path p : list.toList()) {
          bytes += Files.size(p);
          files++;
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot list the audit folder " + auditDirectory, e);
      }
      return new SoakPoint(
          cycles,
          fraction,
          heap / MIB,
          Runtime.getRuntime().totalMemory() / MIB,
          threads,
          rss,
          cyclesPerSecond,
          cycle.percentiles(),
          files,
          bytes / MIB,
          counters.health());
    }

    /** Stops the runtime, closes the connection, the log and the plant; deletes the folder. */
    @Override
    public void close() {
      try {
        if (deployment != null) {
          deployment.close();
        }
      } finally {
        if (plant != null) {
          plant.close();
        }
        deleteTree(directory);
      }
    }
  }

  /** Cycle counts of the runtime's modes, the shield's verdicts and demotions. */
  private static final class Counters {
    long cycles;
    long closedLoop;
    long accepted;
    long repaired;
    long fallbacks;
    final Map<String, Long> demotions = new LinkedHashMap<>();
    final Map<String, String> examples = new LinkedHashMap<>();

    void count(DeploymentRuntime.CycleOutcome outcome) {
      cycles++;
      if (outcome.mode() == Mode.CLOSED_LOOP && outcome.wroteSetpoints()) {
        closedLoop++;
      }
      if (outcome.decision() != null) {
        switch (outcome.decision().verdict()) {
          case ACCEPTED -> accepted++;
          case REPAIRED -> repaired++;
          case FALLBACK -> fallbacks++;
        }
      }
      if (outcome.demotion() != null) {
        demoted(outcome.demotion().replaceAll("[-+]?\\d[\\d.:TZE+-]*", "#"), outcome.demotion());
      }
    }

    void demoted(String reason, String example) {
      demotions.merge(reason, 1L, Long::sum);
      examples.putIfAbsent(reason, example);
    }

    Health health() {
      return new Health(cycles, closedLoop, accepted, repaired, fallbacks, demotions, examples);
    }

    void reset() {
      cycles = 0;
      closedLoop = 0;
      accepted = 0;
      repaired = 0;
      fallbacks = 0;
      demotions.clear();
      examples.clear();
    }
  }

  /**
   * Counts of whole microseconds up to 100 ms, the rest in one overflow bucket with the exact
   * maximum: fixed memory, so that recording does not show up in the soak's heap figures.
   */
  private static final class Histogram {
    private static final int LIMIT_MICROS = 100_000;
    private final long[] counts = new long[LIMIT_MICROS + 1];
    long count;
    long max;
    long last;

    void record(long micros) {
      long m = Math.max(0, micros);
      last = m;
      counts[(int) Math.min(m, LIMIT_MICROS)]++;
      count++;
      max = Math.max(max, m);
    }

    void clear() {
      Arrays.fill(counts, 0);
      count = 0;
      max = 0;
      last = 0;
    }

    /** Nearest-rank percentiles, as the other benchmarks; overflowed ranks show the maximum. */
    Percentiles percentiles() {
      if (count == 0) {
        return new Percentiles(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
      }
      return new Percentiles(count, rank(0.5), rank(0.9), rank(0.99), rank(0.999), (double) max);
    }

    private double rank(double q) {
      long rank = Math.max(1, (long) Math.ceil(q * count));
      long seen = 0;
      for (int micros = 0; micros < LIMIT_MICROS; micros++) {
        seen += counts[micros];
        if (seen >= rank) {
          return micros;
        }
      }
      return max;
    }
  }

  /** Times the blocking read and write of the connection the runtime uses; delegates the rest. */
  private static final class TimedConnection implements PlcConnection {
    final Histogram read = new Histogram();
    final Histogram write = new Histogram();
    private final PlcConnection delegate;

    TimedConnection(PlcConnection delegate) {
      this.delegate = delegate;
    }

    @Override
    public Map<String, TagValue> read(Collection<Tag> tags)
        throws PlcException, InterruptedException {
      long start = System.nanoTime();
      try {
        return delegate.read(tags);
      } finally {
        read.record((System.nanoTime() - start) / 1000);
      }
    }

    @Override
    public void write(Collection<TagWrite> writes) throws PlcException, InterruptedException {
      long start = System.nanoTime();
      try {
        delegate.write(writes);
      } finally {
        write.record((System.nanoTime() - start) / 1000);
      }
    }

    @Override
    public CompletableFuture<Map<String, TagValue>> readAsync(Collection<Tag> tags) {
      return delegate.readAsync(tags);
    }

    @Override
    public CompletableFuture<Void> writeAsync(Collection<TagWrite> writes) {
      return delegate.writeAsync(writes);
    }

    @Override
    public CompletableFuture<PlcSubscription> subscribeAsync(
        Collection<Tag> tags, Duration samplingInterval, Consumer<TagValue> listener) {
      return delegate.subscribeAsync(tags, samplingInterval, listener);
    }

    @Override
    public Duration callTimeout() {
      return delegate.callTimeout();
    }

    @Override
    public boolean isConnected() {
      return delegate.isConnected();
    }

    @Override
    public void close() {
      delegate.close();
    }
  }

  /** Times the shield's decisions; delegates everything. */
  private static final class TimedShield implements SafetyShield {
    final Histogram decide = new Histogram();
    private final SafetyShield delegate;

    TimedShield(SafetyShield delegate) {
      this.delegate = delegate;
    }

    @Override
    public String name() {
      return delegate.name();
    }

    @Override
    public SignalSpace actionSpace() {
      return delegate.actionSpace();
    }

    @Override
    public SignalSpace observationSpace() {
      return delegate.observationSpace();
    }

    @Override
    public double controlIntervalSeconds() {
      return delegate.controlIntervalSeconds();
    }

    @Override
    public ShieldDecision decide(PlantSnapshot plant, double[] proposed, double[] previousApplied) {
      long start = System.nanoTime();
      try {
        return delegate.decide(plant, proposed, previousApplied);
      } finally {
        decide.record((System.nanoTime() - start) / 1000);
      }
    }

    @Override
    public AdmissibleActions admissible(PlantSnapshot plant, double[] previousApplied) {
      return delegate.admissible(plant, previousApplied);
    }

    @Override
    public ShieldCounters counters() {
      return delegate.counters();
    }

    @Override
    public void reset() {
      delegate.reset();
    }
  }

  /** Times the approval's expiry check, made every cycle; delegates verification. */
  private static final class TimedAuthority implements ClosedLoopAuthority {
    final Histogram validUntil = new Histogram();
    private final ClosedLoopAuthority delegate;

    TimedAuthority(ClosedLoopAuthority delegate) {
      this.delegate = delegate;
    }

    @Override
    public ApprovalCheck verify() {
      return delegate.verify();
    }

    @Override
    public Instant validUntil() {
      long start = System.nanoTime();
      try {
        return delegate.validUntil();
      } finally {
        validUntil.record((System.nanoTime() - start) / 1000);
      }
    }
  }

  private static String builtInShieldText() throws IOException {
    String resource = "scenarios/" + SHIELD + ".shield.yaml";
    try (InputStream in = DeployBenchmark.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(
            "the built-in shield " + resource + " is not on the class path");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static long heapAfterGc() {
    System.gc();
    System.gc();
    Runtime rt = Runtime.getRuntime();
    return rt.totalMemory() - rt.freeMemory();
  }

  private static void deleteTree(Path directory) {
    if (directory == null || !Files.exists(directory)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(directory)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete the benchmark folder " + directory, e);
    }
  }

  /**
   * The system's load averages over 1, 5 and 15 minutes, as {@code uptime} shows them: other work
   * on the machine shows up in the tail of the latencies.
   *
   * @return e.g. {@code "1.17 2.96 4.30"}, or {@code "n/a"} where /proc/loadavg is missing
   */
  public static String loadAverage() {
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return fields.length >= 3 ? fields[0] + " " + fields[1] + " " + fields[2] : "n/a";
    } catch (IOException | RuntimeException e) {
      return "n/a";
    }
  }
}
