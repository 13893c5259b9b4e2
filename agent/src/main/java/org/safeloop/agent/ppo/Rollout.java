package org.safeloop.agent.ppo;

/**
 * One batch of on-policy experience and its generalised advantage estimates (Schulman et al. 2016)
 * for the reward and for the cost. Package-private: a PPO implementation detail.
 */
final class Rollout {
  /** Steps in the current batch: the capacity, or fewer for the last batch of a budget. */
  int size;

  final double[][] observations;
  final double[][] actions;
  final double[] logProbabilities;
  final double[] rewards;
  final double[] costs;
  final boolean[] dones;
  final double[] values;
  final double[] costValues;
  final double[] advantages;
  final double[] costAdvantages;
  double lastValue;
  double lastCostValue;
  private int filled;
  private double returnSum;
  private double costSum;
  private int finished;

  Rollout(int size, int observationSize, int actionSize) {
    this.size = size;
    observations = new double[size][observationSize];
    actions = new double[size][actionSize];
    logProbabilities = new double[size];
    rewards = new double[size];
    costs = new double[size];
    dones = new boolean[size];
    values = new double[size];
    costValues = new double[size];
    advantages = new double[size];
    costAdvantages = new double[size];
  }

  /** Empties the batch for {@code length} steps (at most the capacity given at construction). */
  void clear(int length) {
    if (length < 1 || length > observations.length) {
      throw new IllegalArgumentException(
          "a batch holds 1.." + observations.length + " steps, asked " + length);
    }
    size = length;
    filled = 0;
    returnSum = 0;
    costSum = 0;
    finished = 0;
  }

  void add(
      double[] observation,
      double[] action,
      double logp,
      double reward,
      double cost,
      boolean done,
      double value,
      double costValue) {
    System.arraycopy(observation, 0, observations[filled], 0, observation.length);
    System.arraycopy(action, 0, actions[filled], 0, action.length);
    logProbabilities[filled] = logp;
    rewards[filled] = reward;
    costs[filled] = cost;
    dones[filled] = done;
    values[filled] = value;
    costValues[filled] = costValue;
    filled++;
  }

  void finishEpisode(double episodeReturn, double episodeCost) {
    returnSum += episodeReturn;
    costSum += episodeCost;
    finished++;
  }

  double meanEpisodeReturn() {
    return finished == 0 ? Double.NaN : returnSum / finished;
  }

  double meanEpisodeCost() {
    return finished == 0 ? Double.NaN : costSum / finished;
  }

  /** GAE(gamma, lambda) backwards over the batch; an episode end cuts the recursion. */
  void computeAdvantages(double gamma, double lambda) {
    gae(rewards, values, lastValue, advantages, gamma, lambda);
    gae(costs, costValues, lastCostValue, costAdvantages, gamma, lambda);
  }

  private void gae(double[] r, double[] v, double last, double[] out, double gamma, double lambda) {
    double running = 0;
    for (int t = size - 1; t >= 0; t--) {
      double nextValue = t == size - 1 ? last : v[t + 1];
      double nonTerminal = dones[t] ? 0.0 : 1.0;
      double delta = r[t] + gamma * nextValue * nonTerminal - v[t];
      running = delta + gamma * lambda * nonTerminal * running;
      out[t] = running;
    }
  }
}
