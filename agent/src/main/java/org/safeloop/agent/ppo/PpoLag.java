package org.safeloop.agent.ppo;

import static org.safeloop.agent.nn.DjlRuntime.constant;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.safeloop.agent.DjlAgent;
import org.safeloop.agent.LagrangeMultiplier;
import org.safeloop.agent.UpdateMetrics;
import org.safeloop.agent.nn.Mlp;
import org.safeloop.agent.nn.Optimisation;
import org.safeloop.env.Observation;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.StepResult;
import org.safeloop.policy.MlpWeights;
import org.safeloop.policy.PolicyBundle;

/**
 * PPO with clipped objective and a Lagrangian cost constraint (PPO-Lag), for continuous actions, on
 * DJL. The update reads like CleanRL's {@code ppo_continuous_action.py}: collect {@code
 * stepsPerUpdate} steps with a Gaussian policy (state-independent log std), compute GAE for the
 * reward and for the cost, update the multiplier on the mean episode cost, then run {@code epochs}
 * passes of minibatch updates of the clipped surrogate with penalised advantages {@code (A_r -
 * lambda A_c) / (1 + lambda)}, the value and cost-value losses and the entropy bonus, clipping the
 * global gradient norm. With the Lagrangian off it is plain PPO.
 *
 * <p>Which action a transition holds: the one sampled (the default, the textbook algorithm) or,
 * with {@code learn_from_applied}, the one the plant received after a shield's repair or an
 * actuator's clip ({@link ProcessEnvironment#lastAppliedAction}), with its log density under the
 * sampling Gaussian. The first learns what it asked for and pays the shield's penalty; the second
 * learns what was done, which pulls the mean inside what the shield accepts.
 *
 * <p>The agent acts on the environment's normalised view (actions in [-1, 1]) with running
 * observation normalisation. Every random draw comes from the seed (network initialisation,
 * exploration noise, minibatch order, episode seeds), so one seed gives one run. Each step's arrays
 * live in a sub-manager closed at the end of the step, and the constants the loss's gradient passes
 * through are arrays of it ({@link org.safeloop.agent.nn.DjlRuntime#constant}). Not thread-safe;
 * one per thread, and only one trains at a time in a process (DJL allows one gradient collector).
 */
public final class PpoLag extends DjlAgent {
  private static final double LOG_2PI = Math.log(2 * Math.PI);

  private final PpoConfig config;
  private final Mlp actor;
  private final Mlp critic;
  private final Mlp costCritic;
  private final NDArray logStd;
  private final Optimisation optimisation;
  private final LagrangeMultiplier multiplier;

  private Observation observation;
  private long episodes;
  private long steps;
  private int updates;
  private double episodeReturn;
  private double episodeCost;

  /**
   * Creates an agent for {@code environment} (engineering units; the agent adds the normalised
   * view).
   */
  public PpoLag(ProcessEnvironment environment, PpoConfig config, long seed) {
    super(environment, seed, config.observationClip());
    this.config = config;
    int base = (int) (seed ^ (seed >>> 32));
    int[] hidden = config.hidden();
    this.actor = new Mlp("actor", manager, observations, hidden, actions, base, 0.01);
    this.critic = new Mlp("critic", manager, observations, hidden, 1, base + 1, 1.0);
    this.costCritic = new Mlp("cost_critic", manager, observations, hidden, 1, base + 2, 1.0);
    this.logStd = manager.full(new Shape(actions), (float) config.initialLogStd());
    logStd.setRequiresGradient(true);
    this.optimisation =
        new Optimisation(config.learningRate(), config.maxGradNorm())
            .add(actor)
            .add("log_std", logStd)
            .add(critic)
            .add(costCritic);
    this.multiplier =
        new LagrangeMultiplier(
            config.multiplierInitial(), config.costLimit(), config.multiplierRate());
  }

  /** Returns the Lagrange multiplier (stays at its initial value with the Lagrangian off). */
  public LagrangeMultiplier multiplier() {
    return multiplier;
  }

  /**
   * Trains for exactly {@code totalSteps} environment steps and returns the metrics of every
   * update, also given to {@code listener} as they come. Each update collects {@code
   * stepsPerUpdate} steps, except the last one when the budget is not a multiple of it: that one
   * collects only the steps left (its minibatches are at most that long), so a budget below one
   * rollout runs what was asked and no more. The split depends only on the budget, so training
   * stays deterministic per seed.
   */
  public List<UpdateMetrics> train(long totalSteps, Consumer<UpdateMetrics> listener) {
    List<UpdateMetrics> all = new ArrayList<>();
    Rollout batch = new Rollout(config.stepsPerUpdate(), observations, actions);
    if (observation == null) {
      observation = env.reset(episodeSeed());
    }
    long target = steps + totalSteps;
    while (steps < target) {
      collect(batch, (int) Math.min(config.stepsPerUpdate(), target - steps));
      if (config.lagrangian()) {
        multiplier.update(batch.meanEpisodeCost());
      }
      UpdateMetrics m = update(batch);
      all.add(m);
      listener.accept(m);
    }
    return all;
  }

