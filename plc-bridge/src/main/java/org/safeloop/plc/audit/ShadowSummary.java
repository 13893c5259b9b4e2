package org.safeloop.plc.audit;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.safeloop.env.Quality;

/**
 * The figures of a shadow report, computed from audit records read back: how well the agent's
 * recommendations agreed with the operators, how often the shield intervened, how clean the inputs
 * were, and how long cycles took. Pure computation, no plotting.
 *
 * <p>Agreement compares, per action, the shield's final action (what the agent would have written:
 * the recommendation after the shield) with the operator's setpoint, which the runtime logs as an
 * input signal. A cycle is compared only when both values are finite and the operator's signal has
 * GOOD quality; otherwise it is counted as skipped.
 *
 * <p>Percentiles use the nearest-rank rule: the p-th percentile of n sorted values is the value at
 * rank ceil(p/100 * n), so every figure is a latency that occurred; the median of an even count is
 * the lower of the two middle values.
 *
 * @param cycles the number of cycle records
 * @param events the number of event records
 * @param firstCycle the earliest cycle timestamp; null without cycles
 * @param lastCycle the latest cycle timestamp; null without cycles
 * @param cyclesByMode cycles per mode name (maps keyed by name iterate in name order)
 * @param agreement one entry per requested comparison, in the order requested
 * @param interventionCycles cycles in which at least one shield layer intervened
 * @param interventionsByLayer cycles in which each layer intervened, by layer name
 * @param fallbackCycles cycles in which the fallback replaced the proposal
 * @param cyclesWithInputProblems cycles with at least one input not GOOD or not finite
 * @param inputProblemsBySignal per signal with problems, in which cycles and of what kind
 * @param latency cycle latency statistics
 * @param eventsByKind events per kind
 * @param telemetryUnsent audit records the telemetry forwarder had not sent when it last stopped
 *     (the {@code unsent} of the last {@link EventKind#TELEMETRY_STOPPED} event; 0 without one):
 *     they are in the audit log, and {@code safeloop telemetry forward} sends them
 */
