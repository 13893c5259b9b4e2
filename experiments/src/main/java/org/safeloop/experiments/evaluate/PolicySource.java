package org.safeloop.experiments.evaluate;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.safeloop.agent.baseline.PiTuner;
import org.safeloop.env.SignalSpace;
import org.safeloop.env.control.PidPolicy;
import org.safeloop.env.control.Policy;
import org.safeloop.env.mpc.EstimatingNmpc;
import org.safeloop.env.mpc.NmpcOracle;
import org.safeloop.env.mpc.NmpcSettings;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;
import org.safeloop.policy.BundlePolicies;
import org.safeloop.policy.PolicyBundle;
import org.safeloop.policy.PolicyBundles;
import org.safeloop.shield.AdmissibleActionPolicy;
import org.safeloop.shield.SafetyShield;
import org.safeloop.shield.Shields;

/**
 * Names a policy to evaluate and makes fresh instances of it: {@code pid} (the scenario's PI
 * loops), {@code pid-simc} (a PI tuned by SIMC from a step test on the model), {@code nmpc} (the
 * same NMPC on Kalman-filter estimates from the measurements, current set point only: a deployable
 * controller, evaluated like the PID), {@code nmpc-preview} (the same with a preview of the
 * set-point schedule: {@link #previewSteps(Scenario) as many steps} as the scenario's observation
 * shows the agent, or the NMPC's whole horizon on a scenario without a preview), {@code oracle}
 * (the NMPC oracle: nominal model, true state, perfect preview; noise-free evaluation only), {@code
 * oracle-no-preview} (the oracle holding the set point in force over its horizon; noise-free too)
 * or the path of a policy bundle (run with the pure-Java forward pass, as deployed).
 *
 * @param label the name used in tables and file names
 * @param bundle the bundle when the source is one, else null
 * @param oracle true for the NMPC oracle, with or without preview (it reads the true state, so it
 *     runs noise-free and unshielded)
 * @param factory makes a fresh policy for one episode
 */
