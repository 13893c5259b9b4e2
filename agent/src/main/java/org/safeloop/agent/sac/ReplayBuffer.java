package org.safeloop.agent.sac;

import java.util.SplittableRandom;

/**
 * A ring buffer of transitions for off-policy learning: the oldest is overwritten once it is full,
 * and batches are drawn uniformly with replacement from a caller's seeded random source (as
 * CleanRL's and Stable-Baselines3's buffers do). Observations are kept as the agent received them
 * (range-scaled, before running normalisation) so that each batch is normalised with the current
 * statistics, as Stable-Baselines3 does. Package-private: a SAC implementation detail. Not
 * thread-safe.
 */
final class ReplayBuffer {

  /**
   * One batch of transitions, row {@code k} of every array belonging to the same transition. The
   * arrays are fresh for each batch and owned by the caller (not copied).
   *
   * @param observations {@code [size][observationSize]}, before normalisation
   * @param actions {@code [size * actionSize]}, in [-1, 1], row-major
   * @param rewards {@code [size]}
   * @param costs {@code [size]}, the summed constraint costs of the step
   * @param nextObservations {@code [size][observationSize]}, before normalisation
   * @param terminated {@code [size]}, 1 where the episode ended for a physical reason (no
   *     bootstrap) and 0 otherwise, also at a time limit
   */
  record Batch(
      double[][] observations,
      float[] actions,
      float[] rewards,
      float[] costs,
      double[][] nextObservations,
      float[] terminated) {

    int size() {
      return rewards.length;
    }
  }

  private final int capacity;
  private final int actionSize;
  private final double[][] observations;
  private final double[][] actions;
  private final double[] rewards;
  private final double[] costs;
  private final double[][] nextObservations;
  private final boolean[] terminated;
  private int next;
  private int size;

  ReplayBuffer(int capacity, int observationSize, int actionSize) {
    this.capacity = capacity;
    this.actionSize = actionSize;
    observations = new double[capacity][observationSize];
    actions = new double[capacity][actionSize];
    rewards = new double[capacity];
    costs = new double[capacity];
    nextObservations = new double[capacity][observationSize];
    terminated = new boolean[capacity];
  }

  /** Stores one transition (arrays are copied), overwriting the oldest when full. */
  void add(
      double[] observation,
      double[] action,
      double reward,
      double cost,
      double[] nextObservation,
      boolean isTerminated) {
    System.arraycopy(observation, 0, observations[next], 0, observation.length);
    System.arraycopy(action, 0, actions[next], 0, actionSize);
    rewards[next] = reward;
    costs[next] = cost;
    System.arraycopy(nextObservation, 0, nextObservations[next], 0, nextObservation.length);
    terminated[next] = isTerminated;
    next = (next + 1) % capacity;
    size = Math.min(size + 1, capacity);
  }

  /** Returns the number of transitions held. */
  int size() {
    return size;
  }

  /** Draws {@code batchSize} transitions uniformly with replacement. */
  Batch sample(int batchSize, SplittableRandom random) {
    if (size == 0) {
      throw new IllegalStateException("cannot sample from an empty replay buffer");
    }
    double[][] obs = new double[batchSize][];
    float[] act = new float[batchSize * actionSize];
    float[] rew = new float[batchSize];
    float[] cst = new float[batchSize];
    double[][] nextObs = new double[batchSize][];
    float[] term = new float[batchSize];
    for (int k = 0; k < batchSize; k++) {
      int i = random.nextInt(size);
      obs[k] = observations[i].clone();
      for (int a = 0; a < actionSize; a++) {
        act[k * actionSize + a] = (float) actions[i][a];
      }
      rew[k] = (float) rewards[i];
      cst[k] = (float) costs[i];
      nextObs[k] = nextObservations[i].clone();
      term[k] = terminated[i] ? 1f : 0f;
    }
    return new Batch(obs, act, rew, cst, nextObs, term);
  }
}
