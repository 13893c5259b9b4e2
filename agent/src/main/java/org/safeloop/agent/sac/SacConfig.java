package org.safeloop.agent.sac;

import org.safeloop.agent.nn.Mlp;

/**
 * Hyper-parameters of Soft Actor-Critic with an optional Lagrangian cost constraint. Defaults are
 * those of Haarnoja et al. 2018, "Soft Actor-Critic Algorithms and Applications" (table 1: Adam
 * 3e-4 for every network, two hidden layers of 256, batch 256, buffer 1e6, discount 0.99, Polyak
 * 5e-3, one gradient step per environment step, target entropy = -dim(A)) and of CleanRL's {@code
 * sac_continuous_action.py} where the paper says nothing (learning starts 5e3, log std in [-5, 2],
 * initial temperature 1). CleanRL differs from the paper in its critic step size (1e-3) and its
 * delayed actor update ({@code policy_frequency} 2); the defaults here keep the paper's. The
 * Lagrangian part (SAC-Lag, the baseline of Yang et al. 2021, "WCSAC", and of OmniSafe) adds a cost
 * critic and a multiplier updated on each finished episode's cost.
 *
 * @param bufferSize replay capacity in transitions ({@code buffer_size}), 1e6; about {@code 8 (2
 *     observations + actions + 3)} bytes each
 * @param learningStarts environment steps of uniformly random actions before learning begins
 *     ({@code learning_starts}), 5000
 * @param batchSize transitions per gradient step ({@code batch_size}), 256
 * @param policyLearningRate Adam step size of the actor ({@code policy_lr}), 3e-4
 * @param qLearningRate Adam step size of the critics and the temperature ({@code q_lr}), 3e-4
 * @param gamma discount, 0.99
 * @param tau Polyak coefficient of the target critics ({@code tau}), 0.005
 * @param trainFrequency environment steps between rounds of gradient steps, 1
 * @param gradientSteps gradient steps per round, 1
 * @param hidden hidden layer widths of actor and critics, {256, 256}
 * @param logStdMin lower bound of the actor's log standard deviation (pre-tanh), -5
 * @param logStdMax upper bound, 2
 * @param autotune learn the temperature toward the target entropy {@code -dim(A)} (the paper's
 *     section 5); false keeps it at {@code initialAlpha}
 * @param initialAlpha starting entropy temperature, 1.0 (CleanRL's {@code log_alpha = 0}); CleanRL
 *     uses 0.2 when not autotuned
 * @param maxGradNorm global gradient-norm clip, infinite (SAC does not clip)
 * @param observationClip bound on normalised observations, 10
 * @param metricsInterval environment steps between two {@code UpdateMetrics}, 1000
 * @param lagrangian true for SAC-Lag: the actor's objective is penalised by the multiplier times
 *     the cost critic; false for plain SAC
 * @param costLimit episode cost the multiplier keeps the policy under, 0
 * @param multiplierRate step size of the multiplier's dual ascent per finished episode, 0.01
 * @param multiplierInitial starting multiplier, 0
 */
