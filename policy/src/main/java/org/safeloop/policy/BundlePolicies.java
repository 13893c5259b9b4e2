package org.safeloop.policy;

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
    String base = bundle.residualBase();
    if (base == null) {
      return new MlpPolicy(bundle);
    }
    if (!base.equals("pid")) {
      throw new IllegalArgumentException(
          "the bundle is a residual on '" + base + "', which this version cannot run (only pid)");
    }
    return new ResidualPolicy(
        pid.get(),
        new MlpPolicy(bundle),
        new SignalSpace(bundle.actions()),
        bundle.residualBound());
  }
}
