package org.safeloop.agent;

/**
 * The Lagrange multiplier of a cost constraint {@code E[episode cost] <= limit}, updated by
 * projected gradient ascent on the dual: {@code lambda <- max(0, lambda + rate (cost - limit))}
 * (Ray, Achiam and Amodei 2019, "Benchmarking Safe Exploration"). It grows while the measured
 * episode cost exceeds the limit and shrinks toward zero while it stays below. Not thread-safe.
 */
public final class LagrangeMultiplier {
  private final double limit;
  private final double rate;
  private double value;

  /**
   * Creates a multiplier.
   *
   * @param initial starting value, >= 0
   * @param limit the cost limit per episode, >= 0
   * @param rate step size of the dual ascent, > 0
   */
  public LagrangeMultiplier(double initial, double limit, double rate) {
    if (!(initial >= 0) || !(limit >= 0) || !(rate > 0)) {
      throw new IllegalArgumentException(
          "multiplier needs initial >= 0, limit >= 0 and rate > 0; got "
              + initial
              + ", "
              + limit
              + ", "
              + rate);
    }
    this.value = initial;
    this.limit = limit;
    this.rate = rate;
  }

  /**
   * Updates with the mean episode cost measured since the last update and returns the new value. A
   * non-finite cost (no finished episode) leaves the multiplier unchanged.
   */
  public double update(double meanEpisodeCost) {
    if (Double.isFinite(meanEpisodeCost)) {
      value = Math.max(0.0, value + rate * (meanEpisodeCost - limit));
    }
    return value;
  }

  /** Returns the current value. */
  public double value() {
    return value;
  }

  /** Returns the cost limit. */
  public double limit() {
    return limit;
  }
}