public record PolicySource(
    String label, PolicyBundle bundle, boolean oracle, Supplier<Policy> factory) {

  /** The baseline names accepted besides bundle paths. */
  public static final List<String> BASELINES =
      List.of("pid", "pid-simc", "nmpc", "nmpc-preview", "oracle", "oracle-no-preview");

  /**
   * Resolves {@code nameOrBundle} for {@code scenario}.
   *
   * @throws IllegalArgumentException for an unknown name, a missing or corrupt bundle, or a bundle
   *     whose signals do not fit the scenario (the message says which)
   */
  public static PolicySource of(String nameOrBundle, Scenario scenario) {
    switch (nameOrBundle) {
      case "pid":
        scenario.baselineController(); // fails clearly when the scenario has none
        return new PolicySource("pid", null, false, scenario::baselineController);
      case "pid-simc":
        {
          var tuning = PiTuner.tune(scenario).config();
          return new PolicySource(
              "pid-simc",
              null,
              false,
              () ->
                  new PidPolicy(
                      List.of(tuning),
                      scenario.observationSpace(),
                      scenario.actionSpace(),
                      scenario.controlInterval(),
                      scenario.initialInput()));
        }
      case "nmpc":
        return new PolicySource("nmpc", null, false, () -> new EstimatingNmpc(scenario));
      case "nmpc-preview":
        {
          int preview = previewSteps(scenario);
          return new PolicySource(
              "nmpc-preview", null, false, () -> EstimatingNmpc.withPreview(scenario, preview));
        }
      case "oracle":
        return new PolicySource("oracle", null, true, () -> new NmpcOracle(scenario));
      case "oracle-no-preview":
        return new PolicySource(
            "oracle-no-preview",
            null,
            true,
            () -> new NmpcOracle(scenario, NmpcSettings.defaults(), 0));
      default:
        Path file = Path.of(nameOrBundle);
        if (!Files.isRegularFile(file)) {
          throw new IllegalArgumentException(
              "--policy "
                  + nameOrBundle
                  + ": no such bundle file; give a policy bundle or one of "
                  + BASELINES);
        }
        PolicyBundle bundle = PolicyBundles.load(file);
        bundle.requireCompatible(
            scenario.observationSpace(), scenario.actionSpace(), "scenario " + scenario.name());
        return new PolicySource(
            bundle.algorithm(), bundle, false, () -> BundlePolicies.of(bundle, () -> scenario));
    }
  }

  /**
   * Returns how many steps of the set-point schedule {@code nmpc-preview} sees on {@code scenario}:
   * those its observation shows a learned policy ({@code observation.preview.steps}), so that the
   * two compare on the same information, or the NMPC's whole horizon (10 steps) when the scenario
   * shows no preview.
   */
  public static int previewSteps(Scenario scenario) {
    int shown = scenario.observationDesign().previewSteps();
    return shown > 0 ? shown : NmpcSettings.defaults().horizon();
  }

  /**
   * Makes a fresh policy for one episode. A bundle that chooses inside the shield's admissible box
   * ({@link PolicyBundle#actionMapping()}) is wrapped in {@link AdmissibleActionPolicy} on {@code
   * shield}, the shield that decides its moves, or, when it runs without one, on a fresh copy of
   * the shield it was trained with.
   *
   * @param shield the shield that decides this episode's moves, or null
   * @param observationSpace the space of the observations the policy receives
   * @param initialAction the actuator position at the start of the episode
   * @throws IllegalArgumentException for an action-mapping bundle without a shield to ask
   */
  public Policy newPolicy(
      SafetyShield shield, SignalSpace observationSpace, double[] initialAction) {
    Policy policy = factory.get();
    if (bundle == null || bundle.actionMapping() == null) {
      return policy;
    }
    SafetyShield box = shield;
    if (box == null) {
      if (bundle.shieldSource() == null) {
        throw new IllegalArgumentException(
            "the bundle chooses inside a shield's admissible box but does not name its shield;"
                + " give --shield");
      }
      box = Shields.load(bundle.shieldSource());
    }
    return new AdmissibleActionPolicy(policy, box, observationSpace, initialAction);
  }

  /**
   * Loads the scenario {@code bundle} was trained on: the built-in scenario it names, or the
   * scenario file it recorded ({@link PolicyBundle#SCENARIO_SOURCE}) after checking that the file
   * still has the SHA-256 recorded at training ({@link PolicyBundle#environmentHash()}).
   *
   * @param bundleFile the bundle's path, for messages
   * @throws IllegalArgumentException when the bundle names no scenario, when its scenario file is
   *     gone or changed (naming the path and both hashes), or when an old bundle names a scenario
   *     that is not built in and did not record its file
   */
  public static Scenario trainedScenario(PolicyBundle bundle, Path bundleFile) {
    String source = bundle.scenarioSource();
    if (source == null || Scenarios.builtInNames().contains(source)) {
      Object name = source != null ? source : bundle.config().get("scenario");
      if (name == null) {
        throw new IllegalArgumentException(
            "bundle "
                + bundleFile
                + " does not say which scenario it was trained on; give --scenario");
      }
      if (!Scenarios.builtInNames().contains(name.toString())) {
        throw new IllegalArgumentException(
            "bundle "
                + bundleFile
                + " was trained on scenario '"
                + name
                + "', which is not built in, and does not record the scenario file (a bundle"
                + " from before scenario_source); give --scenario FILE");
      }
      return Scenarios.load(name.toString());
    }
    Path file = Path.of(source);
    String recorded = bundle.environmentHash();
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(
          "bundle "
              + bundleFile
              + " was trained on scenario file "
              + file
              + " (sha256 "
              + recorded
              + "), which no longer exists; give --scenario to evaluate on another");
    }
    String current;
    try {
      current = PolicyBundles.sha256(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read scenario file " + file, e);
    }
    if (!recorded.isEmpty() && !recorded.equals(current)) {
      throw new IllegalArgumentException(
          "scenario file "
              + file
              + " changed since bundle "
              + bundleFile
              + " was trained on it: sha256 at training "
              + recorded
              + ", now "
              + current
              + "; give --scenario "
              + file
              + " to evaluate on the file as it is now");
    }
    return Scenarios.load(file);
  }

  /** Wraps a policy made elsewhere (e.g. by a test). */
  public static PolicySource of(String label, Supplier<Policy> factory) {
    return new PolicySource(label, null, false, factory);
  }
}
