package org.safeloop.experiments.evaluate;

import java.util.List;
import java.util.Map;

/**
 * What {@code eval.json} holds: a policy's closed-loop figures over the evaluation episodes.
 *
 * @param policy what was evaluated: {@code pid}, {@code oracle} or the bundle's algorithm and file
 * @param scenario the scenario's name
 * @param episodes episodes run
 * @param firstSeed seed of the first episode (episode {@code i} uses {@code firstSeed + i})
 * @param realism whether sensor effects, disturbances and parameter uncertainty were on
 * @param shielded whether the policy acted through the shield
 * @param episodeSteps control steps per episode (the scenario's length)
 * @param returnMean mean return of the completed episodes (failed ones have none), NaN if none
 * @param returnMedian median episode return
 * @param returnMad median absolute deviation of the episode returns
 * @param returns every completed episode's return, in episode order (failed episodes left out)
 * @param tracking per tracked variable: IAE and ISE (mean over episodes) and the set-point steps'
 *     overshoot and settling time
 * @param violatingSteps steps with a constraint violated, over all episodes
 * @param violationMagnitude summed violation (the scenario's cost, in the constrained variables'
 *     units times steps), over all episodes
 * @param interventions steps where the shield changed the proposal, over all episodes
 * @param interventionRate interventions per step
 * @param interventionsByLayer interventions by shield layer name (a step may count for several)
 * @param actuatorTravel per input: mean over episodes of the total variation of the applied input
 *     (sum of absolute moves), in the input's unit
 * @param secondsPerEpisode mean wall-clock seconds per episode
 * @param failedEpisodes episodes in which the model's state became non-finite: they have no return
 *     and no tracking figures (which are over the completed episodes)
 * @param failures one line per failed episode: its seed, the state (equation) and the step
 */
public record EvaluationSummary(
    String policy,
    String scenario,
    int episodes,
    long firstSeed,
    boolean realism,
    boolean shielded,
    int episodeSteps,
    double returnMean,
    double returnMedian,
    double returnMad,
    double[] returns,
    Map<String, Tracking> tracking,
    long violatingSteps,
    double violationMagnitude,
    long interventions,
    double interventionRate,
    Map<String, Long> interventionsByLayer,
    Map<String, Double> actuatorTravel,
    double secondsPerEpisode,
    int failedEpisodes,
    List<String> failures) {

  /** Copies the array. */
  public EvaluationSummary {
    returns = returns.clone();
    failures = failures == null ? List.of() : List.copyOf(failures);
  }

  @Override
  public double[] returns() {
    return returns.clone();
  }

  /**
   * Tracking figures of one controlled variable (true values, not measurements).
   *
   * @param unit the variable's unit
   * @param iae integral of the absolute error, mean over episodes, in unit times the model's time
   *     unit
   * @param ise integral of the squared error, mean over episodes
   * @param steps every set-point step of every episode (including the initial offset)
   * @param medianSettlingTime median settling time (2 % band) over the steps, in the model's time
   *     unit; infinite when most steps never settle
   * @param maxOvershoot largest overshoot over the steps, as a fraction of the step
   */
  public record Tracking(
      String unit,
      double iae,
      double ise,
      List<SetpointStep> steps,
      double medianSettlingTime,
      double maxOvershoot) {}

  /**
   * One set-point step and the response to it.
   *
   * @param episode index of the episode
   * @param time time of the step in the model's time unit
   * @param from the variable's value when the set point moved
   * @param to the new set point
   * @param overshoot overshoot as a fraction of the step
   * @param settlingTime time to stay within 2 % of the step, in the model's time unit; infinite if
   *     it never settles before the next step or the end
   */
  public record SetpointStep(
      int episode, double time, double from, double to, double overshoot, double settlingTime) {}
}
