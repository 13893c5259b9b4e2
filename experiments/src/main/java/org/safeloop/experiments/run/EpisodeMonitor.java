package org.safeloop.experiments.run;

import java.util.function.Consumer;
import org.safeloop.env.ForwardingEnvironment;
import org.safeloop.env.Observation;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.StepResult;

/**
 * Watches the environment an agent trains on and reports each finished episode: return, cost, steps
 * with a constraint violation and shield interventions. The agent sees the environment unchanged.
 * Not thread-safe.
 */
final class EpisodeMonitor extends ForwardingEnvironment {
  /**
   * One finished training episode.
   *
   * @param steps control steps
   * @param environmentSteps environment steps taken by then, this episode's included
   * @param episodeReturn sum of rewards (shield penalties included)
   * @param cost sum of the cost vector over the steps
   * @param violatingSteps steps where a constraint of the scenario was violated
   * @param interventions steps where the shield changed the proposal
   * @param failure empty, or why the model failed (non-finite state: which equation, which step); a
   *     failed episode's return is no result (its last step earned the scenario's failure reward)
   */
  record Episode(
      int steps,
      long environmentSteps,
      double episodeReturn,
      double cost,
      int violatingSteps,
      int interventions,
      String failure) {

    boolean failed() {
      return !failure.isEmpty();
    }
  }

  private final int scenarioConstraints;
  private final Consumer<Episode> listener;
  private long totalSteps;
  private int steps;
  private double episodeReturn;
  private double cost;
  private int violating;
  private int interventions;

  /**
   * Wraps {@code inner}.
   *
   * @param scenarioConstraints how many leading cost entries are the scenario's constraints (a
   *     shielded environment may append an intervention cost, which is not a violation)
   */
  EpisodeMonitor(ProcessEnvironment inner, int scenarioConstraints, Consumer<Episode> listener) {
    super(inner);
    this.scenarioConstraints = scenarioConstraints;
    this.listener = listener;
  }

  @Override
  public Observation reset(long seed) {
    steps = 0;
    episodeReturn = 0;
    cost = 0;
    violating = 0;
    interventions = 0;
    return super.reset(seed);
  }

  @Override
  public StepResult step(double[] action) {
    StepResult r = super.step(action);
    totalSteps++;
    steps++;
    episodeReturn += r.reward();
    cost += r.totalCost();
    double[] costs = r.costs();
    for (int i = 0; i < Math.min(scenarioConstraints, costs.length); i++) {
      if (costs[i] > 0) {
        violating++;
        break;
      }
    }
    Double intervened = r.info().diagnostics().get("shield_intervened");
    if (intervened != null && intervened > 0) {
      interventions++;
    }
    if (r.done()) {
      listener.accept(
          new Episode(
              steps,
              totalSteps,
              episodeReturn,
              cost,
              violating,
              interventions,
              r.info().failure()));
    }
    return r;
  }

  /** Returns the environment steps taken since this monitor was made. */
  long totalSteps() {
    return totalSteps;
  }
}
