package org.safeloop.experiments.bench;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.safeloop.env.Observation;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.SignalSpec;
import org.safeloop.env.StepResult;
import org.safeloop.shield.PlantSnapshot;
import org.safeloop.shield.SafetyShield;
import org.safeloop.shield.ShieldDecision;
import org.safeloop.shield.Verdict;

/**
 * Measures the shield's decision latency in closed loop: a seeded random policy proposes actions
 * across the whole actuator range (so many proposals need a repair), the shield decides, the
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

  /** Runs {@code warmup} unmeasured decisions, then {@code decisions} measured ones. */
  public static Result measure(
      SafetyShield shield, ProcessEnvironment env, int warmup, int decisions, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    Loop loop = new Loop(shield, env, random);
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

  /** The closed loop: random proposals, timed decisions, environment steps. */
  private static final class Loop {
    private final SafetyShield shield;
    private final ProcessEnvironment env;
    private final SplittableRandom random;
    private final double dtSeconds;
    private Observation observation;
    private double[] previous;
    private double[] proposal;
    private long step;
    private long episode;

    Loop(SafetyShield shield, ProcessEnvironment env, SplittableRandom random) {
      this.shield = shield;
      this.env = env;
      this.random = random;
      this.dtSeconds = shield.controlIntervalSeconds();
      startEpisode();
    }

    private void startEpisode() {
      shield.reset();
      observation = env.reset(episode++);
      previous = env.lastAppliedAction();
      proposal = previous.clone();
    }

    /** One decision; records its time in nanos[i] when nanos is given. */
    boolean next(long[] nanos, int i) {
      // A proposal that jumps to a random point of the range every few steps, like an
      // exploring agent; in between it repeats, as a converged one would.
      if (random.nextInt(4) == 0) {
        for (int a = 0; a < proposal.length; a++) {
          SignalSpec spec = shield.actionSpace().get(a);
          proposal[a] = spec.min() + spec.span() * random.nextDouble();
        }
      }
      PlantSnapshot snapshot = PlantSnapshot.of(observation, step * dtSeconds);
      long start = System.nanoTime();
      ShieldDecision d = shield.decide(snapshot, proposal, previous);
      long elapsed = System.nanoTime() - start;
      if (nanos != null) {
        nanos[i] = elapsed;
      }
      previous = d.appliedAction();
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
