package org.safeloop.agent.sac;

import static org.safeloop.agent.nn.DjlRuntime.constant;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.safeloop.agent.DjlAgent;
import org.safeloop.agent.LagrangeMultiplier;
import org.safeloop.agent.UpdateMetrics;
import org.safeloop.agent.nn.DjlRuntime;
import org.safeloop.agent.nn.Mlp;
import org.safeloop.agent.nn.Optimisation;
import org.safeloop.env.Observation;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.StepResult;
import org.safeloop.policy.MlpWeights;
import org.safeloop.policy.PolicyBundle;

/**
 * Soft Actor-Critic (Haarnoja et al. 2018, "Soft Actor-Critic Algorithms and Applications") with an
 * optional Lagrangian cost constraint (SAC-Lag), for continuous actions, on DJL. It reads like
 * CleanRL's {@code sac_continuous_action.py}: a squashed-Gaussian actor {@code a = tanh(mu + sigma
 * eps)} with state-dependent mean and log std, twin soft Q critics {@code qf1, qf2} regressed on
 * {@code r + gamma (1 - terminated) (min(qf1_target, qf2_target)(s', a') - alpha log pi(a'|s'))}
 * with Polyak-averaged targets, an actor minimising {@code alpha log pi - min(qf1, qf2)}, and a
 * temperature {@code alpha} learnt toward the target entropy {@code -dim(A)}. For the first {@code
 * learningStarts} steps the actions are uniformly random; after that {@code gradientSteps} updates
 * follow every {@code trainFrequency} environment steps.
 *
 * <p>SAC-Lag adds a cost critic {@code qf_cost} (with its target) regressed on {@code c + gamma (1
 * - terminated) qf_cost_target(s', a')}, adds {@code lambda qf_cost} to the actor's loss, and
 * updates the multiplier {@code lambda} on every finished episode's cost against the limit.
 *
 * <p>A time limit is not a termination: a truncated episode's last transition is stored with its
 * real next observation and bootstrapped from it. The agent acts on the environment's normalised
 * view (actions in [-1, 1]) with running observation normalisation; the buffer keeps observations
 * before normalisation and each batch is normalised with the current statistics. Every random draw
 * comes from the seed (network initialisation, warm-up actions, exploration and reparameterisation
 * noise, replay sampling, episode seeds), so one seed gives one run. Each update's arrays live in a
 * sub-manager closed at its end, and the constants its gradients pass through are arrays of that
 * sub-manager ({@link DjlRuntime#constant}: a plain {@code mul(float)} lets the backward pass read
 * freed memory). Not thread-safe; one per thread, and only one trains at a time in a process (DJL
 * allows one gradient collector).
 */
public final class SacLag extends DjlAgent {
  private static final float HALF_LOG_2PI = (float) (0.5 * Math.log(2 * Math.PI));
  private static final float LOG_2 = (float) Math.log(2);

  private final SacConfig config;
  private final Mlp actor;
  private final Mlp qf1;
  private final Mlp qf2;
  private final Mlp qf1Target;
  private final Mlp qf2Target;
  private final Mlp qfCost;
  private final Mlp qfCostTarget;
  private final NDArray logAlpha;
  private final Optimisation actorOptimisation;
  private final Optimisation qOptimisation;
  private final Optimisation alphaOptimisation;
  private final double targetEntropy;
  private final LagrangeMultiplier multiplier;
  private final ReplayBuffer buffer;

  private Observation observation;
  private long episodes;
  private long steps;
  private int updates;
  private double episodeReturn;
  private double episodeCost;

  // Sums over the current metrics window.
  private double windowReturn;
  private double windowCost;
  private int windowEpisodes;
  private double windowActorLoss;
  private double windowQLoss;
  private double windowEntropy;
  private int windowUpdates;

