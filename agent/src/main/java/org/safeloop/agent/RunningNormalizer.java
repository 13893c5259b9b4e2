package org.safeloop.agent;

import org.safeloop.policy.Normalisation;

/**
 * Running mean and variance of observations (Welford's algorithm, the observation normalisation of
 * PPO implementations), applied as {@code clip((x - mean) / sqrt(var + 1e-8), -clip, clip)}. NaN
 * entries (sensor dropouts) neither update the statistics nor reach the network: they become 0, the
 * mean. Frozen at evaluation. Not thread-safe.
 */
public final class RunningNormalizer {
  private static final double EPSILON = 1e-8;
  private final double[] mean;
  private final double[] m2;
  private final long[] count;
  private final double clip;
  private boolean frozen;

  /** Creates statistics for {@code size} signals, clipping normalised values at {@code clip}. */
  public RunningNormalizer(int size, double clip) {
    this.mean = new double[size];
    this.m2 = new double[size];
    this.count = new long[size];
    this.clip = clip;
  }

  /** Adds one observation to the statistics (unless frozen). */
  public void update(double[] x) {
    if (frozen) {
      return;
    }
    for (int i = 0; i < mean.length; i++) {
      if (!Double.isFinite(x[i])) {
        continue;
      }
      count[i]++;
      double delta = x[i] - mean[i];
      mean[i] += delta / count[i];
      m2[i] += delta * (x[i] - mean[i]);
    }
  }

  /** Returns the normalised observation in {@code out} (may be {@code x} itself). */
  public void normalise(double[] x, double[] out) {
    for (int i = 0; i < mean.length; i++) {
      double z = (x[i] - mean[i]) / std(i);
      out[i] = Double.isNaN(z) ? 0.0 : Math.max(-clip, Math.min(clip, z));
    }
  }

  private double std(int i) {
    double variance = count[i] > 1 ? m2[i] / count[i] : 1.0;
    return Math.sqrt(variance + EPSILON);
  }

  /** Stops updating (evaluation). */
  public void freeze() {
    frozen = true;
  }

  /** Returns the statistics for a policy bundle. */
  public Normalisation snapshot() {
    double[] std = new double[mean.length];
    for (int i = 0; i < std.length; i++) {
      std[i] = std(i);
    }
    return new Normalisation(mean, std, clip);
  }
}
