package org.safeloop.experiments.config;

import java.util.Arrays;
import java.util.List;
import org.safeloop.agent.DjlAgent;
import org.safeloop.agent.ppo.PpoConfig;
import org.safeloop.agent.ppo.PpoLag;
import org.safeloop.agent.sac.SacConfig;
import org.safeloop.agent.sac.SacLag;
import org.safeloop.env.ProcessEnvironment;

/**
 * The learning algorithms an experiment can name, each with its hyper-parameter record and
 * published defaults. The {@code -lag} variants switch the Lagrangian cost constraint on; the plain
 * ones keep it off.
 */
public enum Algorithm {
  /** PPO (clipped objective, GAE), CleanRL's defaults. */
  PPO("ppo", false, PpoConfig.class),
  /** PPO with a Lagrange multiplier on the episode cost. */
  PPO_LAG("ppo-lag", true, PpoConfig.class),
  /** Soft Actor-Critic, the paper's defaults. */
  SAC("sac", false, SacConfig.class),
  /** SAC with a cost critic and a Lagrange multiplier. */
  SAC_LAG("sac-lag", true, SacConfig.class);

  /** The names accepted in experiment files, in declaration order. */
  public static final List<String> NAMES =
      Arrays.stream(values()).map(Algorithm::algorithmName).toList();

  private final String algorithmName;
  private final boolean lagrangian;
  private final Class<?> configType;

  Algorithm(String algorithmName, boolean lagrangian, Class<?> configType) {
    this.algorithmName = algorithmName;
    this.lagrangian = lagrangian;
    this.configType = configType;
  }

  /** Returns the name used in files and run directory names, e.g. {@code ppo-lag}. */
  public String algorithmName() {
    return algorithmName;
  }

  /** Returns true when the Lagrangian constraint is on. */
  public boolean lagrangian() {
    return lagrangian;
  }

  /** Returns the hyper-parameter record type. */
  Class<?> configType() {
    return configType;
  }

  /** Returns the published defaults (Lagrangian as the name says). */
  Object defaults() {
    return configType == PpoConfig.class ? PpoConfig.defaults() : SacConfig.defaults();
  }

  /**
   * Creates an agent on {@code environment} (engineering units).
   *
   * @param config a record of {@link #configType()}
   */
  public DjlAgent create(ProcessEnvironment environment, Object config, long seed) {
    if (config instanceof PpoConfig ppo) {
      return new PpoLag(environment, ppo, seed);
    }
    return new SacLag(environment, (SacConfig) config, seed);
  }

  /**
   * Returns the algorithm with this name.
   *
   * @throws IllegalArgumentException listing the known names
   */
  public static Algorithm of(String name) {
    for (Algorithm a : values()) {
      if (a.algorithmName.equals(name)) {
        return a;
      }
    }
    throw new IllegalArgumentException("unknown algorithm '" + name + "'; choose one of " + NAMES);
  }
}
