package org.safeloop.experiments.bench;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.safeloop.env.Observation;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.SignalSpec;
import org.safeloop.env.StepResult;
import org.safeloop.env.control.Policy;
import org.safeloop.shield.PlantSnapshot;
import org.safeloop.shield.SafetyShield;
import org.safeloop.shield.ShieldDecision;
import org.safeloop.shield.Verdict;

/**
 * Measures the shield's decision latency in closed loop: a policy proposes, the shield decides, the
 * environment steps with the decision. Only {@code decide} is timed, each call on its own with
 * {@link System#nanoTime()}. Also reports the bytes allocated per decision on this thread and the
 * heap in use after a full GC at the start and end of the measured run (no growth means no leak).
 */
public final class ShieldBenchmark {
  private ShieldBenchmark() {}

  /**
   * The measured figures.
   *
   * @param decisions decisions measured
   * @param medianMicros median latency in microseconds
   * @param p99Micros 99th percentile
   * @param p999Micros 99.9th percentile
   * @param maxMicros slowest decision
   * @param acceptedMedianMicros median over accepted proposals
   * @param repairedMedianMicros median over repaired or fallback decisions
   * @param interventionShare share of decisions that intervened
   * @param bytesPerDecision bytes allocated per decision (thread allocation counter), or -1
   * @param heapStartBytes heap used after GC before the measured run
   * @param heapEndBytes heap used after GC after the measured run
   */
  public record Result(
      int decisions,
      double medianMicros,
      double p99Micros,
      double p999Micros,
      double maxMicros,
      double acceptedMedianMicros,
      double repairedMedianMicros,
      double interventionShare,
      double bytesPerDecision,
      long heapStartBytes,
      long heapEndBytes) {}

  /**
   * A proposal source that jumps to a uniformly random point of the shield's action range on one
   * step in four and repeats itself in between, like an exploring agent: most proposals need a
   * repair, the worst case for latency.
   */
  public static Policy randomProposals(SafetyShield shield, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    double[] proposal = new double[shield.actionSpace().size()];
    for (int a = 0; a < proposal.length; a++) {
      proposal[a] = 0.5 * (shield.actionSpace().get(a).min() + shield.actionSpace().get(a).max());
    }
    return observation -> {
      if (random.nextInt(4) == 0) {
        for (int a = 0; a < proposal.length; a++) {
          SignalSpec spec = shield.actionSpace().get(a);
          proposal[a] = spec.min() + spec.span() * random.nextDouble();
        }
      }
      return proposal.clone();
    };
  }

  /**
   * Runs {@code warmup} unmeasured decisions, then {@code decisions} measured ones, with proposals
   * from {@code proposals} (which sees the plant's observations).
   */
  public static Result measure(
      SafetyShield shield, ProcessEnvironment env, Policy proposals, int warmup, int decisions) {
    Loop loop = new Loop(shield, env, proposals);
    for (int i = 0; i < warmup; i++) {
      loop.next(null, 0);
    }
    long[] nanos = new long[decisions];
    boolean[] intervened = new boolean[decisions];
    long heapStart = heapAfterGc();
    long allocatedStart = allocatedBytes();
    for (int i = 0; i < decisions; i++) {
      intervened[i] = loop.next(nanos, i);
    }
    long allocated = allocatedBytes() - allocatedStart;
    long heapEnd = heapAfterGc();
    long[] accepted = Arrays.stream(indices(intervened, false)).mapToLong(i -> nanos[i]).toArray();
    long[] repaired = Arrays.stream(indices(intervened, true)).mapToLong(i -> nanos[i]).toArray();
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return new Result(
        decisions,
        percentile(sorted, 0.5),
        percentile(sorted, 0.99),
        percentile(sorted, 0.999),
        sorted[sorted.length - 1] / 1e3,
        median(accepted),
        median(repaired),
        repaired.length / (double) decisions,
        allocatedStart < 0 ? -1 : allocated / (double) decisions,
        heapStart,
        heapEnd);
  }

  /** The closed loop: proposals, timed decisions, environment steps. */
  private static final class Loop {
    private final SafetyShield shield;
    private final ProcessEnvironment env;
    private final Policy proposals;
    private final double dtSeconds;
    private Observation observation;
    private double[] previous;
    private long step;
    private long episode;

    Loop(SafetyShield shield, ProcessEnvironment env, Policy proposals) {
      this.shield = shield;
      this.env = env;
      this.proposals = proposals;
      this.dtSeconds = shield.controlIntervalSeconds();
      startEpisode();
    }

    private void startEpisode() {
      shield.reset();
      proposals.reset();
      observation = env.reset(episode++);
      previous = env.lastAppliedAction();
      step = 0;
    }

    /** One decision; records its time in nanos[i] when nanos is given. */
    boolean next(long[] nanos, int i) {
      double[] proposal = proposals.act(observation);
      PlantSnapshot snapshot = PlantSnapshot.of(observation, step * dtSeconds);
      long start = System.nanoTime();
      ShieldDecision d = shield.decide(snapshot, proposal, previous);
      long elapsed = System.nanoTime() - start;
      if (nanos != null) {
        nanos[i] = elapsed;
      }
      previous = d.appliedAction();
      proposals.applied(previous);
      StepResult r = env.step(previous);
      observation = r.observation();
      step++;
      if (r.done()) {
        startEpisode();
      }
      return d.verdict() != Verdict.ACCEPTED;
    }
  }

  private static int[] indices(boolean[] flags, boolean value) {
    int[] out = new int[flags.length];
    int n = 0;
    for (int i = 0; i < flags.length; i++) {
      if (flags[i] == value) {
        out[n++] = i;
      }
    }
    return Arrays.copyOf(out, n);
  }

  private static double median(long[] values) {
    if (values.length == 0) {
      return Double.NaN;
    }
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return percentile(sorted, 0.5);
  }

  private static double percentile(long[] sorted, double q) {
    int index = (int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
    return sorted[Math.max(0, index)] / 1e3;
  }

  private static long allocatedBytes() {
    var bean = ManagementFactory.getThreadMXBean();
    if (bean instanceof com.sun.management.ThreadMXBean sun
        && sun.isThreadAllocatedMemorySupported()) {
      return sun.getThreadAllocatedBytes(Thread.currentThread().getId());
    }
    return -1;
  }

  private static long heapAfterGc() {
    System.gc();
    System.gc();
    Runtime rt = Runtime.getRuntime();
    return rt.totalMemory() - rt.freeMemory();
  }
}
