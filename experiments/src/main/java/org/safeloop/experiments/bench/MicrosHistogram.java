package org.safeloop.experiments.bench;

import java.util.Arrays;

/**
 * Counts of whole microseconds up to 100 ms, the rest in one overflow bucket with the exact
 * maximum: fixed memory, so that recording does not show up in the soak's heap figures. For {@link
 * DeployBenchmark}; not thread-safe.
 */
final class MicrosHistogram {
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
  DeployBenchmark.Percentiles percentiles() {
    if (count == 0) {
      return new DeployBenchmark.Percentiles(
          0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }
    return new DeployBenchmark.Percentiles(
        count, rank(0.5), rank(0.9), rank(0.99), rank(0.999), (double) max);
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
