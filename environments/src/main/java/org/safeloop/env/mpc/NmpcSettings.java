package org.safeloop.env.mpc;

/**
 * Settings of the {@link NmpcOracle}. Immutable and thread-safe.
 *
 * @param horizon prediction horizon N in control steps, at least 1
 * @param freeMoves control horizon M, the number of free input moves per input (move blocking as in
 *     DMC): the input may move at each of the first M steps and is then held to the end of the
 *     horizon; 1 to N. The optimiser needs at least two decision variables, so with one input M
 *     must be at least 2
 * @param maxEvaluations largest number of cost evaluations per control step, at least 10; when it
 *     is reached the best point found so far is used
 * @param initialTrustRadius BOBYQA's initial trust-region radius, as a fraction of each input's
 *     actuator range, in (0, 0.5]
 * @param stoppingTrustRadius BOBYQA's final trust-region radius (the input resolution of the
 *     solution), as a fraction of the actuator range, positive and below the initial radius
 */
public record NmpcSettings(
    int horizon,
    int freeMoves,
    int maxEvaluations,
    double initialTrustRadius,
    double stoppingTrustRadius) {

  /** Checks the settings. */
  public NmpcSettings {
    if (horizon < 1) {
      throw new IllegalArgumentException("NMPC horizon must be at least 1 step, got " + horizon);
    }
    if (freeMoves < 1 || freeMoves > horizon) {
      throw new IllegalArgumentException(
          "NMPC free moves must be between 1 and the horizon " + horizon + ", got " + freeMoves);
    }
    if (maxEvaluations < 10) {
      throw new IllegalArgumentException(
          "NMPC max evaluations per step must be at least 10, got " + maxEvaluations);
    }
    if (!(initialTrustRadius > 0 && initialTrustRadius <= 0.5)) {
      throw new IllegalArgumentException(
          "NMPC initial trust radius must be in (0, 0.5] of the actuator range, got "
              + initialTrustRadius);
    }
    if (!(stoppingTrustRadius > 0 && stoppingTrustRadius < initialTrustRadius)) {
      throw new IllegalArgumentException(
          "NMPC stopping trust radius must be positive and below the initial one, got "
              + stoppingTrustRadius);
    }
  }

  /**
   * Returns the defaults: horizon 10 steps, 5 free moves, at most 400 evaluations per step, trust
   * radius from 10 % down to 0.01 % of the actuator range. On cstr-tracking these come within 0.5 %
   * of the whole-episode optimum (see {@code docs/baselines.md}).
   */
  public static NmpcSettings defaults() {
    return new NmpcSettings(10, 5, 400, 0.1, 1e-4);
  }

  /** Returns the same settings with another horizon and number of free moves. */
  public NmpcSettings withHorizon(int newHorizon, int newFreeMoves) {
    return new NmpcSettings(
        newHorizon, newFreeMoves, maxEvaluations, initialTrustRadius, stoppingTrustRadius);
  }

  /** Returns the same settings with another evaluation budget per step. */
  public NmpcSettings withMaxEvaluations(int newMaxEvaluations) {
    return new NmpcSettings(
        horizon, freeMoves, newMaxEvaluations, initialTrustRadius, stoppingTrustRadius);
  }

  /** Returns the first step of each block: 0, 1, ..., M - 1; the last block runs to N - 1. */
  int[] blockStarts() {
    int[] starts = new int[freeMoves];
    for (int b = 0; b < freeMoves; b++) {
      starts[b] = b;
    }
    return starts;
  }
}
