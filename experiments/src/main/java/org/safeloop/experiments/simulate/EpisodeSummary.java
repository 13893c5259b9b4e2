package org.safeloop.experiments.simulate;

/**
 * Totals of one episode.
 *
 * @param steps steps taken
 * @param totalReward sum of rewards
 * @param totalCost sum over steps of the summed cost vector
 * @param violatingSteps steps where any constraint was violated
 * @param limitedSteps steps where actuator or rate limits changed the requested action
 * @param terminated true when the episode ended early for a physical reason
 * @param failure empty, or why the episode failed (the model's state became non-finite: which
 *     equation, which step); a failed episode's {@code totalReward} is no result
 */
public record EpisodeSummary(
    int steps,
    double totalReward,
    double totalCost,
    int violatingSteps,
    int limitedSteps,
    boolean terminated,
    String failure) {

  /** Returns true when the model failed during the episode (see {@link #failure()}). */
  public boolean failed() {
    return !failure.isEmpty();
  }
}