public record ShadowSummary(
    long cycles,
    long events,
    Instant firstCycle,
    Instant lastCycle,
    Map<String, Long> cyclesByMode,
    List<Agreement> agreement,
    long interventionCycles,
    Map<String, Long> interventionsByLayer,
    long fallbackCycles,
    long cyclesWithInputProblems,
    Map<String, SignalProblems> inputProblemsBySignal,
    Latency latency,
    Map<EventKind, Long> eventsByKind,
    long telemetryUnsent) {

  /** Copies the maps and lists. */
  public ShadowSummary {
    cyclesByMode = sorted(cyclesByMode);
    agreement = List.copyOf(agreement);
    interventionsByLayer = sorted(interventionsByLayer);
    inputProblemsBySignal = sorted(inputProblemsBySignal);
    Objects.requireNonNull(latency, "latency");
    EnumMap<EventKind, Long> kinds = new EnumMap<>(EventKind.class);
    kinds.putAll(eventsByKind);
    eventsByKind = Collections.unmodifiableMap(kinds);
  }

  private static <V> Map<String, V> sorted(Map<String, V> map) {
    return Collections.unmodifiableMap(new TreeMap<>(map));
  }

  /** Returns the time from the first to the last cycle; zero without cycles. */
  public Duration span() {
    return firstCycle == null ? Duration.ZERO : Duration.between(firstCycle, lastCycle);
  }

  /**
   * Which operator setpoint to compare with which action.
   *
   * @param action the action name, as in {@link CycleRecord.ShieldOutcome#finalAction()}
   * @param operatorSignal the input signal carrying the operator's setpoint for that action
   * @param tolerance the largest difference that counts as agreement, in the action's unit; finite
   *     and not negative
   */
  public record OperatorSetpoint(String action, String operatorSignal, double tolerance) {
    /** Checks the names are present and the tolerance is usable. */
    public OperatorSetpoint {
      Objects.requireNonNull(action, "action");
      Objects.requireNonNull(operatorSignal, "operatorSignal");
      if (!(tolerance >= 0) || Double.isInfinite(tolerance)) {
        throw new IllegalArgumentException(
            "tolerance for " + action + " must be finite and not negative, got " + tolerance);
      }
    }
  }

  /**
   * Agreement between the agent's recommendation and the operator's setpoint for one action.
   *
   * @param comparison what was compared
   * @param comparedCycles cycles with both values usable
   * @param skippedCycles cycles where either value was missing, not finite, or the operator's
   *     signal was not GOOD
   * @param meanAbsoluteDifference mean of |recommendation - operator setpoint|, in the action's
   *     unit; NaN when nothing was compared
   * @param maxAbsoluteDifference the largest difference; NaN when nothing was compared
   * @param withinTolerancePercent percentage of compared cycles whose difference was at most the
   *     tolerance; NaN when nothing was compared
   */
  public record Agreement(
      OperatorSetpoint comparison,
      long comparedCycles,
      long skippedCycles,
      double meanAbsoluteDifference,
      double maxAbsoluteDifference,
      double withinTolerancePercent) {}

  /**
   * The data-quality problems of one input signal, each counted in cycles.
   *
   * @param problemCycles cycles in which the signal was not GOOD or not finite
   * @param uncertainCycles cycles with UNCERTAIN quality
   * @param badCycles cycles with BAD quality
   * @param nonFiniteCycles cycles with a NaN or infinite value, whatever the quality
   */
  public record SignalProblems(
      long problemCycles, long uncertainCycles, long badCycles, long nonFiniteCycles) {}

  /**
   * Cycle latency, in microseconds (nearest-rank percentiles).
   *
   * @param cycles how many latencies; all figures are 0 when there are none
   * @param medianMicros the 50th percentile
   * @param p95Micros the 95th percentile
   * @param p99Micros the 99th percentile
   * @param maxMicros the largest
   */
  public record Latency(
      long cycles, long medianMicros, long p95Micros, long p99Micros, long maxMicros) {}

  /** Computes the summary of {@code records}; see {@link #accumulator} for streaming. */
  public static ShadowSummary of(
      Iterable<? extends AuditRecord> records, List<OperatorSetpoint> comparisons) {
    Accumulator accumulator = accumulator(comparisons);
    records.forEach(accumulator);
    return accumulator.summary();
  }

  /**
   * Returns an accumulator to feed records one by one, e.g. straight from {@link
   * AuditLogReader#read}, so the log is never held in memory (only one latency per cycle is).
   */
  public static Accumulator accumulator(List<OperatorSetpoint> comparisons) {
    return new Accumulator(comparisons);
  }

  /** Collects the figures record by record. Not thread-safe. */
  public static final class Accumulator implements Consumer<AuditRecord> {
    private final List<OperatorSetpoint> comparisons;
    private final long[] compared;
    private final long[] skipped;
    private final long[] within;
    private final double[] sumAbsolute;
    private final double[] maxAbsolute;
    private long cycles;
    private long events;
    private Instant first;
    private Instant last;
    private final Map<String, Long> cyclesByMode = new TreeMap<>();
    private long interventionCycles;
    private final Map<String, Long> interventionsByLayer = new TreeMap<>();
    private long fallbackCycles;
    private long cyclesWithInputProblems;
    private final Map<String, long[]> problems = new TreeMap<>();
    private long[] latencies = new long[1024];
    private final Map<EventKind, Long> eventsByKind = new EnumMap<>(EventKind.class);
    private long telemetryUnsent;

    private Accumulator(List<OperatorSetpoint> comparisons) {
      this.comparisons = List.copyOf(comparisons);
      int n = this.comparisons.size();
      compared = new long[n];
      skipped = new long[n];
      within = new long[n];
      sumAbsolute = new double[n];
      maxAbsolute = new double[n];
    }

    /** Adds one record. */
    @Override
    public void accept(AuditRecord record) {
      if (record instanceof CycleRecord cycle) {
        addCycle(cycle);
      } else if (record instanceof EventRecord event) {
        events++;
        eventsByKind.merge(event.kind(), 1L, Long::sum);
        if (event.kind() == EventKind.TELEMETRY_STOPPED) {
          try {
            telemetryUnsent = Long.parseLong(event.details().getOrDefault("unsent", "0"));
          } catch (NumberFormatException notACount) {
            // a damaged detail; the event is still counted by kind
          }
        }
      }
    }

    private void addCycle(CycleRecord cycle) {
      if (cycles == latencies.length) {
        latencies = Arrays.copyOf(latencies, latencies.length * 2);
      }
      latencies[(int) cycles] = cycle.latencyMicros();
      cycles++;
      Instant t = cycle.timestamp();
      first = first == null || t.isBefore(first) ? t : first;
      last = last == null || t.isAfter(last) ? t : last;
      cyclesByMode.merge(cycle.mode(), 1L, Long::sum);

      for (int i = 0; i < comparisons.size(); i++) {
        OperatorSetpoint c = comparisons.get(i);
        CycleRecord.Input operator = cycle.inputs().get(c.operatorSignal());
        Double recommended = cycle.shield().finalAction().get(c.action());
        if (operator == null
            || operator.quality() != Quality.GOOD
            || !Double.isFinite(operator.value())
            || recommended == null
            || !Double.isFinite(recommended)) {
          skipped[i]++;
          continue;
        }
        double difference = Math.abs(recommended - operator.value());
        compared[i]++;
        sumAbsolute[i] += difference;
        maxAbsolute[i] = Math.max(maxAbsolute[i], difference);
        if (difference <= c.tolerance()) {
          within[i]++;
        }
      }

      Set<String> layers = new HashSet<>(cycle.shield().interventionLayers());
      if (!layers.isEmpty()) {
        interventionCycles++;
      }
      for (String layer : layers) {
        interventionsByLayer.merge(layer, 1L, Long::sum);
      }
      if (cycle.shield().fallback()) {
        fallbackCycles++;
      }

      boolean anyProblem = false;
      for (Map.Entry<String, CycleRecord.Input> e : cycle.inputs().entrySet()) {
        CycleRecord.Input in = e.getValue();
        boolean nonFinite = !Double.isFinite(in.value());
        if (in.quality() == Quality.GOOD && !nonFinite) {
          continue;
        }
        anyProblem = true;
        long[] counts = problems.computeIfAbsent(e.getKey(), k -> new long[4]);
        counts[0]++;
        if (in.quality() == Quality.UNCERTAIN) {
          counts[1]++;
        } else if (in.quality() == Quality.BAD) {
          counts[2]++;
        }
        if (nonFinite) {
          counts[3]++;
        }
      }
      if (anyProblem) {
        cyclesWithInputProblems++;
      }
    }

    /** Returns the figures of the records added so far. */
    public ShadowSummary summary() {
      List<Agreement> agreement = new ArrayList<>();
      for (int i = 0; i < comparisons.size(); i++) {
        long n = compared[i];
        agreement.add(
            new Agreement(
                comparisons.get(i),
                n,
                skipped[i],
                n == 0 ? Double.NaN : sumAbsolute[i] / n,
                n == 0 ? Double.NaN : maxAbsolute[i],
                n == 0 ? Double.NaN : 100.0 * within[i] / n));
      }
      Map<String, SignalProblems> bySignal = new TreeMap<>();
      problems.forEach(
          (signal, c) -> bySignal.put(signal, new SignalProblems(c[0], c[1], c[2], c[3])));
      return new ShadowSummary(
          cycles,
          events,
          first,
          last,
          cyclesByMode,
          agreement,
          interventionCycles,
          interventionsByLayer,
          fallbackCycles,
          cyclesWithInputProblems,
          bySignal,
          latency(),
          eventsByKind,
          telemetryUnsent);
    }

    private Latency latency() {
      int n = (int) cycles;
      if (n == 0) {
        return new Latency(0, 0, 0, 0, 0);
      }
      long[] sorted = Arrays.copyOf(latencies, n);
      Arrays.sort(sorted);
      return new Latency(
          n,
          nearestRank(sorted, 50),
          nearestRank(sorted, 95),
          nearestRank(sorted, 99),
          sorted[n - 1]);
    }
  }

  /** The value at rank ceil(percent/100 * n) of ascending {@code sorted} values. */
  static long nearestRank(long[] sorted, int percent) {
    // Integer ceiling: 0.95 * n in floating point can land just above a whole rank.
    long rank = ((long) percent * sorted.length + 99) / 100;
    return sorted[(int) Math.max(rank, 1) - 1];
  }
}
