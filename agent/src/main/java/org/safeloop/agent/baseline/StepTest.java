package org.safeloop.agent.baseline;

import org.safeloop.env.control.PidConfig;
import org.safeloop.env.scenario.Scenario;

/**
 * Settings of an open-loop step test on a scenario's noise-free model: which input to step, by how
 * much, and which process variable to record. Immutable and thread-safe.
 *
 * @param processVariable name of the state to record, e.g. {@code Ca}
 * @param input name of the input to step, e.g. {@code Tc}
 * @param stepSize input change, in the input's unit; non-zero, either sign
 * @param maxSteps largest number of control steps to let the process settle before the step, and
 *     again to record after it; at least 10
 * @param settleTolerance the process counts as settled when, over 10 consecutive control steps,
 *     every state moves by less than this fraction of its range per step (before the step) and the
 *     process variable moves by less than this fraction of its total change (after the step); in
 *     (0, 0.1)
 */
public record StepTest(
    String processVariable, String input, double stepSize, int maxSteps, double settleTolerance) {

  /** Default {@link #maxSteps}. */
  public static final int DEFAULT_MAX_STEPS = 2000;

  /** Default {@link #settleTolerance}. */
  public static final double DEFAULT_SETTLE_TOLERANCE = 1e-5;

  /** Default step size as a fraction of the input's actuator range. */
  public static final double DEFAULT_STEP_FRACTION = 0.1;

  /** Checks the settings. */
  public StepTest {
    if (processVariable == null || processVariable.isBlank()) {
      throw new IllegalArgumentException("step test: name the process variable to record");
    }
    if (input == null || input.isBlank()) {
      throw new IllegalArgumentException("step test: name the input to step");
    }
    if (!Double.isFinite(stepSize) || stepSize == 0.0) {
      throw new IllegalArgumentException(
          "step test: step size must be finite and non-zero, got " + stepSize);
    }
    if (maxSteps < 10) {
      throw new IllegalArgumentException("step test: max steps must be >= 10, got " + maxSteps);
    }
    if (!(settleTolerance > 0 && settleTolerance < 0.1)) {
      throw new IllegalArgumentException(
          "step test: settle tolerance must be in (0, 0.1), got " + settleTolerance);
    }
  }

  /**
   * Returns a step test for the scenario's first PID loop (its {@code controller} section): the
   * loop's input is stepped by 10 % of its actuator range, upward unless that would leave the
   * range, and the loop's process variable is recorded.
   *
   * @throws IllegalStateException if the scenario declares no controller
   */
  public static StepTest forLoop(Scenario scenario) {
    if (scenario.controllerTunings().isEmpty()) {
      throw new IllegalStateException(
          "scenario "
              + scenario.name()
              + " declares no controller; name the process variable and input of the loop");
    }
    PidConfig loop = scenario.controllerTunings().get(0);
    return forLoop(scenario, loop.processVariable(), loop.input());
  }

  /**
   * Returns a step test of {@code input} recording {@code processVariable}, stepping by 10 % of the
   * input's actuator range from the scenario's initial input, upward unless that would leave the
   * range.
   *
   * @throws IllegalArgumentException if the scenario has no such input
   */
  public static StepTest forLoop(Scenario scenario, String processVariable, String input) {
    int i = scenario.actionSpace().indexOf(input);
    if (i < 0) {
      throw new IllegalArgumentException(
          "scenario "
              + scenario.name()
              + " has no input '"
              + input
              + "'; it has "
              + scenario.actionSpace().names());
    }
    var spec = scenario.actionSpace().get(i);
    double step = DEFAULT_STEP_FRACTION * spec.span();
    if (scenario.initialInput()[i] + step > spec.max()) {
      step = -step;
    }
    return new StepTest(processVariable, input, step, DEFAULT_MAX_STEPS, DEFAULT_SETTLE_TOLERANCE);
  }

  /** Returns the same test with another step size (either sign). */
  public StepTest withStepSize(double newStepSize) {
    return new StepTest(processVariable, input, newStepSize, maxSteps, settleTolerance);
  }
}
