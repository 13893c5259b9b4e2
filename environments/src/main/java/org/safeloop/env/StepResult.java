package org.safeloop.env;

import java.util.Objects;

/**
 * The outcome of one environment step, in the spirit of Gymnasium / Safety-Gymnasium.
 *
 * @param observation what the controller sees after the step
 * @param reward scalar reward for the step (higher is better)
 * @param costs one entry per declared constraint, in the order of {@link
 *     ProcessEnvironment#constraintNames()}: 0 when satisfied, otherwise by how much it is
 *     violated, in the constrained variable's unit
 * @param terminated the episode ended for a physical reason (the state left its valid domain)
 * @param truncated the episode reached its length
 * @param info diagnostics
 */
public record StepResult(
    Observation observation,
    double reward,
    double[] costs,
    boolean terminated,
    boolean truncated,
    StepInfo info) {

  /** Copies the cost array. */
  public StepResult {
    Objects.requireNonNull(observation, "observation");
    costs = Objects.requireNonNull(costs, "costs").clone();
    Objects.requireNonNull(info, "info");
  }

  @Override
  public double[] costs() {
    return costs.clone();
  }

  /** Returns the sum of the cost vector. */
  public double totalCost() {
    double sum = 0;
    for (double c : costs) {
      sum += c;
    }
    return sum;
  }

  /** Returns true when the episode is over for either reason. */
  public boolean done() {
    return terminated || truncated;
  }
}
