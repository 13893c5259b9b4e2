package org.safeloop.experiments.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.safeloop.env.config.FieldException;
import org.safeloop.env.config.OtherFileKind;
import org.safeloop.policy.BundlePolicies;
import org.safeloop.shield.ShieldPenalty;

/**
 * An experiment file as written: which scenario, which algorithm with which hyper-parameters,
 * whether a shield sits in the training loop, the training budget, the evaluation, the seeds and
 * where runs go. Keys are snake_case in YAML; {@link Experiment#load} resolves the names against
 * the scenario and the algorithm and reports problems with the file, line and key.
 *
 * @param name a label for people (default: {@code <scenario>-<algorithm>})
 * @param scenario built-in scenario name or scenario file (relative to the experiment file)
 * @param algorithm one of {@link Algorithm#NAMES}
 * @param hyperparameters overrides of the algorithm's published defaults, by snake_case name (e.g.
 *     {@code learning_rate}); unknown names are errors
 * @param shield constraint file (relative to the experiment file) or built-in shield name; the
 *     shield then sits in the training loop and in evaluation; absent for none
 * @param shieldPenalty what an intervention costs the agent during training (reward, reward per
 *     unit of correction, extra cost for Lagrangian methods); default none
 * @param training budget and conditions of training
 * @param evaluation how the trained policy is evaluated
 * @param seeds training seeds; one run per seed (default {@code [0]})
 * @param output folder that receives the run directories (relative to the working directory),
 *     default {@code runs}
 */
@OtherFileKind(
    key = "process",
    message = "this is a scenario file; an experiment refers to it with `scenario:`")
@OtherFileKind(
    key = "equations",
    message = "this is a model file; a scenario refers to it with `process:`")
@OtherFileKind(
    key = "state_constraints",
    message = "this is a constraint (shield) file; an experiment refers to it with `shield:`")
