package org.safeloop.agent;

/**
 * What one update of a learning algorithm measured, for {@code metrics.csv} and progress bars.
 * Episode figures are means over the episodes finished since the previous update (NaN when none
 * finished).
 *
 * @param update index of the update, from 1
 * @param environmentSteps environment steps taken so far
 * @param episodes episodes finished so far
 * @param episodeReturn mean return of the episodes finished in this round
 * @param episodeCost mean cost of the episodes finished in this round
 * @param policyLoss the policy (actor) loss
 * @param valueLoss the value (critic) loss
 * @param entropy policy entropy (nats)
 * @param multiplier the Lagrange multiplier (0 without a constraint)
 * @param extra algorithm-specific figure: PPO's approximate KL, SAC's temperature
 */
public record UpdateMetrics(
    int update,
    long environmentSteps,
    long episodes,
    double episodeReturn,
    double episodeCost,
    double policyLoss,
    double valueLoss,
    double entropy,
    double multiplier,
    double extra) {}
