package org.safeloop.env;

/**
 * The predictive view of a process for the safety shield and for model-based controllers: from a
 * state and an input held over k control steps, where will the process be? Noise-free, with fixed
 * (nominal unless stated) parameters.
 *
 * <p>Implementations are not thread-safe; ask the environment for one per thread.
 */
public interface PredictiveModel {

  /** Returns the states predicted, with units. */
  SignalSpace stateSpace();

  /** Returns the inputs, with actuator limits. */
  SignalSpace inputSpace();

  /** Returns the control interval in the model's time unit. */
  double controlInterval();

  /** Returns the input dead time in whole control steps. */
  int deadTimeSteps();

  /**
   * Advances {@code state} in place by one control interval with {@code input} acting (the input
   * that reaches the process in this interval, after any dead time: the caller manages the dead
   * time), then adds {@code stepCorrection} if given. The allocation-free primitive behind the
   * other methods, for callers that predict step by step, e.g. to stop at the first violation.
   */
  void advance(double[] state, double[] input, double[] stepCorrection);

  /**
   * Predicts {@code steps} control steps ahead holding {@code heldInput}; any dead time is assumed
   * filled with that same input.
   *
   * @return {@code steps} rows of states, row k being the state after k + 1 steps
   */
  double[][] predict(double[] state, double[] heldInput, int steps);

  /**
   * Predicts {@code steps} control steps ahead when inputs already sent are still in the dead time.
   *
   * @param pendingInputs the last {@link #deadTimeSteps()} inputs sent, oldest first (they act
   *     first); fewer rows are padded with the oldest one
   */
  double[][] predict(double[] state, double[][] pendingInputs, double[] heldInput, int steps);

  /**
   * Returns the input that reaches the process in prediction step {@code step} (0-based): for the
   * first {@code delay} steps an input already sent is still in the dead time ({@code pending},
   * oldest first; a history shorter than the dead time is padded with its oldest entry, an empty
   * one with {@code held}), then {@code held}. The one rule every step-by-step predictor uses.
   */
  static double[] actingInput(int step, int delay, double[][] pending, double[] held) {
    if (step >= delay || pending.length == 0) {
      return held;
    }
    return pending[Math.max(0, pending.length - delay + step)];
  }
}
