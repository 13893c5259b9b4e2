package org.safeloop.policy;

import java.util.function.Function;
import java.util.function.Supplier;
import org.safeloop.env.SignalSpace;
import org.safeloop.env.control.Policy;
import org.safeloop.env.control.ResidualPolicy;

/**
 * The policy a bundle deploys: its network's forward pass ({@link MlpPolicy}), or for a residual
 * bundle that correction added to its base controller's move ({@link ResidualPolicy}), the same sum
 * the agent trained on. Every place that runs a bundle (evaluation, the bridge) builds it here.
 */
public final class BundlePolicies {
  private BundlePolicies() {}

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
   * @param pid the PI(D) loops of the scenario the bundle runs on, for a residual on {@code pid}
   *     (asked for only then)
   * @return a new policy (stateful: one per episode runner)
   * @throws IllegalArgumentException for a base controller this version does not know
   */
  public static Policy of(PolicyBundle bundle, Supplier<? extends Policy> pid) {
    return of(bundle, pid, MlpPolicy::new);
  }

  /**
   * Returns the policy of {@code bundle} with its network run by {@code network}: the pure-Java
   * forward pass, or another runtime computing the same function (an exported ONNX model).
   *
   * @param bundle the bundle
   * @param pid the PI(D) loops, for a residual on {@code pid} (asked for only then)
   * @param network makes the network's policy: observations to the bundle's {@link
   *     PolicyBundle#networkActions()}
   * @return a new policy (stateful: one per episode runner)
   * @throws IllegalArgumentException for a base controller this version does not know
   */
  public static Policy of(
      PolicyBundle bundle,
      Supplier<? extends Policy> pid,
      Function<PolicyBundle, ? extends Policy> network) {
    String base = bundle.residualBase();
    if (base == null) {
      return network.apply(bundle);
    }
    requireKnownBase(bundle);
    return new ResidualPolicy(
        pid.get(),
        network.apply(bundle),
        new SignalSpace(bundle.actions()),
        bundle.residualBound());
  }

  /**
   * Refuses a residual bundle on a base controller this version cannot run (only {@code pid}).
   *
   * @throws IllegalArgumentException naming the base
   */
  public static void requireKnownBase(PolicyBundle bundle) {
    String base = bundle.residualBase();
    if (base != null && !base.equals("pid")) {
      throw new IllegalArgumentException(
          "the bundle is a residual on '" + base + "', which this version cannot run (only pid)");
    }
  }
}