  /**
   * Creates an agent for {@code environment} (engineering units; the agent adds the normalised
   * view).
   */
  public SacLag(ProcessEnvironment environment, SacConfig config, long seed) {
    super(environment, seed, config.observationClip());
    this.config = config;
    int base = (int) (seed ^ (seed >>> 32));
    int[] hidden = config.hidden();
    int stateAction = observations + actions;
    // The actor's output holds the means, then the log stds; small initial outputs keep the first
    // policy centred with a moderate spread.
    this.actor = new Mlp("actor", manager, observations, hidden, 2 * actions, base, 0.01);
    this.qf1 = new Mlp("qf1", manager, stateAction, hidden, 1, base + 1, 1.0);
    this.qf2 = new Mlp("qf2", manager, stateAction, hidden, 1, base + 2, 1.0);
    this.qf1Target = new Mlp("qf1_target", manager, stateAction, hidden, 1, base + 1, 1.0);
    this.qf2Target = new Mlp("qf2_target", manager, stateAction, hidden, 1, base + 2, 1.0);
    qf1Target.copyFrom(qf1);
    qf2Target.copyFrom(qf2);
    this.qOptimisation =
        new Optimisation(config.qLearningRate(), config.maxGradNorm()).add(qf1).add(qf2);
    if (config.lagrangian()) {
      this.qfCost = new Mlp("qf_cost", manager, stateAction, hidden, 1, base + 3, 1.0);
      this.qfCostTarget = new Mlp("qf_cost_target", manager, stateAction, hidden, 1, base + 3, 1.0);
      qfCostTarget.copyFrom(qfCost);
      qOptimisation.add(qfCost);
    } else {
      this.qfCost = null;
      this.qfCostTarget = null;
    }
    this.actorOptimisation =
        new Optimisation(config.policyLearningRate(), config.maxGradNorm()).add(actor);
    this.logAlpha = manager.full(new Shape(1), (float) Math.log(config.initialAlpha()));
    logAlpha.setRequiresGradient(true);
    this.alphaOptimisation =
        new Optimisation(config.qLearningRate(), config.maxGradNorm()).add("log_alpha", logAlpha);
    this.targetEntropy = -actions;
    this.multiplier =
        new LagrangeMultiplier(
            config.multiplierInitial(), config.costLimit(), config.multiplierRate());
    this.buffer = new ReplayBuffer(config.bufferSize(), observations, actions);
  }

  /** Returns the Lagrange multiplier (stays at its initial value with the Lagrangian off). */
  public LagrangeMultiplier multiplier() {
    return multiplier;
  }

  /** Returns the entropy temperature alpha. */
  public double alpha() {
    return Math.exp(logAlpha.toFloatArray()[0]);
  }

  /**
   * Trains for {@code totalSteps} environment steps and returns the metrics emitted every {@code
   * metricsInterval} steps, also given to {@code listener} as they come. Each record's {@code
   * update} is the number of gradient steps so far (0 during the random warm-up), its {@code extra}
   * the temperature alpha; losses are means over the window's gradient steps and episode figures
   * over the episodes finished in the window (NaN when there were none).
   */
  public List<UpdateMetrics> train(long totalSteps, Consumer<UpdateMetrics> listener) {
    DjlRuntime.start(); // autograd off on this thread: the targets must record no graph
    List<UpdateMetrics> all = new ArrayList<>();
    if (observation == null) {
      observation = env.reset(episodeSeed());
    }
    long target = steps + totalSteps;
    while (steps < target) {
      double[] raw = observation.values();
      normalizer.update(raw);
      double[] action = steps < config.learningStarts() ? randomAction() : sampleAction(raw);
      StepResult r = env.step(action);
      steps++;
      episodeReturn += r.reward();
      episodeCost += r.totalCost();
      // Only a physical termination cuts the bootstrap; a time limit keeps it (next observation).
      buffer.add(raw, action, r.reward(), r.totalCost(), r.observation().values(), r.terminated());
      observation = r.observation();
      if (r.done()) {
        finishEpisode();
      }
      if (steps >= config.learningStarts()
          && steps % config.trainFrequency() == 0
          && buffer.size() >= config.batchSize()) {
        for (int g = 0; g < config.gradientSteps(); g++) {
          update();
        }
      }
      if (steps % config.metricsInterval() == 0) {
        UpdateMetrics m = emitMetrics();
        all.add(m);
        listener.accept(m);
      }
    }
    return all;
  }

  private long episodeSeed() {
    return episodeSeed(episodes);
  }

  private void finishEpisode() {
    if (config.lagrangian()) {
      multiplier.update(episodeCost);
    }
    windowReturn += episodeReturn;
    windowCost += episodeCost;
    windowEpisodes++;
    episodes++;
    episodeReturn = 0;
    episodeCost = 0;
    observation = env.reset(episodeSeed());
  }

  private double[] randomAction() {
    double[] action = new double[actions];
    for (int a = 0; a < actions; a++) {
      action[a] = -1.0 + 2.0 * random.nextDouble();
    }
    return action;
  }

  /** Draws {@code tanh(mu + sigma eps)} from the current policy for one observation. */
  private double[] sampleAction(double[] raw) {
    double[] out = actorOutput(raw);
    double[] action = new double[actions];
    for (int a = 0; a < actions; a++) {
      double logStd = boundedLogStd(out[actions + a]);
      action[a] = Math.tanh(out[a] + Math.exp(logStd) * random.nextGaussian());
    }
    return action;
  }