public record SacConfig(
    int bufferSize,
    int learningStarts,
    int batchSize,
    double policyLearningRate,
    double qLearningRate,
    double gamma,
    double tau,
    int trainFrequency,
    int gradientSteps,
    int[] hidden,
    double logStdMin,
    double logStdMax,
    boolean autotune,
    double initialAlpha,
    double maxGradNorm,
    double observationClip,
    int metricsInterval,
    boolean lagrangian,
    double costLimit,
    double multiplierRate,
    double multiplierInitial) {

  /** Largest replay buffer, in transitions (ten times the published 1e6). */
  public static final int MAX_BUFFER_SIZE = 10_000_000;

  /** Validates every field, naming it in the message. */
  public SacConfig {
    require(
        bufferSize >= 1 && bufferSize <= MAX_BUFFER_SIZE,
        "buffer_size must be in 1.." + MAX_BUFFER_SIZE + ", got " + bufferSize);
    require(learningStarts >= 0, "learning_starts must be >= 0");
    require(batchSize >= 1 && batchSize <= bufferSize, "batch_size must be in 1..buffer_size");
    require(
        policyLearningRate > 0 && policyLearningRate < 1, "policy_learning_rate must be in (0, 1)");
    require(qLearningRate > 0 && qLearningRate < 1, "q_learning_rate must be in (0, 1)");
    require(gamma > 0 && gamma <= 1, "gamma must be in (0, 1]");
    require(tau > 0 && tau <= 1, "tau must be in (0, 1]");
    require(trainFrequency >= 1, "train_frequency must be at least 1");
    require(gradientSteps >= 0, "gradient_steps must be >= 0");
    require(Mlp.validHidden(hidden), Mlp.hiddenBounds(hidden));
    require(logStdMin < logStdMax, "log_std_min must be below log_std_max");
    require(initialAlpha > 0 && Double.isFinite(initialAlpha), "initial_alpha must be positive");
    require(maxGradNorm > 0, "max_grad_norm must be positive (infinite for none)");
    require(observationClip > 0, "observation_clip must be positive");
    require(metricsInterval >= 1, "metrics_interval must be at least 1");
    require(costLimit >= 0 && multiplierRate > 0 && multiplierInitial >= 0, "multiplier settings");
    hidden = hidden.clone();
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException("SAC configuration: " + message);
    }
  }

  /** The paper's defaults, with the Lagrangian off. */
  public static SacConfig defaults() {
    return new SacConfig(
        1_000_000,
        5_000,
        256,
        3e-4,
        3e-4,
        0.99,
        0.005,
        1,
        1,
        new int[] {256, 256},
        -5.0,
        2.0,
        true,
        1.0,
        Double.POSITIVE_INFINITY,
        10.0,
        1_000,
        false,
        0.0,
        0.01,
        0.0);
  }

  @Override
  public int[] hidden() {
    return hidden.clone();
  }

  /** Returns a copy with another replay buffer, warm-up and batch size. */
  public SacConfig withReplay(int newBufferSize, int newLearningStarts, int newBatchSize) {
    return new SacConfig(
        newBufferSize,
        newLearningStarts,
        newBatchSize,
        policyLearningRate,
        qLearningRate,
        gamma,
        tau,
        trainFrequency,
        gradientSteps,
        hidden,
        logStdMin,
        logStdMax,
        autotune,
        initialAlpha,
        maxGradNorm,
        observationClip,
        metricsInterval,
        lagrangian,
        costLimit,
        multiplierRate,
        multiplierInitial);
  }

  /** Returns a copy with other step sizes and discount. */
  public SacConfig withLearning(double newPolicyLearningRate, double newQLearningRate, double g) {
    return new SacConfig(
        bufferSize,
        learningStarts,
        batchSize,
        newPolicyLearningRate,
        newQLearningRate,
        g,
        tau,
        trainFrequency,
        gradientSteps,
        hidden,
        logStdMin,
        logStdMax,
        autotune,
        initialAlpha,
        maxGradNorm,
        observationClip,
        metricsInterval,
        lagrangian,
        costLimit,
        multiplierRate,
        multiplierInitial);
  }

  /**
   * Returns a copy with other network widths, update schedule ({@code gradientSteps} every {@code
   * trainFrequency} environment steps) and metrics interval.
   */
  public SacConfig withSchedule(
      int[] newHidden, int newTrainFrequency, int newGradientSteps, int newMetricsInterval) {
    return new SacConfig(
        bufferSize,
        learningStarts,
        batchSize,
        policyLearningRate,
        qLearningRate,
        gamma,
        tau,
        newTrainFrequency,
        newGradientSteps,
        newHidden,
        logStdMin,
        logStdMax,
        autotune,
        initialAlpha,
        maxGradNorm,
        observationClip,
        newMetricsInterval,
        lagrangian,
        costLimit,
        multiplierRate,
        multiplierInitial);
  }

  /** Returns a copy with the Lagrangian on, for the given episode cost limit. */
  public SacConfig withCostLimit(double limit, double rate) {
    return new SacConfig(
        bufferSize,
        learningStarts,
        batchSize,
        policyLearningRate,
        qLearningRate,
        gamma,
        tau,
        trainFrequency,
        gradientSteps,
        hidden,
        logStdMin,
        logStdMax,
        autotune,
        initialAlpha,
        maxGradNorm,
        observationClip,
        metricsInterval,
        true,
        limit,
        rate,
        multiplierInitial);
  }
}
