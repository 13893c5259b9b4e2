package org.safeloop.experiments.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.safeloop.env.control.Policy;
import org.safeloop.env.ode.IntegratorSpec;
import org.safeloop.env.realism.RealismConfig;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;
import org.safeloop.experiments.bench.DeployBenchmark;
import org.safeloop.experiments.bench.EdgeBenchmark;
import org.safeloop.experiments.bench.EnvBenchmark;
import org.safeloop.experiments.bench.HarnessBenchmark;
import org.safeloop.experiments.bench.IdentifyBenchmark;
import org.safeloop.experiments.bench.InferenceBenchmark;
import org.safeloop.experiments.bench.ShieldBenchmark;
import org.safeloop.experiments.config.Experiment;
import org.safeloop.experiments.evaluate.EvaluationSummary;
import org.safeloop.experiments.evaluate.PolicySource;
import org.safeloop.plc.telemetry.TelemetryUrl;
import org.safeloop.plc.virtualplant.VirtualPlant.Protocol;
import org.safeloop.plc.web.HttpAddress;
import org.safeloop.policy.PolicyBundles;
import org.safeloop.shield.SafetyShield;
import org.safeloop.shield.Shields;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code safeloop bench}: performance measurements (not tests). */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Performance benchmarks.",
    subcommands = {
      BenchCommand.Env.class,
      BenchCommand.Shield.class,
      BenchCommand.Inference.class,
      BenchCommand.Harness.class,
      BenchCommand.Deploy.class,
      BenchCommand.Identify.class,
      BenchCommand.Edge.class
    })
