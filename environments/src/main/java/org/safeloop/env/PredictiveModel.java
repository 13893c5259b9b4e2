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
}