  private long episodeSeed() {
    return episodeSeed(episodes);
  }

  /** Collects one batch of {@code length} steps with the stochastic policy. */
  private void collect(Rollout b, int length) {
    b.clear(length);
    double[] raw = new double[observations];
    double[] x = new double[observations];
    // Exponentiate in Java: an op on the long-lived logStd would leave its result on the agent's
    // manager for good (one native array per update).
    float[] std = logStd.toFloatArray();
    for (int a = 0; a < std.length; a++) {
      std[a] = (float) Math.exp(std[a]);
    }
    for (int t = 0; t < b.size; t++) {
      for (int i = 0; i < observations; i++) {
        raw[i] = observation.value(i);
      }
      normalizer.update(raw);
      normalizer.normalise(raw, x);
      double[] mean;
      double value;
      double costValue;
      try (NDManager s = manager.newSubManager()) {
        NDArray input = s.create(toFloat(x), new Shape(1, observations)).duplicate();
        mean = toDouble(actor.forward(input, false).toFloatArray());
        value = critic.forward(input, false).getFloat();
        costValue = costCritic.forward(input, false).getFloat();
      }
      double[] action = new double[actions];
      double logp = 0;
      for (int a = 0; a < actions; a++) {
        double noise = random.nextGaussian();
        action[a] = mean[a] + std[a] * noise;
        logp += -0.5 * noise * noise - Math.log(std[a]) - 0.5 * LOG_2PI;
      }
      double[] clipped = new double[actions];
      for (int a = 0; a < actions; a++) {
        clipped[a] = Math.max(-1.0, Math.min(1.0, action[a]));
      }
      StepResult r = env.step(clipped);
      steps++;
      double reward = r.reward();
      double cost = r.totalCost();
      episodeReturn += reward;
      episodeCost += cost;
      boolean done = r.done();
      if (r.truncated() && !r.terminated()) {
        // A time limit is not a failure: bootstrap from the value of the state reached.
        reward += config.gamma() * valueOf(r.observation(), critic);
        cost += config.gamma() * valueOf(r.observation(), costCritic);
      }
      if (config.learnFromApplied()) {
        // Learn from what the plant received: the shield's repair of the sample (or the actuator's
        // clip), scored under the same Gaussian. The surrogate then moves the mean toward moves
        // the shield accepts, at the price of learning from actions the policy did not sample.
        double[] applied = env.lastAppliedAction();
        logp = 0;
        for (int a = 0; a < actions; a++) {
          action[a] = Math.max(-1.0, Math.min(1.0, applied[a]));
          double z = (action[a] - mean[a]) / std[a];
          logp += -0.5 * z * z - Math.log(std[a]) - 0.5 * LOG_2PI;
        }
      }
      b.add(x, action, logp, reward, cost, done, value, costValue);
      observation = r.observation();
      if (done) {
        b.finishEpisode(episodeReturn, episodeCost);
        episodes++;
        episodeReturn = 0;
        episodeCost = 0;
        observation = env.reset(episodeSeed());
      }
    }
    b.lastValue = b.dones[b.size - 1] ? 0 : valueOf(observation, critic);
    b.lastCostValue = b.dones[b.size - 1] ? 0 : valueOf(observation, costCritic);
    b.computeAdvantages(config.gamma(), config.gaeLambda());
  }

  private double valueOf(Observation o, Mlp network) {
    double[] raw = new double[observations];
    for (int i = 0; i < observations; i++) {
      raw[i] = o.value(i);
    }
    double[] x = new double[observations];
    normalizer.normalise(raw, x);
    return networkOutput(network, x)[0];
  }

