package org.safeloop.env.scenario;

import java.util.List;
import java.util.Objects;
import org.safeloop.env.ForwardingEnvironment;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.StepResult;

/**
 * The training view of an environment whose constraint costs count from a tightened bound: each
 * constraint's cost grows by how far the true state is inside its bound but closer than {@code
 * backoff} to it (in the constrained variable's unit). A constrained learner (the Lagrangian of
 * PPO-Lag or SAC-Lag) then keeps that far inside the bounds, as a model-predictive controller backs
 * its constraints off for the uncertainty of its estimate. Unlike reward shaping this changes the
 * problem on purpose: the optimum sits {@code backoff} inside, where a safety shield that predicts
 * the constraint over a horizon has nothing to repair.
 *
 * <p>Only the costs change, and only in the agent's view; rewards, observations and every reported
 * cost (the monitor wraps the environment inside) stay the scenario's. Not thread-safe.
 */
public final class ConstraintBackoff extends ForwardingEnvironment {
  private final List<ScenarioSpec.ConstraintSpec> constraints;
  private final int[] stateIndex;
  private final double backoff;

  /**
   * Wraps {@code inner}, an environment of {@code scenario}.
   *
   * @param backoff how far inside each bound the cost starts, above 0 and finite
   */
  public ConstraintBackoff(ProcessEnvironment inner, Scenario scenario, double backoff) {
    super(inner);
    if (!(backoff > 0) || !Double.isFinite(backoff)) {
      throw new IllegalArgumentException("the back-off must be above 0: " + backoff);
    }
    this.backoff = backoff;
    this.constraints = List.copyOf(Objects.requireNonNull(scenario, "scenario").constraints());
    this.stateIndex = new int[constraints.size()];
    for (int c = 0; c < stateIndex.length; c++) {
      stateIndex[c] = inner.stateSpace().indexOf(constraints.get(c).variable());
    }
  }

  /** How far {@code value} is beyond the bounds of {@code c} tightened by the back-off. */
  private double tightened(ScenarioSpec.ConstraintSpec c, double value) {
    double v = 0.0;
    if (c.min() != null && value < c.min() + backoff) {
      v = c.min() + backoff - value;
    }
    if (c.max() != null && value > c.max() - backoff) {
      v = Math.max(v, value - (c.max() - backoff));
    }
    return v;
  }

  @Override
  public StepResult step(double[] action) {
    StepResult r = super.step(action);
    double[] costs = r.costs();
    double[] state = r.info().state();
    for (int c = 0; c < constraints.size() && c < costs.length; c++) {
      int i = stateIndex[c];
      if (i < 0 || !Double.isFinite(state[i])) {
        continue;
      }
      ScenarioSpec.ConstraintSpec spec = constraints.get(c);
      // Add what the tighter bound costs beyond the scenario's own violation.
      costs[c] += tightened(spec, state[i]) - spec.violation(state[i]);
    }
    return new StepResult(
        r.observation(), r.reward(), costs, r.terminated(), r.truncated(), r.info());
  }
}
