package org.safeloop.experiments.evaluate;

import java.util.Arrays;

/** Robust summaries of small samples (seeds, episodes). Thread-safe (stateless). */
public final class Stats {
  private Stats() {}

  /** Returns the mean, NaN for an empty sample. */
  public static double mean(double[] x) {
    return x.length == 0 ? Double.NaN : Arrays.stream(x).sum() / x.length;
  }

  /** Returns the median (mean of the two middle values for an even count), NaN when empty. */
  public static double median(double[] x) {
    if (x.length == 0) {
      return Double.NaN;
    }
    double[] s = x.clone();
    Arrays.sort(s);
    int m = s.length / 2;
    return s.length % 2 == 1 ? s[m] : 0.5 * (s[m - 1] + s[m]);
  }

  /**
   * Returns the median absolute deviation from the median (unscaled: not multiplied by 1.4826), NaN
   * when empty.
   */
  public static double mad(double[] x) {
    double m = median(x);
    double[] d = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      d[i] = Math.abs(x[i] - m);
    }
    return median(d);
  }

  /** Returns the {@code q}-quantile (0..1) by linear interpolation, NaN when empty. */
  public static double quantile(double[] x, double q) {
    if (x.length == 0) {
      return Double.NaN;
    }
    double[] s = x.clone();
    Arrays.sort(s);
    double pos = q * (s.length - 1);
    int lo = (int) Math.floor(pos);
    int hi = Math.min(lo + 1, s.length - 1);
    return s[lo] + (pos - lo) * (s[hi] - s[lo]);
  }
}
