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
   * Predicts like {@link #predict(double[], double[][], double[], int)} and adds {@code
   * stepCorrection} to the state after every step: the bias update of industrial MPC, where the
   * correction is the filtered one-step prediction error, so that predictions follow a plant that
   * drifts away from the model.
   *
   * @param stepCorrection added to each state after each step, in state-space order
   */
  double[][] predict(
      double[] state,
      double[][] pendingInputs,
      double[] heldInput,
      int steps,
      double[] stepCorrection);
}
