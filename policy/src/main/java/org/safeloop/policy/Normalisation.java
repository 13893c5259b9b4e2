package org.safeloop.policy;

import java.util.Arrays;

/**
 * Frozen running statistics of the (range-scaled) observations: the network sees {@code clip((x -
 * mean) / std, -clip, clip)}. Arrays are copied.
 *
 * @param mean per observation signal
 * @param std per observation signal, positive
 * @param clip bound on the normalised value, positive
 */
public record Normalisation(double[] mean, double[] std, double clip) {

  /** Checks lengths and values and copies. */
  public Normalisation {
    if (mean.length != std.length) {
      throw new IllegalArgumentException(mean.length + " means but " + std.length + " stds");
    }
    for (int i = 0; i < std.length; i++) {
      if (!(std[i] > 0) || !Double.isFinite(std[i]) || !Double.isFinite(mean[i])) {
        throw new IllegalArgumentException(
            "normalisation " + i + ": mean " + mean[i] + ", std " + std[i] + " (std must be > 0)");
      }
    }
    if (!(clip > 0)) {
      throw new IllegalArgumentException("clip must be positive, got " + clip);
    }
    mean = mean.clone();
    std = std.clone();
  }

  /** Identity statistics (mean 0, std 1) for {@code n} signals. */
  public static Normalisation identity(int n, double clip) {
    double[] std = new double[n];
    Arrays.fill(std, 1.0);
    return new Normalisation(new double[n], std, clip);
  }

  @Override
  public double[] mean() {
    return mean.clone();
  }

  @Override
  public double[] std() {
    return std.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Normalisation n
        && Arrays.equals(mean, n.mean)
        && Arrays.equals(std, n.std)
        && clip == n.clip;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(mean) * 31 + Arrays.hashCode(std);
  }
}
