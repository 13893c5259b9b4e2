package org.safeloop.agent.ppo;

import org.safeloop.agent.nn.Mlp;

/**
 * Hyper-parameters of PPO with a Lagrangian cost constraint. Defaults are those of CleanRL's {@code
 * ppo_continuous_action.py} (after Schulman et al. 2017 and Andrychowicz et al. 2021); the
 * Lagrangian part follows Ray et al. 2019 (Safety Gym's PPO-Lagrangian).
 *
 * @param stepsPerUpdate environment steps collected per update (CleanRL {@code num_steps}), 2048
 * @param epochs passes over each batch ({@code update_epochs}), 10
 * @param minibatchSize samples per gradient step, 64 (2048 / 32 minibatches)
 * @param learningRate Adam step size, 3e-4
 * @param gamma discount, 0.99
 * @param gaeLambda GAE lambda, 0.95
 * @param clipCoef PPO ratio clip, 0.2
 * @param entCoef entropy bonus weight, 0.0
 * @param vfCoef value-loss weight, 0.5
 * @param maxGradNorm global gradient-norm clip, 0.5
 * @param hidden hidden layer widths of actor and critics, {64, 64}
 * @param initialLogStd initial log standard deviation of the Gaussian policy, 0.0
 * @param observationClip bound on normalised observations, 10
 * @param lagrangian true for PPO-Lag: advantages are penalised by the cost advantage times the
 *     multiplier; false for plain PPO
 * @param costLimit episode cost the multiplier keeps the policy under, 0
 * @param multiplierRate step size of the multiplier's dual ascent, 0.05
 * @param multiplierInitial starting multiplier, 0
 * @param learnFromApplied learn from the action the plant received (after a shield's repair, an
 *     actuator's clip) instead of the one sampled, false (see {@code PpoLag})
 */
public record PpoConfig(
    int stepsPerUpdate,
    int epochs,
    int minibatchSize,
    double learningRate,
    double gamma,
    double gaeLambda,
    double clipCoef,
    double entCoef,
    double vfCoef,
    double maxGradNorm,
    int[] hidden,
    double initialLogStd,
    double observationClip,
    boolean lagrangian,
    double costLimit,
    double multiplierRate,
    double multiplierInitial,
    boolean learnFromApplied) {

  /** Largest rollout, in environment steps (the published default is 2048). */
  public static final int MAX_STEPS_PER_UPDATE = 1_000_000;

  /** Most optimisation epochs per rollout (the published default is 10). */
  public static final int MAX_EPOCHS = 1_000;

  /** Validates every field, naming it in the message. */
  public PpoConfig {
    require(
        stepsPerUpdate >= 2 && stepsPerUpdate <= MAX_STEPS_PER_UPDATE,
        "steps_per_update must be in 2.." + MAX_STEPS_PER_UPDATE + ", got " + stepsPerUpdate);
    require(
        epochs >= 1 && epochs <= MAX_EPOCHS,
        "epochs must be in 1.." + MAX_EPOCHS + ", got " + epochs);
    require(
        minibatchSize >= 1 && minibatchSize <= stepsPerUpdate,
        "minibatch_size must be in 1..steps_per_update");
    require(learningRate > 0 && learningRate < 1, "learning_rate must be in (0, 1)");
    require(gamma > 0 && gamma <= 1, "gamma must be in (0, 1]");
    require(gaeLambda >= 0 && gaeLambda <= 1, "gae_lambda must be in [0, 1]");
    require(clipCoef > 0, "clip_coef must be positive");
    require(entCoef >= 0 && vfCoef >= 0, "ent_coef and vf_coef must be >= 0");
    require(maxGradNorm > 0, "max_grad_norm must be positive");
    require(Mlp.validHidden(hidden), Mlp.hiddenBounds(hidden));
    require(observationClip > 0, "observation_clip must be positive");
    require(costLimit >= 0 && multiplierRate > 0 && multiplierInitial >= 0, "multiplier settings");
    hidden = hidden.clone();
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException("PPO configuration: " + message);
    }
  }

  /** CleanRL's defaults, with the Lagrangian off. */
  public static PpoConfig defaults() {
    return new PpoConfig(
        2048,
        10,
        64,
        3e-4,
        0.99,
        0.95,
        0.2,
        0.0,
        0.5,
        0.5,
        new int[] {64, 64},
        0.0,
        10.0,
        false,
        0.0,
        0.05,
        0.0,
        false);
  }

  @Override
  public int[] hidden() {
    return hidden.clone();
  }

  /** Returns a copy with another batch shape. */
  public PpoConfig withBatch(int newStepsPerUpdate, int newEpochs, int newMinibatchSize) {
    return new PpoConfig(
        newStepsPerUpdate,
        newEpochs,
        newMinibatchSize,
        learningRate,
        gamma,
        gaeLambda,
        clipCoef,
        entCoef,
        vfCoef,
        maxGradNorm,
        hidden,
        initialLogStd,
        observationClip,
        lagrangian,
        costLimit,
        multiplierRate,
        multiplierInitial,
        learnFromApplied);
  }

  /** Returns a copy with another learning rate and discount. */
  public PpoConfig withLearning(double newLearningRate, double newGamma, double newGaeLambda) {
    return new PpoConfig(
        stepsPerUpdate,
        epochs,
        minibatchSize,
        newLearningRate,
        newGamma,
        newGaeLambda,
        clipCoef,
        entCoef,
        vfCoef,
        maxGradNorm,
        hidden,
        initialLogStd,
        observationClip,
        lagrangian,
        costLimit,
        multiplierRate,
        multiplierInitial,
        learnFromApplied);
  }

  /** Returns a copy with the Lagrangian on, for the given episode cost limit. */
  public PpoConfig withCostLimit(double limit, double rate) {
    return new PpoConfig(
        stepsPerUpdate,
        epochs,
        minibatchSize,
        learningRate,
        gamma,
        gaeLambda,
        clipCoef,
        entCoef,
        vfCoef,
        maxGradNorm,
        hidden,
        initialLogStd,
        observationClip,
        true,
        limit,
        rate,
        multiplierInitial,
        learnFromApplied);
  }

  /** Returns a copy that learns from the applied action ({@code learn_from_applied}). */
  public PpoConfig withLearnFromApplied(boolean fromApplied) {
    return new PpoConfig(
        stepsPerUpdate,
        epochs,
        minibatchSize,
        learningRate,
        gamma,
        gaeLambda,
        clipCoef,
        entCoef,
        vfCoef,
        maxGradNorm,
        hidden,
        initialLogStd,
        observationClip,
        lagrangian,
        costLimit,
        multiplierRate,
        multiplierInitial,
        fromApplied);
  }
}