  /** CleanRL's smooth bound: {@code tanh} of the raw output rescaled onto [min, max]. */
  private double boundedLogStd(double rawLogStd) {
    double min = config.logStdMin();
    double max = config.logStdMax();
    return min + 0.5 * (max - min) * (Math.tanh(rawLogStd) + 1.0);
  }

  /** Runs the actor on one observation (before normalisation): means, then raw log stds. */
  private double[] actorOutput(double[] raw) {
    double[] x = new double[observations];
    normalizer.normalise(raw, x);
    return networkOutput(actor, x);
  }

  /** A reparameterised draw from the squashed Gaussian and its log density. */
  private record Squashed(NDArray action, NDArray logProbability) {}

  /**
   * Draws {@code a = tanh(u)}, {@code u = mu + sigma eps}, for a batch and returns {@code log pi(a)
   * = log N(u; mu, sigma) - sum log(1 - tanh(u)^2)}, the correction in its stable form {@code 2
   * (log 2 - u - softplus(-2u))} (the paper's appendix C). Constants are arrays of {@code s}.
   */
  private Squashed squashedSample(NDManager s, NDArray x, NDArray eps, boolean training) {
    NDList parts = actor.forward(x, training).split(2, 1);
    NDArray mean = parts.get(0);
    float min = (float) config.logStdMin();
    float max = (float) config.logStdMax();
    NDArray logStd = parts.get(1).tanh().add(1f).mul(constant(s, 0.5f * (max - min))).add(min);
    NDArray u = mean.add(logStd.exp().mul(eps));
    // (u - mu) / sigma is eps itself.
    NDArray gaussian = eps.square().mul(constant(s, -0.5f)).sub(logStd).sub(HALF_LOG_2PI);
    NDArray logJacobian =
        Activation.softPlus(u.mul(constant(s, -2f))).add(u).neg().add(LOG_2).mul(constant(s, 2f));
    NDArray logProbability = gaussian.sub(logJacobian).sum(new int[] {1});
    return new Squashed(u.tanh(), logProbability);
  }

  private static NDArray q(Mlp critic, NDArray x, NDArray a, boolean training) {
    return critic.forward(x.concat(a, 1), training).reshape(-1);
  }

  /** One gradient step of the critics, the actor and the temperature, then the targets. */
  private void update() {
    int n = config.batchSize();
    ReplayBuffer.Batch b = buffer.sample(n, random);
    float[] obs = normalisedRows(b.observations());
    float[] nextObs = normalisedRows(b.nextObservations());
    float[] nextEps = gaussianNoise(n * actions);
    float[] eps = gaussianNoise(n * actions);
    float[] continuing = new float[n];
    for (int k = 0; k < n; k++) {
      continuing[k] = 1f - b.terminated()[k];
    }
    float alpha = (float) alpha();
    float lambda = config.lagrangian() ? (float) multiplier.value() : 0f;
    float gamma = (float) config.gamma();
    try (NDManager s = manager.newSubManager()) {
      s.tempAttachAll(logAlpha);
      NDArray x = s.create(obs, new Shape(n, observations)).duplicate();
      NDArray a = s.create(b.actions(), new Shape(n, actions)).duplicate();
      NDArray rewards = s.create(b.rewards(), new Shape(n)).duplicate();
      NDArray costs = s.create(b.costs(), new Shape(n)).duplicate();
      NDArray x2 = s.create(nextObs, new Shape(n, observations)).duplicate();
      NDArray notTerminated = s.create(continuing, new Shape(n)).duplicate();
      NDArray epsNext = s.create(nextEps, new Shape(n, actions)).duplicate();
      NDArray epsNow = s.create(eps, new Shape(n, actions)).duplicate();

      // Soft Bellman targets, outside any gradient collector (autograd is off on this thread).
      Squashed next = squashedSample(s, x2, epsNext, false);
      NDArray minQfNextTarget =
          q(qf1Target, x2, next.action(), false)
              .minimum(q(qf2Target, x2, next.action(), false))
              .sub(next.logProbability().mul(alpha));
      NDArray nextQValue =
          rewards.add(notTerminated.mul(gamma).mul(minQfNextTarget)).stopGradient();
      NDArray nextCostValue =
          config.lagrangian()
              ? costs
                  .add(notTerminated.mul(gamma).mul(q(qfCostTarget, x2, next.action(), false)))
                  .stopGradient()
              : null;

      // Critics: mean squared soft Bellman error of both Q networks (and of the cost critic).
      double qfLoss;
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        NDArray qf1Loss = q(qf1, x, a, true).sub(nextQValue).square().mean();
        NDArray qf2Loss = q(qf2, x, a, true).sub(nextQValue).square().mean();
        NDArray loss = qf1Loss.add(qf2Loss);
        qfLoss = loss.getFloat();
        if (config.lagrangian()) {
          loss = loss.add(q(qfCost, x, a, true).sub(nextCostValue).square().mean());
        }
        collector.backward(loss);
      }
      qOptimisation.step(s);

      // Actor: minimise alpha log pi - min Q (+ lambda Q_cost) through the reparameterised action.
      double actorLoss;
      double meanLogProbability;
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        Squashed pi = squashedSample(s, x, epsNow, true);
        NDArray minQfPi = q(qf1, x, pi.action(), true).minimum(q(qf2, x, pi.action(), true));
        NDArray objective = pi.logProbability().mul(constant(s, alpha)).sub(minQfPi);
        if (config.lagrangian()) {
          objective = objective.add(q(qfCost, x, pi.action(), true).mul(constant(s, lambda)));
        }
        NDArray loss = objective.mean();
        collector.backward(loss);
        actorLoss = loss.getFloat();
        meanLogProbability = pi.logProbability().mean().getFloat();
      }
      actorOptimisation.step(s);
      // The actor's backward pass also left gradients on the critics; no optimiser consumed them.
      Optimisation.zeroGradients(qf1);
      Optimisation.zeroGradients(qf2);
      if (config.lagrangian()) {
        Optimisation.zeroGradients(qfCost);
      }

