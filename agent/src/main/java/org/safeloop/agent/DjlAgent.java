package org.safeloop.agent;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.safeloop.agent.nn.DjlRuntime;
import org.safeloop.agent.nn.Mlp;
import org.safeloop.env.NormalizedEnvironment;
import org.safeloop.env.Observation;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.policy.MlpWeights;
import org.safeloop.policy.PolicyBundle;

/**
 * What every learning algorithm on DJL shares (Stable-Baselines3's {@code BaseAlgorithm}): the
 * environment in engineering units and its normalised view, the seed and its random stream, the
 * native memory scope, the running observation normalisation, the deterministic action computed by
 * DJL and the export to a {@link PolicyBundle}. Subclasses own their networks, their data
 * collection and their update. Not thread-safe; only one trains at a time in a process (DJL allows
 * one gradient collector).
 */
public abstract class DjlAgent implements AutoCloseable {
  /** The environment in engineering units, for specs and the deterministic action. */
  protected final ProcessEnvironment engineering;

  /** The view the agent acts on: observations scaled to [-1, 1], actions in [-1, 1]. */
  protected final NormalizedEnvironment env;

  /** The training seed. */
  protected final long seed;

  /** Every random draw of the algorithm comes from here (networks are seeded separately). */
  protected final SplittableRandom random;

  /** Owns the networks; each step's arrays live in a sub-manager closed at the end of the step. */
  protected final NDManager manager;

  /** Running statistics of the scaled observations. */
  protected final RunningNormalizer normalizer;

  /** Number of observation signals. */
  protected final int observations;

  /** Number of actions. */
  protected final int actions;

  /**
   * Starts the engine and sets up the shared parts.
   *
   * @param environment the environment in engineering units
   * @param seed the training seed
   * @param observationClip bound on normalised observations
   */
  protected DjlAgent(ProcessEnvironment environment, long seed, double observationClip) {
    this.engineering = environment;
    this.env = new NormalizedEnvironment(environment);
    this.seed = seed;
    this.random = new SplittableRandom(seed);
    this.observations = env.observationSpace().size();
    this.actions = env.actionSpace().size();
    DjlRuntime.start();
    this.manager = NDManager.newBaseManager();
    this.normalizer = new RunningNormalizer(observations, observationClip);
  }

  /**
   * Trains for exactly {@code steps} more environment steps and returns the metrics, also given to
   * {@code listener} as they come.
   */
  public abstract List<UpdateMetrics> train(long steps, Consumer<UpdateMetrics> listener);

  /** Returns the algorithm's name for bundles, e.g. {@code ppo-lag}. */
  protected abstract String algorithmName();

  /** Returns the network whose first {@link #actions} outputs are the deterministic action. */
  protected abstract Mlp policyNetwork();

  /** Returns the deterministic policy's weights for the pure-Java path. */
  protected abstract MlpWeights policyWeights();

  /** Returns how the policy output is squashed: {@link PolicyBundle#SQUASH_TANH} or clip. */
  protected abstract String squashing();

  /** Returns the seed of the episode that starts after {@code episodes} finished ones. */
  protected final long episodeSeed(long episodes) {
    return seed * 1_000_003L + episodes;
  }

  /** Runs {@code network} on one normalised input, outside any gradient recording. */
  protected final double[] networkOutput(Mlp network, double[] normalisedInput) {
    try (NDManager s = manager.newSubManager()) {
      NDArray input = s.create(toFloat(normalisedInput), new Shape(1, observations)).duplicate();
      return toDouble(network.forward(input, false).toFloatArray());
    }
  }

  /**
   * Returns the deterministic action for an observation in engineering units, in engineering units,
   * computed by DJL; the bundle's pure-Java forward must agree with it.
   */
  public final double[] deterministicAction(Observation engineeringObservation) {
    double[] raw = engineering.observationSpace().normalise(engineeringObservation.values());
    double[] x = new double[observations];
    normalizer.normalise(raw, x);
    double[] out = networkOutput(policyNetwork(), x);
    boolean tanh = PolicyBundle.SQUASH_TANH.equals(squashing());
    double[] action = new double[actions];
    for (int a = 0; a < actions; a++) {
      action[a] = tanh ? Math.tanh(out[a]) : Math.max(-1.0, Math.min(1.0, out[a]));
    }
    return engineering.actionSpace().denormalise(action);
  }

  /**
   * Exports the deterministic policy with its frozen normalisation.
   *
   * @param trainingConfig the configuration to record
   * @param environmentHash SHA-256 of the scenario file (or empty)
   * @param shieldHash SHA-256 of the shield file in the loop (or empty)
   * @param metrics summary figures to record
   */
  public final PolicyBundle toBundle(
      Map<String, Object> trainingConfig,
      String environmentHash,
      String shieldHash,
      Map<String, Double> metrics) {
    return new PolicyBundle(
        algorithmName(),
        trainingConfig,
        engineering.observationSpace().signals(),
        engineering.actionSpace().signals(),
        normalizer.snapshot(),
        policyWeights(),
        squashing(),
        environmentHash,
        shieldHash,
        seed,
        metrics);
  }

  /** Stops updating the observation statistics (for evaluation). */
  public final void freezeNormalisation() {
    normalizer.freeze();
  }

  /**
   * Returns how many native arrays the agent's manager holds: constant after warm-up when every
   * step's arrays are released (the leak check of tests and the memory benchmark).
   */
  public final int liveArrays() {
    return manager.getManagedArrays().size();
  }

  @Override
  public void close() {
    manager.close();
  }

  /** Converts to float for DJL. */
  protected static float[] toFloat(double[] x) {
    float[] out = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = (float) x[i];
    }
    return out;
  }

  /** Converts from DJL's float. */
  protected static double[] toDouble(float[] x) {
    double[] out = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = x[i];
    }
    return out;
  }
}