final class BenchCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code safeloop bench env}: environment steps per second, single thread. */
  @Command(
      name = "env",
      mixinStandardHelpOptions = true,
      description = {
        "Environment steps per second on one thread, per scenario: RK4 with realism off and on,",
        "and the Dormand-Prince reference. Median of timed rounds after a warm-up."
      })
  static final class Env implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
        names = "--scenario",
        paramLabel = "NAME",
        description = "Scenarios to measure (repeatable; default: all built-in).")
    List<String> scenarios = new ArrayList<>();

    @Option(
        names = "--warmup-seconds",
        defaultValue = "2",
        description = "Warm-up seconds per case (the other benches count warm-up in decisions).")
    double warmup;

    @Option(names = "--rounds", defaultValue = "5", description = "Measured rounds per case.")
    int rounds;

    @Option(names = "--round-seconds", defaultValue = "1", description = "Seconds per round.")
    double roundSeconds;

    @Override
    public Integer call() {
      if (rounds < 1 || !(roundSeconds > 0) || warmup < 0) {
        throw new IllegalArgumentException("--rounds >= 1, --round-seconds > 0, --warmup >= 0");
      }
      PrintWriter out = spec.commandLine().getOut();
      List<String> names = scenarios.isEmpty() ? Scenarios.builtInNames() : scenarios;
      out.printf(
          "java %s on %d cores; %d rounds of %.1f s after %.1f s warm-up; single thread%n",
          System.getProperty("java.version"),
          Runtime.getRuntime().availableProcessors(),
          rounds,
          roundSeconds,
          warmup);
      out.printf("%-18s %-26s %14s %14s %14s%n", "scenario", "case", "median st/s", "min", "max");
      for (String name : names) {
        Scenario s = Scenarios.load(name);
        int substeps = s.spec().integrator().substeps();
        measure(out, s, "rk4x" + substeps + ", realism off", false, IntegratorSpec.rk4(substeps));
        if (!s.spec().realism().equals(RealismConfig.none())) {
          measure(out, s, "rk4x" + substeps + ", realism on", true, IntegratorSpec.rk4(substeps));
        }
        measure(
            out, s, "dormand-prince 1e-8, off", false, IntegratorSpec.dormandPrince(1e-8, 1e-10));
        measure(
            out, s, "dormand-prince 1e-10, off", false, IntegratorSpec.dormandPrince(1e-10, 1e-12));
      }
      return 0;
    }

    private void measure(
        PrintWriter out, Scenario s, String label, boolean realism, IntegratorSpec integrator) {
      EnvBenchmark.Result r =
          EnvBenchmark.measure(
              label, s.createEnvironment(realism, integrator), warmup, rounds, roundSeconds);
      out.printf(
          "%-18s %-26s %,14.0f %,14.0f %,14.0f%n",
          s.name(), label, r.medianStepsPerSecond(), r.minStepsPerSecond(), r.maxStepsPerSecond());
      out.flush();
    }
  }

  /** {@code safeloop bench shield}: decision latency of the safety shield. */
  @Command(
      name = "shield",
      mixinStandardHelpOptions = true,
      description = {
        "Decision latency of a safety shield in closed loop with random proposals:",
        "median, p99, p99.9 and max over the measured decisions, bytes allocated per decision,",
        "and the heap after GC before and after (no growth means no leak)."
      })
  static final class Shield implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
        names = "--shield",
        defaultValue = "cstr-constrained",
        description = "Constraint file or built-in shield (default ${DEFAULT-VALUE}).")
    String shield;

    @Option(
        names = "--scenario",
        defaultValue = "cstr-constrained",
        description = "Plant scenario (default ${DEFAULT-VALUE}).")
    String scenario;

    @Option(
        names = "--proposals",
        defaultValue = "random",
        paramLabel = "random|pid",
        description = {
          "random: jumps across the action range on one step in four (most proposals need a",
          "repair: the worst case); pid: the scenario's PID loops (mostly accepted: typical)."
        })
    String proposals;

    @Option(names = "--warmup", defaultValue = "20000", description = "Unmeasured decisions.")
    int warmup;

    @Option(names = "--decisions", defaultValue = "100000", description = "Measured decisions.")
    int decisions;

    @Override
    public Integer call() {
      if (decisions < 1 || warmup < 0) {
        throw new IllegalArgumentException("--decisions >= 1 and --warmup >= 0");
      }
      PrintWriter out = spec.commandLine().getOut();
      SafetyShield s = Shields.load(shield);
      Scenario plant = Scenarios.load(scenario);
      Policy source =
          switch (proposals) {
            case "random" -> ShieldBenchmark.randomProposals(s, 1);
            case "pid" -> plant.baselineController();
            default ->
                throw new IllegalArgumentException(
                    "--proposals takes random or pid, got " + proposals);
          };
      ShieldBenchmark.Result r =
          ShieldBenchmark.measure(
              s, plant.createEnvironment(true, null), source, warmup, decisions);
      out.printf(
          "java %s on %d cores; shield %s on %s; %s proposals; %,d decisions after %,d warm-up%n",
          System.getProperty("java.version"),
          Runtime.getRuntime().availableProcessors(),
          s.name(),
          plant.name(),
          proposals,
          decisions,
          warmup);
      out.printf(
          "latency [us]: median %.1f  p99 %.1f  p99.9 %.1f  max %.1f%n",
          r.medianMicros(), r.p99Micros(), r.p999Micros(), r.maxMicros());
      out.printf(
          "median [us]: accepted %.1f, repaired or fallback %.1f (%.1f %% of decisions)%n",
          r.acceptedMedianMicros(), r.repairedMedianMicros(), 100 * r.interventionShare());
      out.printf(
          "allocated per decision: %.0f bytes; heap after GC: %.1f MiB before, %.1f MiB after%n",
          r.bytesPerDecision(), r.heapStartBytes() / 1048576.0, r.heapEndBytes() / 1048576.0);
      out.flush();
      return 0;
    }
  }

  /** {@code safeloop bench inference}: policy latency, DJL and pure Java, and memory growth. */
  @Command(
      name = "inference",
      mixinStandardHelpOptions = true,
      description = {
        "Single-observation latency of the policy network through DJL and through the bundle's",
        "pure-Java forward pass (median, p99), and resident memory before and after the calls",
        "and over a run of PPO updates."
      })
  static final class Inference implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--scenario", defaultValue = "cstr-tracking", description = "Scenario.")
    String scenario;

    @Option(names = "--djl-calls", defaultValue = "100000", description = "Measured DJL calls.")
    int djlCalls;

    @Option(
        names = "--java-calls",
        defaultValue = "1000000",
        description = "Measured pure-Java calls.")
    int javaCalls;

    @Option(names = "--updates", defaultValue = "20", description = "PPO updates for memory.")
    int updates;

    @Override
    public Integer call() {
      if (djlCalls < 1 || javaCalls < 1 || updates < 2) {
        throw new IllegalArgumentException("--djl-calls, --java-calls >= 1 and --updates >= 2");
      }
      PrintWriter out = spec.commandLine().getOut();
      Scenario s = Scenarios.load(scenario);
      out.printf(
          "java %s on %d cores; %s; policy MLP 64x64 tanh%n",
          System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(), s.name());
      for (InferenceBenchmark.Latency l :
          InferenceBenchmark.latency(s, 20_000, djlCalls, javaCalls)) {
        double[] q = l.rssQuartersMiB();
        out.printf(
            "%-9s %,10d calls: median %.2f us, p99 %.2f us; RSS %.1f MiB before, after each"
                + " quarter %.1f / %.1f / %.1f / %.1f MiB%s%n",
            l.path(),
            l.calls(),
            l.medianMicros(),
            l.p99Micros(),
            l.rssBeforeMiB(),
            q[0],
            q[1],
            q[2],
            q[3],
            l.path().equals("djl")
                ? "; live native arrays " + l.liveArraysBefore() + " -> " + l.liveArraysAfter()
                : "");
        out.flush();
      }
      InferenceBenchmark.Training t = InferenceBenchmark.training(s, updates);
      out.printf(
          "training: %d PPO updates (%,d gradient steps): RSS %.1f MiB after the first, %.1f MiB"
              + " after the last; live native arrays %d -> %d%n",
          t.updates(),
          t.gradientSteps(),
          t.rssAfterWarmupMiB(),
          t.rssAfterMiB(),
          t.liveArraysAfterWarmup(),
          t.liveArraysAfter());
      out.flush();
      return 0;
    }
  }

  /** {@code safeloop bench harness}: the experiment harness's overhead over raw training. */
  @Command(
      name = "harness",
      mixinStandardHelpOptions = true,
      description = {
        "Wall clock of raw agent training against the same training through the experiment",
        "harness (metrics, checkpoints, bundle), alternating; and the evaluation's time."
      })
  static final class Harness implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(
        index = "0",
        paramLabel = "CONFIG",
        defaultValue = "experiments/configs/cstr-tracking-ppo-lag.yaml",
        description = "Experiment file (default ${DEFAULT-VALUE}).")
    Path config;

    @Option(names = "--steps", paramLabel = "N", description = "Training budget (default: file's).")
    Long steps;

    @Option(names = "--seed", defaultValue = "0", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--repeats", defaultValue = "2", description = "Raw/harness pairs.")
    int repeats;

    @Override
    public Integer call() {
      if (repeats < 1 || (steps != null && steps < 1)) {
        throw new IllegalArgumentException("--repeats >= 1 and --steps >= 1");
      }
      Experiment e = Experiment.load(config);
      if (steps != null) {
        e = e.with(steps, null);
      }
      PrintWriter out = spec.commandLine().getOut();
      out.printf(
          "java %s on %d cores; %s seed %d, %,d steps, %d evaluation episodes; %d pairs%n",
          System.getProperty("java.version"),
          Runtime.getRuntime().availableProcessors(),
          config,
          seed,
          e.spec().training().steps(),
          e.spec().evaluation().episodes(),
          repeats);
      out.flush();
      HarnessBenchmark.Result r =
          HarnessBenchmark.measure(e, seed, repeats, HarnessBenchmark.tempDir());
      for (int i = 0; i < repeats; i++) {
        double raw = r.rawSeconds().get(i);
        double harness = r.harnessSeconds().get(i);
        double rawCpu = r.rawCpuSeconds().get(i);
        double harnessCpu = r.harnessCpuSeconds().get(i);
        out.printf(
            Locale.ROOT,
            "pair %d: wall raw %.1f s, harness %.1f s (%+.1f %%), evaluation %.1f s;"
                + " training-thread CPU raw %.1f s, harness with evaluation %.1f s (%+.1f %%)%n",
            i + 1,
            raw,
            harness,
            100 * (harness - raw) / raw,
            r.evaluationSeconds().get(i),
            rawCpu,
            harnessCpu,
            100 * (harnessCpu - rawCpu) / rawCpu);
      }
      out.flush();
      return 0;
    }
  }

  /** {@code safeloop bench identify}: how long a fit takes against samples and parameters. */
  @Command(
      name = "identify",
      mixinStandardHelpOptions = true,
      description = {
        "Wall and CPU time of safeloop identify's fit (multiple shooting, segments of 20 steps,",
        "Levenberg-Marquardt) on the constrained CSTR with a mismatched truth (UA -15 %, k0 +10 %,",
        "the feed 3 K warm), for 1, 2 and 3 free parameters on each number of samples."
      })
  static final class Identify implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
        names = "--samples",
        split = ",",
        defaultValue = "1000,3000,10000",
        paramLabel = "N[,N...]",
        description = "Numbers of samples (default ${DEFAULT-VALUE}).")
    int[] samples;

    @Option(names = "--repeats", defaultValue = "3", description = "Fits per case (median).")
    int repeats;

    @Option(names = "--seed", defaultValue = "0", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
      if (repeats < 1 || Arrays.stream(samples).anyMatch(n -> n < 100)) {
        throw new IllegalArgumentException("--repeats >= 1 and every --samples >= 100");
      }
      PrintWriter out = spec.commandLine().getOut();
      out.printf(
          "java %s on %d cores; %d fits per case%n",
          System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(), repeats);
      out.println("samples  free            wall s   cpu s  iterations  evaluations  errors");
      for (IdentifyBenchmark.Row r : IdentifyBenchmark.measure(samples, repeats, seed)) {
        StringBuilder errors = new StringBuilder();
        for (int i = 0; i < r.free().size(); i++) {
          errors.append(
              String.format(
                  Locale.ROOT, "%s %+.2f %% ", r.free().get(i), 100 * r.relativeErrors()[i]));
        }
        out.printf(
            Locale.ROOT,
            "%7d  %-14s %7.2f %7.2f %11d %12d  %s%n",
            r.samples(),
            String.join(",", r.free()),
            r.wallSeconds(),
            r.cpuSeconds(),
            r.iterations(),
            r.evaluations(),
            errors.toString().trim());
        out.flush();
      }
      return 0;
    }
  }

  /** {@code safeloop bench deploy}: the deployment runtime's cycle against the virtual plant. */
  @Command(
      name = "deploy",
      mixinStandardHelpOptions = true,
      description = {
        "Control-cycle latency of the deployment runtime in closed loop against the virtual plant",
        "(cstr-constrained, realism on, stepped by hand) over Modbus TCP and OPC UA on 127.0.0.1:",
        "the scenario's PID through the cstr-constrained shield with a signed approval and the",
        "audit log in a temporary folder. Each iteration steps the plant, then runs one cycle.",
        "Prints median, p90, p99, p99.9 and max of the runtime's cycle latency, of the whole",
        "runCycle call (with the audit append) and of its read, shield and write; then, with",
        "--soak-cycles, heap after GC, threads, RSS and cycles/s at 1 %, 10 % and 100 % of the",
        "soak. Exits with 1 when the runtime left closed loop in a counted cycle (the reasons",
        "are printed; the loop is promoted back so that measuring goes on)."
      })
  static final class Deploy implements Callable<Integer> {
    /** Cycle p99 targets in microseconds: 5 ms over Modbus, 10 ms over OPC UA. */
    private static final Map<Protocol, Long> P99_TARGET_MICROS =
        Map.of(Protocol.MODBUS, 5_000L, Protocol.OPCUA, 10_000L);

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
        names = "--protocol",
        defaultValue = "both",
        paramLabel = "modbus|opcua|both",
        description = "Protocols to measure, one after the other (default ${DEFAULT-VALUE}).")
    String protocol;

    @Option(
        names = "--cycles",
        defaultValue = "20000",
        description =
            "Measured cycles per protocol; 0 skips the latency run (default ${DEFAULT-VALUE}).")
    int cycles;

    @Option(
        names = "--warmup",
        defaultValue = "2000",
        description = "Unmeasured cycles before each run (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(
        names = "--telemetry",
        paramLabel = "kafka://HOST:PORT/TOPIC",
        description =
            "Also produce every audit record to this Kafka topic (as deploy --telemetry), to"
                + " measure what telemetry costs the cycle, with the broker up or down.")
    String telemetry;

    @Option(
        names = "--http",
        paramLabel = "HOST:PORT",
        description =
            "Also measure with the deployment's web view there (as deploy --http; e.g."
                + " 127.0.0.1:0) and --sse-clients pages reading it, after the same run without.")
    String http;

    @Option(
        names = "--pace-ms",
        defaultValue = "0",
        paramLabel = "MS",
        description =
            "Start an iteration every MS milliseconds, as a cycle period would, instead of back to"
                + " back (default 0: back to back).")
    int paceMillis;

    @Option(
        names = "--sse-clients",
        defaultValue = "10",
        paramLabel = "N",
        description = "Pages reading the web view's event stream with --http (default 10).")
    int sseClients;

    @Option(
        names = "--soak-cycles",
        defaultValue = "0",
        paramLabel = "N",
        description = "Soak cycles per protocol after the latency run; 0 skips it (default 0).")
    long soakCycles;

    @Override
    public Integer call() throws Exception {
      if (telemetry != null) {
        TelemetryUrl.parse(telemetry);
      }
      if (paceMillis < 0 || sseClients < 0) {
        throw new IllegalArgumentException("--pace-ms and --sse-clients must be 0 or more");
      }
      if (cycles < 0 || warmup < 0 || soakCycles < 0 || (cycles == 0 && soakCycles == 0)) {
        throw new IllegalArgumentException(
            "--cycles >= 0, --warmup >= 0, --soak-cycles >= 0, and --cycles or --soak-cycles > 0");
      }
      List<Protocol> protocols =
          switch (protocol) {
            case "modbus" -> List.of(Protocol.MODBUS);
            case "opcua" -> List.of(Protocol.OPCUA);
            case "both" -> List.of(Protocol.MODBUS, Protocol.OPCUA);
            default ->
                throw new IllegalArgumentException(
                    "--protocol takes modbus, opcua or both, got " + protocol);
          };
      PrintWriter out = spec.commandLine().getOut();
      out.printf(
          Locale.ROOT,
          "java %s on %d cores; load average %s; %s virtual plant (realism on, stepped by hand);"
              + " PID through shield %s in closed loop, signed approval; audit log rotated at %d"
              + " MiB, %d kept%n",
          System.getProperty("java.version"),
          Runtime.getRuntime().availableProcessors(),
          DeployBenchmark.loadAverage(),
          DeployBenchmark.SCENARIO,
          DeployBenchmark.SHIELD,
          DeployBenchmark.AUDIT_MAX_FILE_BYTES / (1024 * 1024),
          DeployBenchmark.AUDIT_KEEP_ROTATED_FILES);
      out.flush();
      boolean leftClosedLoop = false;
      for (Protocol p : protocols) {
        if (cycles > 0) {
          leftClosedLoop |= latency(out, p);
        }
        if (soakCycles > 0) {
          leftClosedLoop |= soak(out, p);
        }
      }
      out.printf(Locale.ROOT, "load average at the end: %s%n", DeployBenchmark.loadAverage());
      out.flush();
      return leftClosedLoop ? 1 : 0;
    }

    /** Measures and prints one protocol's latency; returns whether closed loop was left. */
    private boolean latency(PrintWriter out, Protocol p) throws Exception {
      DeployBenchmark.Latency r =
          DeployBenchmark.latency(
              p,
              warmup,
              cycles,
              telemetry == null ? null : TelemetryUrl.parse(telemetry),
              null,
              0,
              paceMillis);
      boolean left = print(out, p, r);
      if (http != null) {
        DeployBenchmark.Latency w =
            DeployBenchmark.latency(
                p,
                warmup,
                cycles,
                telemetry == null ? null : TelemetryUrl.parse(telemetry),
                HttpAddress.parse(http),
                sseClients,
                paceMillis);
        out.printf(
            Locale.ROOT, "%s with the web view and %d pages:%n", p.label(), w.web().clients());
        left |= print(out, p, w);
        web(out, r, w);
      }
      return left;
    }

    /** Prints the web view's figures beside the run without it. */
    private static void web(
        PrintWriter out, DeployBenchmark.Latency without, DeployBenchmark.Latency with) {
      DeployBenchmark.Web v = with.web();
      out.printf(
          Locale.ROOT,
          "  web view: cycle p99 %s us without, %s us with %d pages (%+.1f %%); median %s / %s us%n",
          micros(without.cycle().p99()),
          micros(with.cycle().p99()),
          v.clients(),
          100 * (with.cycle().p99() / without.cycle().p99() - 1),
          micros(without.cycle().median()),
          micros(with.cycle().median()));
      row(out, "cycle start to page (all pages)", v.toClient(), "");
      out.printf(
          Locale.ROOT,
          "  %,d messages read; %.1f records and %.0f bytes per cycle per page; feed thread %.1f"
              + " us per cycle (metrics %.1f us), off the cycle's thread; a /metrics scrape %.2f"
              + " ms, %,d bytes; pages dropped %d, records dropped %d; page %,d bytes%n",
          v.messages(),
          v.recordsPerCycle(),
          v.bytesPerCycleMessage() * 1.0,
          v.feedMicrosPerCycle(),
          v.metricsMicrosPerCycle(),
          v.scrapeMillis(),
          v.scrapeBytes(),
          v.droppedClients(),
          v.droppedRecords(),
          v.pageBytes());
    }

    /** Prints one run's figures; returns whether closed loop was left. */
    private boolean print(PrintWriter out, Protocol p, DeployBenchmark.Latency r) {
      long target = P99_TARGET_MICROS.get(p);
      out.printf(
          Locale.ROOT,
          "%s: %,d cycles after %,d warm-up%s (load average %s)%n",
          p.label(),
          cycles,
          warmup,
          paceMillis > 0 ? ", one every " + paceMillis + " ms" : ", back to back",
          DeployBenchmark.loadAverage());
      out.printf(
          Locale.ROOT,
          "  %-38s %9s %9s %9s %9s %9s%n",
          "[us]",
          "median",
          "p90",
          "p99",
          "p99.9",
          "max");
      row(
          out,
          "cycle (runtime latencyMicros)",
          r.cycle(),
          String.format(
              Locale.ROOT,
              "target p99 < %,d us: %s",
              target,
              r.cycle().p99() < target ? "met" : "MISSED"));
      row(out, "runCycle wall time, audit included", r.runCycle(), "");
      row(out, "  read (every tag, one request)", r.read(), "");
      row(out, "  shield decision", r.shield(), "");
      row(out, "  write (setpoint, advisory, heartbeat)", r.write(), "");
      row(out, "  approval expiry check (validUntil)", r.approvalCheck(), "");
      row(out, "  rest: validation, policy, audit records", r.rest(), "");
      row(out, "after latencyMicros (outside it)", r.audit(), "");
      row(out, "plant step (outside the cycle)", r.plantStep(), "");
      DeployBenchmark.Health h = r.health();
      out.printf(
          Locale.ROOT,
          "  closed loop in %,d of %,d measured cycles; shield accepted %,d, repaired %,d, fell"
              + " back %,d%n",
          h.closedLoopCycles(),
          h.cycles(),
          h.accepted(),
          h.repaired(),
          h.fallbacks());
      if (r.telemetryAcknowledged() >= 0) {
        out.printf(
            Locale.ROOT,
            "  telemetry %s: %,d records acknowledged (warm-up included), the broker stalled %,d"
                + " time(s)%n",
            telemetry,
            r.telemetryAcknowledged(),
            r.telemetryStalls());
      }
      boolean left = warnIfLeft(out, p.label() + " warm-up", r.warmupHealth());
      left |= warnIfLeft(out, p.label() + " measured cycles", h);
      out.flush();
      return left;
    }

    /** Runs and prints one protocol's soak; returns whether closed loop was left. */
    private boolean soak(PrintWriter out, Protocol p) throws Exception {
      out.printf(
          Locale.ROOT,
          "soak %s: %,d cycles after %,d warm-up (load average %s)%n",
          p.label(),
          soakCycles,
          warmup,
          DeployBenchmark.loadAverage());
      out.flush();
      DeployBenchmark.Health[] last = new DeployBenchmark.Health[1];
      DeployBenchmark.soak(
          p,
          warmup,
          soakCycles,
          point -> {
            last[0] = point.health();
            DeployBenchmark.Percentiles c = point.interval();
            out.printf(
                Locale.ROOT,
                "  %3.0f %% %,10d cycles: heap %5.1f MiB used (%5.0f committed), %3d threads,"
                    + " RSS %6.1f MiB, %7s cycles/s; cycle p50 %s / p99 %s / max %s us; audit %d"
                    + " files %5.1f MiB; closed loop %,d/%,d, demotions %d; load %s%n",
                100 * point.fraction(),
                point.cycles(),
                point.heapUsedMiB(),
                point.heapCommittedMiB(),
                point.threads(),
                point.rssMiB(),
                micros(point.cyclesPerSecond()),
                micros(c.median()),
                micros(c.p99()),
                micros(c.max()),
                point.auditFiles(),
                point.auditMiB(),
                point.health().closedLoopCycles(),
                point.health().cycles(),
                point.health().demotionCount(),
                DeployBenchmark.loadAverage());
            out.flush();
          });
      boolean left = warnIfLeft(out, "soak " + p.label(), last[0]);
      out.flush();
      return left;
    }

    private static void row(
        PrintWriter out, String label, DeployBenchmark.Percentiles q, String note) {
      String line =
          String.format(
              Locale.ROOT,
              "  %-38s %9s %9s %9s %9s %9s  %s",
              label,
              micros(q.median()),
              micros(q.p90()),
              micros(q.p99()),
              micros(q.p999()),
              micros(q.max()),
              note);
      out.println(line.stripTrailing());
    }

    private static String micros(double value) {
      return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%,.0f", value);
    }

    /** Prints a loud warning when a run did not stay in closed loop; returns whether it left. */
    private static boolean warnIfLeft(PrintWriter out, String what, DeployBenchmark.Health h) {
      if (h == null || (h.demotionCount() == 0 && h.closedLoopCycles() == h.cycles())) {
        return false;
      }
      out.printf(
          Locale.ROOT,
          "  !!! WARNING %s: NOT ALL IN CLOSED LOOP: %,d of %,d cycles wrote setpoints in closed"
              + " loop; %d demotions (each promoted back by the benchmark):%n",
          what,
          h.closedLoopCycles(),
          h.cycles(),
          h.demotionCount());
      for (Map.Entry<String, Long> e : h.demotions().entrySet()) {
        out.printf(
            Locale.ROOT,
            "  !!!   %,6d x %s  (e.g. \"%s\")%n",
            e.getValue(),
            e.getKey(),
            h.examples().get(e.getKey()));
      }
      return true;
    }
  }

  /** {@code safeloop bench edge}: ONNX Runtime against the pure-Java paths, float32 and int8. */
  @Command(
      name = "edge",
      mixinStandardHelpOptions = true,
      description = {
        "For one bundle: the sizes of the bundle, its int8 bundle and their ONNX models;",
        "single-observation latency (median, p99) of ONNX Runtime (CPU, one thread) against the",
        "pure-Java forward pass, float32 and int8; and the closed-loop return and shield",
        "interventions of each on the scenario with realism on. int8 is calibrated as safeloop",
        "export does (20 episodes); both models are verified against the pure-Java pass first."
      })
  static final class Edge implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--policy", required = true, paramLabel = "BUNDLE", description = "Bundle.")
    Path policy;

    @Option(
        names = "--scenario",
        paramLabel = "NAME|FILE",
        description = "Scenario (default: the one the bundle was trained on).")
    String scenario;

    @Option(
        names = "--shield",
        paramLabel = "FILE|NAME",
        description = "Shield for the closed loop (default: the bundle's, if any).")
    String shield;

    @Option(names = "--warmup", defaultValue = "20000", description = "Unmeasured calls per path.")
    int warmup;

    @Option(names = "--calls", defaultValue = "100000", description = "Measured calls per path.")
    int calls;

    @Option(
        names = "--episodes",
        defaultValue = "20",
        paramLabel = "N",
        description = "Closed-loop episodes per path (default ${DEFAULT-VALUE}).")
    int episodes;

    @Option(names = "--seed", defaultValue = "0", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
      if (calls < 1 || warmup < 0 || episodes < 1) {
        throw new IllegalArgumentException("--calls >= 1, --warmup >= 0 and --episodes >= 1");
      }
      var bundle = PolicyBundles.load(policy);
      Scenario s =
          scenario != null
              ? Scenarios.load(scenario)
              : PolicySource.trainedScenario(bundle, policy);
      String through = shield != null ? shield : bundle.shieldSource();
      PrintWriter out = spec.commandLine().getOut();
      out.printf(
          Locale.ROOT,
          "java %s on %d cores; load average %s; %s (%s) on %s, %s; %,d calls per path after"
              + " %,d warm-up; %d closed-loop episodes per path, realism on%n",
          System.getProperty("java.version"),
          Runtime.getRuntime().availableProcessors(),
          DeployBenchmark.loadAverage(),
          policy,
          bundle.algorithm(),
          s.name(),
          through == null ? "no shield" : "shield " + through,
          calls,
          warmup,
          episodes);
      out.flush();
      EdgeBenchmark.Result r =
          EdgeBenchmark.measure(policy, s, through, warmup, calls, episodes, seed);
      out.println("float32 model: " + r.float32Verification().summary());
      out.println("int8 model:    " + r.int8Verification().summary());
      out.println(
          "int8 weights against float32, largest action error over "
              + r.int8Error().observations()
              + " drawn observations: "
              + r.int8Error().describe());
      out.printf(
          Locale.ROOT,
          "%-22s %12s %12s %10s %14s %8s %14s%n",
          "path",
          "file bytes",
          "median [us]",
          "p99 [us]",
          "median return",
          "MAD",
          "interventions");
      for (EdgeBenchmark.Row row : r.rows()) {
        EvaluationSummary e = row.closedLoop();
        out.printf(
            Locale.ROOT,
            "%-22s %,12d %12.2f %10.2f %14.3f %8.3f %12.2f %%%n",
            row.path(),
            row.artifactBytes(),
            row.medianMicros(),
            row.p99Micros(),
            e.returnMedian(),
            e.returnMad(),
            100 * e.interventionRate());
      }
      out.printf(Locale.ROOT, "load average at the end: %s%n", DeployBenchmark.loadAverage());
      out.flush();
      return 0;
    }
  }
}
