package org.safeloop.policy;

import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.safeloop.env.SignalSpace;
import org.safeloop.env.control.Policy;
import org.safeloop.env.control.ResidualPolicy;
import org.safeloop.env.mpc.EstimatingNmpc;
import org.safeloop.env.scenario.Scenario;

/**
 * The policy a bundle deploys: its network's forward pass ({@link MlpPolicy}), or for a residual
 * bundle that correction added to its base controller's move ({@link ResidualPolicy}), the same sum
 * the agent trained on. Every place that runs a bundle (evaluation, the bridge) builds it here, and
 * training builds its residual's base here too ({@link #baseController}), so that the bundle alone
 * says what runs.
 */
public final class BundlePolicies {
  /**
   * The base controllers a residual policy may have: {@code pid}, the scenario's PI(D) loops, and
   * {@code nmpc}, the model-predictive controller on Kalman-filter estimates ({@link
   * EstimatingNmpc}). Both run on the scenario alone (Hipparchus, no DJL), so the bridge runs them.
   */
  public static final List<String> RESIDUAL_BASES = List.of("pid", "nmpc");

  private BundlePolicies() {}

  /**
   * Returns a fresh base controller for a residual policy on {@code scenario}.
   *
   * @param base one of {@link #RESIDUAL_BASES}
   * @param scenario the scenario the residual runs on (the bundle's, or the shield's at a plant)
   * @return a new controller (stateful: one per episode runner)
   * @throws IllegalArgumentException for a base this version does not know
   * @throws IllegalStateException for {@code pid} on a scenario that declares no controller
   */
  public static Policy baseController(String base, Scenario scenario) {
    return switch (base) {
      case "pid" -> scenario.baselineController();
      case "nmpc" -> new EstimatingNmpc(scenario);
      default -> throw unknownBase(base);
    };
  }

  /**
   * Returns the bundle a policy of {@link #of} runs (its network's, for a residual), or null for a
   * policy that is not a bundle's (a PID, an object in the process).
   */
  public static PolicyBundle bundleOf(Policy policy) {
    if (policy instanceof ResidualPolicy residual) {
      policy = residual.correction();
    }
    return policy instanceof MlpPolicy mlp ? mlp.bundle() : null;
  }

  /**
   * Returns the policy of {@code bundle}.
   *
   * @param bundle the bundle
   * @param scenario the scenario the bundle runs on, for a residual's base controller ({@link
   *     #baseController}; asked for only then)
   * @return a new policy (stateful: one per episode runner)
   * @throws IllegalArgumentException for a base controller this version does not know
   */
  public static Policy of(PolicyBundle bundle, Supplier<Scenario> scenario) {
    return of(bundle, scenario, MlpPolicy::new);
  }

  /**
   * Returns the policy of {@code bundle} with its network run by {@code network}: the pure-Java
   * forward pass, or another runtime computing the same function (an exported ONNX model).
   *
   * @param bundle the bundle
   * @param scenario the scenario the bundle runs on, for a residual's base controller (asked for
   *     only then)
   * @param network makes the network's policy: observations to the bundle's {@link
   *     PolicyBundle#networkActions()}
   * @return a new policy (stateful: one per episode runner)
   * @throws IllegalArgumentException for a base controller this version does not know
   */
  public static Policy of(
      PolicyBundle bundle,
      Supplier<Scenario> scenario,
      Function<PolicyBundle, ? extends Policy> network) {
    String base = bundle.residualBase();
    if (base == null) {
      return network.apply(bundle);
    }
    requireKnownBase(bundle);
    return new ResidualPolicy(
        baseController(base, scenario.get()),
        network.apply(bundle),
        new SignalSpace(bundle.actions()),
        bundle.residualBound());
  }

  /**
   * Refuses a residual bundle on a base controller this version cannot run (one not in {@link
   * #RESIDUAL_BASES}).
   *
   * @throws IllegalArgumentException naming the base
   */
  public static void requireKnownBase(PolicyBundle bundle) {
    String base = bundle.residualBase();
    if (base != null && !RESIDUAL_BASES.contains(base)) {
      throw unknownBase(base);
    }
  }

  private static IllegalArgumentException unknownBase(String base) {
    return new IllegalArgumentException(
        "the bundle is a residual on '"
            + base
            + "', which this version cannot run (only "
            + String.join(", ", RESIDUAL_BASES)
            + ")");
  }
}
