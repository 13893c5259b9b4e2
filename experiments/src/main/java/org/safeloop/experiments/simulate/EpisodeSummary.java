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
 */
public record EpisodeSummary(
    int steps,
    double totalReward,
    double totalCost,
    int violatingSteps,
    int limitedSteps,
    boolean terminated) {}