      // Temperature: alpha rises while the entropy is below the target, falls while above.
      if (config.autotune()) {
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
          float entropyGap = (float) -(meanLogProbability + targetEntropy);
          NDArray alphaLoss = logAlpha.exp().mul(constant(s, entropyGap)).sum();
          collector.backward(alphaLoss);
        }
        alphaOptimisation.step(s);
      }

      windowActorLoss += actorLoss;
      windowQLoss += qfLoss;
      windowEntropy += -meanLogProbability;
      windowUpdates++;
    }
    qf1Target.polyakToward(qf1, config.tau());
    qf2Target.polyakToward(qf2, config.tau());
    if (config.lagrangian()) {
      qfCostTarget.polyakToward(qfCost, config.tau());
    }
    updates++;
  }

  private float[] normalisedRows(double[][] rows) {
    float[] out = new float[rows.length * observations];
    double[] x = new double[observations];
    for (int k = 0; k < rows.length; k++) {
      normalizer.normalise(rows[k], x);
      for (int i = 0; i < observations; i++) {
        out[k * observations + i] = (float) x[i];
      }
    }
    return out;
  }

  private float[] gaussianNoise(int size) {
    float[] noise = new float[size];
    for (int i = 0; i < size; i++) {
      noise[i] = (float) random.nextGaussian();
    }
    return noise;
  }

  private UpdateMetrics emitMetrics() {
    double nan = Double.NaN;
    UpdateMetrics m =
        new UpdateMetrics(
            updates,
            steps,
            episodes,
            windowEpisodes > 0 ? windowReturn / windowEpisodes : nan,
            windowEpisodes > 0 ? windowCost / windowEpisodes : nan,
            windowUpdates > 0 ? windowActorLoss / windowUpdates : nan,
            windowUpdates > 0 ? windowQLoss / windowUpdates : nan,
            windowUpdates > 0 ? windowEntropy / windowUpdates : nan,
            multiplier.value(),
            alpha());
    windowReturn = 0;
    windowCost = 0;
    windowEpisodes = 0;
    windowActorLoss = 0;
    windowQLoss = 0;
    windowEntropy = 0;
    windowUpdates = 0;
    return m;
  }

  @Override
  protected String algorithmName() {
    return config.lagrangian() ? "sac-lag" : "sac";
  }

  @Override
  protected Mlp policyNetwork() {
    return actor;
  }

  @Override
  protected MlpWeights policyWeights() {
    return meanNetwork();
  }

  @Override
  protected String squashing() {
    return PolicyBundle.SQUASH_TANH;
  }

  /** The actor without its log-std outputs: the last layer keeps only the mean rows. */
  private MlpWeights meanNetwork() {
    MlpWeights full = actor.export();
    List<float[][]> weights = new ArrayList<>(full.weights());
    List<float[]> biases = new ArrayList<>(full.biases());
    int last = weights.size() - 1;
    weights.set(last, Arrays.copyOf(weights.get(last), actions));
    biases.set(last, Arrays.copyOf(biases.get(last), actions));
    return new MlpWeights(full.activation(), weights, biases);
  }
}
