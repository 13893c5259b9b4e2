package org.safeloop.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.safeloop.env.SignalSpace;
import org.safeloop.env.SignalSpec;
import org.safeloop.env.observation.ObservationDesign;

/**
 * Everything needed to run a trained policy, in one value: the network, the observation
 * normalisation, the observation and action specs with units, how the output is squashed, and the
 * provenance (algorithm, configuration, seed, hashes of the environment and shield configuration,
 * metrics). Saved and loaded as one file by {@link PolicyBundles}. Immutable.
 *
 * @param algorithm e.g. {@code ppo-lag} or {@code sac}
 * @param config the training configuration as written (names to values)
 * @param observations the observation signals the policy reads, in order, with units and ranges
 * @param actions the actions it writes, in order, with units and actuator ranges
 * @param normalisation frozen observation statistics
 * @param network the deterministic policy network (outputs one value per action)
 * @param outputSquashing {@link #SQUASH_TANH} (SAC) or {@link #SQUASH_CLIP} (PPO)
 * @param environmentHash SHA-256 of the scenario configuration it was trained on
 * @param shieldHash SHA-256 of the shield configuration in the training loop, or empty
 * @param seed the training seed
 * @param metrics summary of training and evaluation (names to values)
 */
public record PolicyBundle(
    String algorithm,
    Map<String, Object> config,
    List<SignalSpec> observations,
    List<SignalSpec> actions,
    Normalisation normalisation,
    MlpWeights network,
    String outputSquashing,
    String environmentHash,
    String shieldHash,
    long seed,
    Map<String, Double> metrics) {

  /** The output goes through tanh (a squashed Gaussian, SAC). */
  public static final String SQUASH_TANH = "tanh";

  /** The output is clipped to [-1, 1] (a Gaussian mean, PPO). */
  public static final String SQUASH_CLIP = "clip";

  /** Checks that the parts fit together. */
  public PolicyBundle {
    Objects.requireNonNull(algorithm, "algorithm");
    config = Map.copyOf(config);
    observations = List.copyOf(observations);
    actions = List.copyOf(actions);
    Objects.requireNonNull(normalisation, "normalisation");
    Objects.requireNonNull(network, "network");
    if (!SQUASH_TANH.equals(outputSquashing) && !SQUASH_CLIP.equals(outputSquashing)) {
      throw new IllegalArgumentException(
          "output squashing must be tanh or clip, got " + outputSquashing);
    }
    if (network.inputs() != observations.size()
        || normalisation.mean().length != observations.size()) {
      throw new IllegalArgumentException(
          "the network takes "
              + network.inputs()
              + " inputs and the normalisation has "
              + normalisation.mean().length
              + " but there are "
              + observations.size()
              + " observations");
    }
    if (network.outputs() != actions.size()) {
      throw new IllegalArgumentException(
          "the network gives " + network.outputs() + " outputs for " + actions.size() + " actions");
    }
    environmentHash = environmentHash == null ? "" : environmentHash;
    shieldHash = shieldHash == null ? "" : shieldHash;
    metrics = Map.copyOf(metrics);
    if (config.containsKey(RESIDUAL_BASE) || config.containsKey(RESIDUAL_BOUND)) {
      residualBound(config, actions); // a residual bundle must say how far it may correct
    }
    if (config.containsKey(ACTION_MAPPING)) {
      requireShieldMapping(config, observations, actions);
    }
  }

  /**
   * Key of {@link #config()} naming the base controller of a residual policy ({@code pid}): the
   * network's output is a correction added to that controller's move. Absent for a policy that sets
   * the actions on its own.
   */
  public static final String RESIDUAL_BASE = "residual_base";

  /**
   * Key of {@link #config()} with a residual policy's bound per action (a list in the actions'
   * order, in their units): the network's output spans plus or minus the bound, and {@link
   * #actions()} stays the actuators' space.
   */
  public static final String RESIDUAL_BOUND = "residual_bound";

  /** Returns the base controller of a residual policy, or null when this is not one. */
  public String residualBase() {
    Object base = config.get(RESIDUAL_BASE);
    return base == null ? null : base.toString();
  }

  /** Returns a residual policy's bound per action, or null when this is not one. */
  public double[] residualBound() {
    return residualBase() == null ? null : residualBound(config, actions);
  }

  private static double[] residualBound(Map<String, Object> config, List<SignalSpec> actions) {
    if (config.get(RESIDUAL_BASE) == null || !(config.get(RESIDUAL_BOUND) instanceof List<?> l)) {
      throw new IllegalArgumentException(
          "a residual bundle needs both "
              + RESIDUAL_BASE
              + " and "
              + RESIDUAL_BOUND
              + " (a list, one bound per action)");
    }
    if (l.size() != actions.size()) {
      throw new IllegalArgumentException(
          RESIDUAL_BOUND + " has " + l.size() + " values for " + actions.size() + " actions");
    }
    double[] bound = new double[l.size()];
    for (int i = 0; i < bound.length; i++) {
      bound[i] = l.get(i) instanceof Number n ? n.doubleValue() : Double.NaN;
      if (!(bound[i] > 0) || !Double.isFinite(bound[i])) {
        throw new IllegalArgumentException(
            RESIDUAL_BOUND + " of " + actions.get(i).name() + " must be positive, got " + l.get(i));
      }
    }
    return bound;
  }

  /**
   * Returns the space the network's output is scaled to: the actions' for a plain policy, plus or
   * minus each bound (same names and units) for a residual one.
   */
  public List<SignalSpec> networkActions() {
    if (actionMapping() != null) {
      List<SignalSpec> unit = new ArrayList<>();
      for (SignalSpec a : actions) {
        unit.add(new SignalSpec(a.name(), "1", -1.0, 1.0));
      }
      return List.copyOf(unit);
    }
    double[] bound = residualBound();
    if (bound == null) {
      return actions;
    }
    List<SignalSpec> out = new ArrayList<>();
    for (int i = 0; i < bound.length; i++) {
      SignalSpec a = actions.get(i);
      out.add(new SignalSpec(a.name(), a.unit(), -bound[i], bound[i]));
    }
    return List.copyOf(out);
  }

  /**
   * Key of {@link #config()} saying where the scenario the policy was trained on came from: a
   * built-in scenario name (e.g. {@code cstr-tracking}) or the absolute path of the scenario file.
   * {@link #environmentHash()} is the SHA-256 of that source's bytes, so an evaluation can tell
   * whether the file is still the one trained on.
   */
  public static final String SCENARIO_SOURCE = "scenario_source";

  /**
   * Returns where the training scenario came from (a built-in name or a file path), or null for
   * bundles from before the record, which name only the scenario ({@code
   * config().get("scenario")}).
   */
  public String scenarioSource() {
    Object source = config.get(SCENARIO_SOURCE);
    return source == null ? null : source.toString();
  }

  /**
   * Key of {@link #config()} listing the observations the policy reads that are computed from
   * others (tracking errors, error integrals, filters, previous actions, setpoint previews; see
   * {@code ObservationDesign}) rather than measured: a plant has no tags for them.
   */
  public static final String DERIVED_OBSERVATIONS = "derived_observations";

  /**
   * Returns the names of the observations computed from others, as recorded at training (empty for
   * a policy that reads only measurements and setpoints, and for bundles from before the record).
   */
  public List<String> derivedObservations() {
    Object names = config.get(DERIVED_OBSERVATIONS);
    if (names == null) {
      return List.of();
    }
    if (names instanceof List<?> list) {
      return list.stream().map(String::valueOf).toList();
    }
    throw new IllegalArgumentException(
        DERIVED_OBSERVATIONS + " must be a list of signal names, got " + names);
  }

  /**
   * Key of {@link #config()} saying that the network chooses inside the shield's admissible box:
   * value {@code shield}. Its output in {@code [-1, 1]} per action is mapped onto the box, and it
   * reads the box as the observations listed under {@link #SHIELD_OBSERVATIONS}, which the runner
   * computes with the deciding shield ({@code org.safeloop.shield.AdmissibleActionPolicy}).
   */
  public static final String ACTION_MAPPING = "action_mapping";

  /**
   * Key of {@link #config()} listing, for a bundle with {@link #ACTION_MAPPING}, the observations
   * the shield's box provides: the last ones of {@link #observations()}, low then high per action.
   */
  public static final String SHIELD_OBSERVATIONS = "shield_observations";

  /**
   * Key of {@link #config()} naming the shield trained with (a built-in name or a file path), whose
   * SHA-256 is {@link #shieldHash()}: an action-mapping bundle needs a shield to run.
   */
  public static final String SHIELD_SOURCE = "shield_source";

  /** Returns {@code shield} for a bundle that maps its actions into the shield's box, else null. */
  public String actionMapping() {
    Object m = config.get(ACTION_MAPPING);
    return m == null ? null : m.toString();
  }

  /** Returns the shield the policy was trained with (name or path), or null when not recorded. */
  public String shieldSource() {
    Object source = config.get(SHIELD_SOURCE);
    return source == null ? null : source.toString();
  }

  /**
   * Returns the observations the plant or environment provides: all of {@link #observations()} but
   * the shield's box for an action-mapping bundle.
   */
  public List<SignalSpec> plantObservations() {
    if (actionMapping() == null) {
      return observations;
    }
    return observations.subList(0, observations.size() - 2 * actions.size());
  }

  private static void requireShieldMapping(
      Map<String, Object> config, List<SignalSpec> observations, List<SignalSpec> actions) {
    Object mapping = config.get(ACTION_MAPPING);
    if (!"shield".equals(String.valueOf(mapping))) {
      throw new IllegalArgumentException(
          ACTION_MAPPING + " must be 'shield', got '" + mapping + "'");
    }
    if (config.containsKey(RESIDUAL_BASE)) {
      throw new IllegalArgumentException(
          "a bundle is either a residual or maps into the shield's box, not both");
    }
    Object names = config.get(SHIELD_OBSERVATIONS);
    List<String> expected = new ArrayList<>();
    int first = observations.size() - 2 * actions.size();
    for (int j = Math.max(0, first); j < observations.size(); j++) {
      expected.add(observations.get(j).name());
    }
    if (first < 0
        || !(names instanceof List<?> list)
        || !list.stream().map(String::valueOf).toList().equals(expected)) {
      throw new IllegalArgumentException(
          SHIELD_OBSERVATIONS
              + " must name the last "
              + 2 * actions.size()
              + " observations (the shield's box, low and high per action), got "
              + names);
    }
  }

  /**
   * Key of {@link #config()} with the record of a post-training quantisation ({@link
   * Int8Quantizer}): the scheme, the calibration (observations, scenario, seeds) and the SHA-256 of
   * the full-precision bundle it came from. Absent for a bundle as trained.
   */
  public static final String QUANTIZATION = "quantization";

  /**
   * Returns this bundle with another configuration and network (signals, normalisation, squashing
   * and provenance kept): a quantised copy, or a test's variant.
   */
  public PolicyBundle with(Map<String, Object> newConfig, MlpWeights newNetwork) {
    return new PolicyBundle(
        algorithm,
        newConfig,
        observations,
        actions,
        normalisation,
        newNetwork,
        outputSquashing,
        environmentHash,
        shieldHash,
        seed,
        metrics);
  }

  /** Returns the quantisation record (names to values), or null for a bundle as trained. */
  public Map<?, ?> quantization() {
    return config.get(QUANTIZATION) instanceof Map<?, ?> m ? m : null;
  }

  /**
   * Key of {@link #config()} with the observation design of a policy that reads derived
   * observations ({@code ObservationDesign#toRecord}): what a runner needs to compute them from the
   * plant's signals with the same {@code ObservationBuilder} as in training.
   */
  public static final String OBSERVATION_DESIGN = "observation_design";

  /**
   * Returns the observation design that computes this policy's derived observations from the
   * plant's signals, or null for a policy that reads only measurements and setpoints.
   *
   * @throws IllegalArgumentException for a bundle that reads derived observations but does not
   *     record how they are computed (from before the record), or whose record does not give its
   *     observations
   */
  public ObservationDesign observationDesign() {
    List<String> derived = derivedObservations();
    if (derived.isEmpty()) {
      return null;
    }
    if (!(config.get(OBSERVATION_DESIGN) instanceof Map<?, ?> record)) {
      throw new IllegalArgumentException(
          "the bundle reads derived observations "
              + derived
              + " but does not record how they are computed ("
              + OBSERVATION_DESIGN
              + "; a bundle from before the record): retrain it");
    }
    List<SignalSpec> observed = plantObservations();
    SignalSpace plant = new SignalSpace(observed.subList(0, observed.size() - derived.size()));
    ObservationDesign design =
        ObservationDesign.fromRecord(record, plant, new SignalSpace(actions));
    if (!design.space().signals().equals(observed)) {
      throw new IllegalArgumentException(
          "the bundle's "
              + OBSERVATION_DESIGN
              + " gives observations "
              + design.space().names()
              + " but the policy reads "
              + names(observed));
    }
    return design;
  }

  /**
   * Refuses to run this policy where its signals do not match: names, order, units and ranges of
   * the plant's observations ({@link #plantObservations()}) and of the actions must equal those of
   * the environment or plant.
   *
   * @param where what the policy is used with, for the message (e.g. {@code scenario cstr-tracking}
   *     or {@code plant file plant.yaml})
   * @throws IllegalArgumentException listing every mismatch with both sides
   */
  public void requireCompatible(
      SignalSpace observationSpace, SignalSpace actionSpace, String where) {
    List<String> problems = new ArrayList<>();
    compare("observation", plantObservations(), observationSpace.signals(), where, problems);
    compare("action", actions, actionSpace.signals(), where, problems);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          "the policy bundle ("
              + algorithm
              + ") does not fit "
              + where
              + ": "
              + String.join("; ", problems));
    }
  }

  private static void compare(
      String kind,
      List<SignalSpec> bundle,
      List<SignalSpec> other,
      String where,
      List<String> problems) {
    if (bundle.size() != other.size()) {
      problems.add(
          kind + "s: the bundle has " + names(bundle) + ", " + where + " has " + names(other));
      return;
    }
    for (int i = 0; i < bundle.size(); i++) {
      SignalSpec b = bundle.get(i);
      SignalSpec o = other.get(i);
      if (!b.name().equals(o.name())) {
        problems.add(
            kind
                + " "
                + i
                + " is '"
                + b.name()
                + "' in the bundle but '"
                + o.name()
                + "' in "
                + where);
      } else if (!b.unit().equals(o.unit())) {
        problems.add(
            kind
                + " "
                + b.name()
                + " is in ["
                + b.unit()
                + "] in the bundle but ["
                + o.unit()
                + "] in "
                + where);
      } else if (b.min() != o.min() || b.max() != o.max()) {
        problems.add(
            kind
                + " "
                + b.name()
                + " ranges over ["
                + b.min()
                + ", "
                + b.max()
                + "] in the bundle but ["
                + o.min()
                + ", "
                + o.max()
                + "] in "
                + where);
      }
    }
  }

  private static List<String> names(List<SignalSpec> specs) {
    return specs.stream().map(SignalSpec::name).toList();
  }
}