public record ExperimentSpec(
    String name,
    String scenario,
    String algorithm,
    Map<String, Object> hyperparameters,
    String shield,
    PenaltySpec shieldPenalty,
    TrainingSpec training,
    EvaluationSpec evaluation,
    List<Long> seeds,
    String output) {

  /** Most seeds one experiment may train: each seed is a run directory and a training. */
  public static final int MAX_SEEDS = 1_000;

  /** Largest training budget in environment steps (a billion: weeks on two cores). */
  public static final long MAX_TRAINING_STEPS = 1_000_000_000L;

  /** Most evaluation episodes of a policy. */
  public static final int MAX_EPISODES = 10_000;

  /** Longest experiment name, in characters. */
  public static final int MAX_NAME_LENGTH = 100;

  /** Validates what can be checked without loading the scenario, and fills defaults. */
  public ExperimentSpec {
    FieldException.require(
        scenario != null && !scenario.isBlank(),
        "scenario",
        "name a built-in scenario (e.g. cstr-tracking) or a scenario file");
    FieldException.require(
        algorithm != null, "algorithm", "give the algorithm: one of " + Algorithm.NAMES);
    FieldException.require(
        Algorithm.NAMES.contains(algorithm),
        "algorithm",
        "unknown algorithm '" + algorithm + "'; choose one of " + Algorithm.NAMES);
    if (name == null || name.isBlank()) {
      name = scenario.replaceAll("^.*/|\\.ya?ml$", "") + "-" + algorithm;
    }
    FieldException.require(
        name.length() <= MAX_NAME_LENGTH,
        "name",
        "at most " + MAX_NAME_LENGTH + " characters, got " + name.length());
    hyperparameters =
        hyperparameters == null
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(hyperparameters));
    if (shield != null && shield.isBlank()) {
      shield = null;
    }
    if (shieldPenalty == null) {
      shieldPenalty = new PenaltySpec(null, null, null);
    }
    FieldException.require(training != null, "training", "give at least training.steps");
    if (evaluation == null) {
      evaluation = EvaluationSpec.defaults();
    }
    FieldException.require(
        seeds == null || !seeds.isEmpty(),
        "seeds",
        "an empty list trains nothing; give at least one seed, or leave seeds out for [0]");
    if (seeds == null) {
      seeds = List.of(0L);
    }
    FieldException.require(
        seeds.size() <= MAX_SEEDS, "seeds", "at most " + MAX_SEEDS + " seeds, got " + seeds.size());
    FieldException.require(
        seeds.stream().allMatch(s -> s != null && s >= 0), "seeds", "seeds must be >= 0");
    FieldException.require(
        seeds.stream().distinct().count() == seeds.size(), "seeds", "seeds must differ");
    seeds = List.copyOf(seeds);
    if (output == null || output.isBlank()) {
      output = "runs";
    }
  }

  /** Returns a copy with other seeds. */
  public ExperimentSpec withSeeds(List<Long> newSeeds) {
    return new ExperimentSpec(
        name,
        scenario,
        algorithm,
        hyperparameters,
        shield,
        shieldPenalty,
        training,
        evaluation,
        newSeeds,
        output);
  }

  /** Returns a copy with another training budget. */
  public ExperimentSpec withTrainingSteps(long steps) {
    return new ExperimentSpec(
        name,
        scenario,
        algorithm,
        hyperparameters,
        shield,
        shieldPenalty,
        training.withSteps(steps),
        evaluation,
        seeds,
        output);
  }

  /** Returns a copy with another number of evaluation episodes. */
  public ExperimentSpec withEvaluationEpisodes(int episodes) {
    return new ExperimentSpec(
        name,
        scenario,
        algorithm,
        hyperparameters,
        shield,
        shieldPenalty,
        training,
        new EvaluationSpec(episodes, evaluation.realism(), evaluation.seed()),
        seeds,
        output);
  }

  /** Returns a copy with the scenario and shield given as they resolved (absolute paths). */
  ExperimentSpec withSources(String newScenario, String newShield) {
    return new ExperimentSpec(
        name,
        newScenario,
        algorithm,
        hyperparameters,
        newShield,
        shieldPenalty,
        training,
        evaluation,
        seeds,
        output);
  }

  /**
   * What a shield intervention costs the agent during training (see {@link ShieldPenalty}); each
   * amount defaults to 0 and must be finite and non-negative.
   *
   * @param reward subtracted from the reward at each intervention
   * @param rewardPerCorrection subtracted per unit of correction (distance between proposed and
   *     applied action, normalised by the action ranges)
   * @param cost extra cost entry per intervention, for Lagrangian methods
   */
  public record PenaltySpec(Double reward, Double rewardPerCorrection, Double cost) {

    /** Validates and fills defaults. */
    public PenaltySpec {
      reward = reward == null ? 0.0 : reward;
      rewardPerCorrection = rewardPerCorrection == null ? 0.0 : rewardPerCorrection;
      cost = cost == null ? 0.0 : cost;
      FieldException.require(reward >= 0 && Double.isFinite(reward), "reward", "must be >= 0");
      FieldException.require(
          rewardPerCorrection >= 0 && Double.isFinite(rewardPerCorrection),
          "reward_per_correction",
          "must be >= 0");
      FieldException.require(cost >= 0 && Double.isFinite(cost), "cost", "must be >= 0");
    }

    /** Returns the penalty the shielded environment charges. */
    public ShieldPenalty toPenalty() {
      return new ShieldPenalty(reward, rewardPerCorrection, cost);
    }
  }

  /**
   * Budget and conditions of training.
   *
   * @param steps environment steps (the budget), at least 1
   * @param realism train with sensor effects, disturbances and parameter uncertainty (default true)
   * @param checkpointEvery environment steps between two checkpoints (default a fifth of the
   *     budget)
   * @param shaping potential-based reward shaping of the agent's training reward; absent for none
   * @param residual the agent learns a bounded correction on top of a base controller; absent for a
   *     policy that sets the actions on its own
   * @param actionMapping {@code shield}: the agent chooses inside the shield's admissible box (it
   *     sees the box, its action in [-1, 1] is mapped onto it; needs a shield, excludes a
   *     residual); absent for a policy that proposes actions for the shield to check
   */
  public record TrainingSpec(
      Long steps,
      Boolean realism,
      Long checkpointEvery,
      ShapingSpec shaping,
      ResidualSpec residual,
      String actionMapping) {

    /** Validates and fills defaults. */
    public TrainingSpec {
      FieldException.require(steps != null, "steps", "give the training budget in steps");
      FieldException.require(
          steps >= 1 && steps <= MAX_TRAINING_STEPS,
          "steps",
          "must be between 1 and " + MAX_TRAINING_STEPS + ", got " + steps);
      if (realism == null) {
        realism = true;
      }
      if (checkpointEvery == null) {
        checkpointEvery = Math.max(1, steps / 5);
      }
      FieldException.require(
          checkpointEvery >= 1, "checkpoint_every", "must be at least 1, got " + checkpointEvery);
      FieldException.require(
          actionMapping == null || actionMapping.equals("shield"),
          "action_mapping",
          "the only mapping is 'shield' (choose inside the shield's admissible box), got '"
              + actionMapping
              + "'");
      FieldException.require(
          actionMapping == null || residual == null,
          "action_mapping",
          "a policy either corrects a base controller (residual) or chooses inside the shield's"
              + " box (action_mapping), not both");
    }

    TrainingSpec withSteps(long newSteps) {
      return new TrainingSpec(
          newSteps, realism, Math.min(checkpointEvery, newSteps), shaping, residual, actionMapping);
    }
  }

  /**
   * A residual policy ({@code org.safeloop.env.control.ResidualPolicy}): the agent's action is a
   * correction of at most {@code bound} (per action, in its unit) added to the base controller's
   * move, and the bundle records both, so evaluation and deployment run the same sum.
   *
   * @param base the base controller: {@code pid}, the scenario's PI(D) loops, or {@code nmpc}, the
   *     model-predictive controller on Kalman-filter estimates ({@code
   *     org.safeloop.env.mpc.EstimatingNmpc}); the bridge runs either without the training stack
   * @param bound each action's largest correction, in its unit, above 0 and at most the action's
   *     range; every action of the scenario needs one
   */
  public record ResidualSpec(String base, Map<String, Double> bound) {
    /** The base controllers a residual may have. */
    public static final List<String> BASES = BundlePolicies.RESIDUAL_BASES;

    /** Validates what can be checked without the scenario. */
    public ResidualSpec {
      FieldException.require(
          base != null && BASES.contains(base),
          "base",
          "the base controller must be one of " + BASES + ", got " + base);
      FieldException.require(
          bound != null && !bound.isEmpty(),
          "bound",
          "give each action's largest correction, e.g. {Tc: 2.0}");
      for (Map.Entry<String, Double> e : bound.entrySet()) {
        FieldException.require(
            e.getValue() != null && e.getValue() > 0 && Double.isFinite(e.getValue()),
            "bound." + e.getKey(),
            "must be above 0, in the action's unit, got " + e.getValue());
      }
      bound = new java.util.LinkedHashMap<>(bound);
    }
  }

  /**
   * Potential-based reward shaping in training ({@code
   * org.safeloop.env.scenario.PotentialShaping}): the agent learns from {@code r + gamma phi(s') -
   * phi(s)}, which leaves the optimal policies unchanged; every reported return stays the
   * scenario's own reward.
   *
   * @param tracking weight of the tracking potential ({@code -weight x} the scenario's tracking
   *     penalty), at least 0; default 0
   * @param constraintMargin weight of the constraint-margin potential, at least 0; default 0
   * @param margin distance from a constraint bound inside which the margin potential acts, in the
   *     constrained variable's unit; above 0; default 1
   */
  public record ShapingSpec(Double tracking, Double constraintMargin, Double margin) {
    /** Largest weight of a potential. */
    public static final double MAX_WEIGHT = 1e6;

    /** Validates and fills defaults. */
    public ShapingSpec {
      tracking = tracking == null ? 0.0 : tracking;
      constraintMargin = constraintMargin == null ? 0.0 : constraintMargin;
      margin = margin == null ? 1.0 : margin;
      FieldException.require(
          tracking >= 0 && tracking <= MAX_WEIGHT,
          "tracking",
          "must be between 0 and " + MAX_WEIGHT + ", got " + tracking);
      FieldException.require(
          constraintMargin >= 0 && constraintMargin <= MAX_WEIGHT,
          "constraint_margin",
          "must be between 0 and " + MAX_WEIGHT + ", got " + constraintMargin);
      FieldException.require(
          margin > 0 && Double.isFinite(margin), "margin", "must be above 0, got " + margin);
      FieldException.require(
          tracking > 0 || constraintMargin > 0,
          "tracking",
          "give tracking, constraint_margin or both a weight above 0, or leave shaping out");
    }
  }

  /**
   * How a trained policy is evaluated: the deterministic policy (through the shield when there is
   * one) on fresh episode seeds.
   *
   * @param episodes evaluation episodes (default 10)
   * @param realism evaluate with realism on (default false: noise-free, as the NMPC oracle that
   *     defines the optimality gap needs)
   * @param seed seed of the first evaluation episode; episode {@code i} uses {@code seed + i}
   *     (default 1,000,000, far from the training seeds)
   */
  public record EvaluationSpec(Integer episodes, Boolean realism, Long seed) {

    /** Validates and fills defaults. */
    public EvaluationSpec {
      if (episodes == null) {
        episodes = 10;
      }
      FieldException.require(
          episodes >= 1 && episodes <= MAX_EPISODES,
          "episodes",
          "must be between 1 and " + MAX_EPISODES + ", got " + episodes);
      if (realism == null) {
        realism = false;
      }
      if (seed == null) {
        seed = 1_000_000L;
      }
      FieldException.require(seed >= 0, "seed", "must be >= 0");
    }

    /** Ten noise-free episodes from seed 1,000,000. */
    public static EvaluationSpec defaults() {
      return new EvaluationSpec(null, null, null);
    }
  }
}
