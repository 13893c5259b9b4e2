package org.safeloop.agent.baseline;

import org.safeloop.env.scenario.Scenario;

/**
 * Tunes a scenario's PI loop from a step test on its model: {@link FopdtIdentifier} identifies a
 * FOPDT, half a control interval is added to its dead time for the sampled loop (Skogestad 2003: a
 * zero-order hold acts like a delay of {@code h/2}), and a {@link PiTuningRule} gives the gains.
 * Thread-safe (stateless).
 */
public final class PiTuner {
  private PiTuner() {}

  /**
   * Tunes the scenario's first loop with SIMC and {@code tauc} equal to the effective dead time.
   *
   * @throws IllegalStateException if the scenario declares no controller, or the step test fails
   */
  public static LoopTuning tune(Scenario scenario) {
    return tune(scenario, StepTest.forLoop(scenario), PiTuningRule.SIMC);
  }

  /**
   * Tunes the loop of {@code test} with {@code rule} and {@code tauc} equal to the effective dead
   * time (identified dead time plus half a control interval).
   *
   * @throws IllegalStateException if the step test fails
   */
  public static LoopTuning tune(Scenario scenario, StepTest test, PiTuningRule rule) {
    FopdtFit fit = FopdtIdentifier.identify(scenario, test);
    Fopdt model = fit.model().withSamplingDelay(scenario.controlInterval());
    return tune(fit, model, rule, model.deadTime(), test);
  }

  /**
   * Tunes the loop of {@code test} with {@code rule} and the given closed-loop time constant.
   *
   * @param closedLoopTimeConstant tauc (lambda) in the model's time unit, at least 0
   * @throws IllegalStateException if the step test fails
   */
  public static LoopTuning tune(
      Scenario scenario, StepTest test, PiTuningRule rule, double closedLoopTimeConstant) {
    FopdtFit fit = FopdtIdentifier.identify(scenario, test);
    Fopdt model = fit.model().withSamplingDelay(scenario.controlInterval());
    return tune(fit, model, rule, closedLoopTimeConstant, test);
  }

  private static LoopTuning tune(
      FopdtFit fit, Fopdt model, PiTuningRule rule, double closedLoopTimeConstant, StepTest test) {
    return new LoopTuning(
        fit,
        model,
        rule,
        closedLoopTimeConstant,
        rule.tune(model, test.processVariable(), test.input(), closedLoopTimeConstant));
  }
}