  /** Runs the epochs of minibatch updates on one batch. */
  private UpdateMetrics update(Rollout b) {
    double lambda = config.lagrangian() ? multiplier.value() : 0.0;
    double[] advantages = new double[b.size];
    for (int t = 0; t < b.size; t++) {
      advantages[t] = (b.advantages[t] - lambda * b.costAdvantages[t]) / (1.0 + lambda);
    }
    int[] order = new int[b.size];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    double policyLoss = 0;
    double valueLoss = 0;
    double approxKl = 0;
    int minibatches = 0;
    for (int epoch = 0; epoch < config.epochs(); epoch++) {
      shuffle(order);
      // A short last batch still gets at least one minibatch.
      int n = Math.min(config.minibatchSize(), b.size);
      for (int start = 0; start + n <= b.size; start += n) {
        float[] obs = new float[n * observations];
        float[] act = new float[n * actions];
        float[] oldLogp = new float[n];
        float[] adv = new float[n];
        float[] ret = new float[n];
        float[] costRet = new float[n];
        double advMean = 0;
        for (int k = 0; k < n; k++) {
          advMean += advantages[order[start + k]];
        }
        advMean /= n;
        double advVar = 0;
        for (int k = 0; k < n; k++) {
          double d = advantages[order[start + k]] - advMean;
          advVar += d * d;
        }
        double advStd = Math.sqrt(advVar / Math.max(1, n - 1)) + 1e-8;
        for (int k = 0; k < n; k++) {
          int t = order[start + k];
          for (int i = 0; i < observations; i++) {
            obs[k * observations + i] = (float) b.observations[t][i];
          }
          for (int a = 0; a < actions; a++) {
            act[k * actions + a] = (float) b.actions[t][a];
          }
          oldLogp[k] = (float) b.logProbabilities[t];
          adv[k] = (float) ((advantages[t] - advMean) / advStd);
          ret[k] = (float) (b.advantages[t] + b.values[t]);
          costRet[k] = (float) (b.costAdvantages[t] + b.costValues[t]);
        }
        try (NDManager s = manager.newSubManager()) {
          s.tempAttachAll(logStd);
          NDArray x = s.create(obs, new Shape(n, observations)).duplicate();
          NDArray a = s.create(act, new Shape(n, actions)).duplicate();
          NDArray oldLp = s.create(oldLogp, new Shape(n)).duplicate();
          NDArray advantage = s.create(adv, new Shape(n)).duplicate();
          NDArray returns = s.create(ret, new Shape(n)).duplicate();
          NDArray costReturns = s.create(costRet, new Shape(n)).duplicate();
          try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray mean = actor.forward(x, true);
            NDArray z = a.sub(mean).div(logStd.exp());
            NDArray logp =
                z.square()
                    .mul(constant(s, -0.5f))
                    .sub(logStd)
                    .sub((float) (0.5 * LOG_2PI))
                    .sum(new int[] {-1});
            NDArray logRatio = logp.sub(oldLp);
            NDArray ratio = logRatio.exp();
            NDArray surrogate =
                ratio
                    .mul(advantage)
                    .minimum(
                        ratio
                            .clip((float) (1 - config.clipCoef()), (float) (1 + config.clipCoef()))
                            .mul(advantage));
            NDArray pgLoss = surrogate.mean().neg();
            NDArray v = critic.forward(x, true).reshape(n);
            NDArray vLoss = v.sub(returns).square().mean().mul(constant(s, 0.5f));
            NDArray vc = costCritic.forward(x, true).reshape(n);
            NDArray vcLoss = vc.sub(costReturns).square().mean().mul(constant(s, 0.5f));
            NDArray entropy = logStd.add((float) (0.5 * (1 + LOG_2PI))).sum();
            NDArray loss =
                pgLoss
                    .sub(entropy.mul(constant(s, (float) config.entCoef())))
                    .add(vLoss.add(vcLoss).mul(constant(s, (float) config.vfCoef())));
            collector.backward(loss);
            policyLoss += pgLoss.getFloat();
            valueLoss += vLoss.getFloat();
            approxKl += ratio.sub(1f).sub(logRatio).mean().getFloat();
          }
          optimisation.step(s);
          minibatches++;
        }
      }
    }
    updates++;
    double entropy = 0;
    for (float l : logStd.toFloatArray()) {
      entropy += l + 0.5 * (1 + LOG_2PI);
    }
    return new UpdateMetrics(
        updates,
        steps,
        episodes,
        b.meanEpisodeReturn(),
        b.meanEpisodeCost(),
        policyLoss / Math.max(1, minibatches),
        valueLoss / Math.max(1, minibatches),
        entropy,
        multiplier.value(),
        approxKl / Math.max(1, minibatches));
  }

  private void shuffle(int[] order) {
    for (int i = order.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int tmp = order[i];
      order[i] = order[j];
      order[j] = tmp;
    }
  }

  @Override
  protected String algorithmName() {
    return config.lagrangian() ? "ppo-lag" : "ppo";
  }

  @Override
  protected Mlp policyNetwork() {
    return actor;
  }

  @Override
  protected MlpWeights policyWeights() {
    return actor.export();
  }

  @Override
  protected String squashing() {
    return PolicyBundle.SQUASH_CLIP;
  }
}
