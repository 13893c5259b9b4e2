package org.safeloop.experiments.run;

/**
 * What {@code run.json} says about a training run: what was trained, on what, from which code and
 * configuration, and how it ended. Written when the run starts and rewritten when it ends.
 *
 * @param name the experiment's label
 * @param scenario the scenario's name (e.g. {@code cstr-tracking})
 * @param scenarioSource where the scenario came from: a built-in name or the scenario file's path
 *     (null in runs from before the record)
 * @param algorithm e.g. {@code ppo-lag}
 * @param seed the training seed
 * @param shielded whether a shield sat in the training loop
 * @param configHash SHA-256 of the resolved configuration without its seeds
 * @param scenarioHash SHA-256 of the scenario file
 * @param shieldHash SHA-256 of the shield file, empty without one
 * @param codeVersion the code's version and commit, e.g. {@code 0.1.0-SNAPSHOT (git 1a2b3c4d)}
 * @param started ISO-8601 instant the run started
 * @param finished ISO-8601 instant it ended, empty while running
 * @param status {@code running}, {@code completed}, {@code interrupted} or {@code failed}
 * @param plannedSteps the training budget in environment steps
 * @param environmentSteps steps taken
 * @param episodes training episodes finished
 * @param wallSeconds wall-clock seconds of training (without the evaluation)
 * @param message why it failed or was interrupted, empty otherwise
 */
public record RunInfo(
    String name,
    String scenario,
    String scenarioSource,
    String algorithm,
    long seed,
    boolean shielded,
    String configHash,
    String scenarioHash,
    String shieldHash,
    String codeVersion,
    String started,
    String finished,
    String status,
    long plannedSteps,
    long environmentSteps,
    long episodes,
    double wallSeconds,
    String message) {

  /** Returns a copy describing the end of the run. */
  RunInfo finished(
      String finishedAt,
      String newStatus,
      long steps,
      long episodeCount,
      double seconds,
      String why) {
    return new RunInfo(
        name,
        scenario,
        scenarioSource,
        algorithm,
        seed,
        shielded,
        configHash,
        scenarioHash,
        shieldHash,
        codeVersion,
        started,
        finishedAt,
        newStatus,
        plannedSteps,
        steps,
        episodeCount,
        seconds,
        why);
  }
}
