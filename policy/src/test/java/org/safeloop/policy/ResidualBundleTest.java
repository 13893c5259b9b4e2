package org.safeloop.policy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.env.Observation;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.StepResult;
import org.safeloop.env.control.Policy;
import org.safeloop.env.control.ResidualPolicy;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;

/**
 * A residual bundle records its base and bound, survives saving and loading, scales its network to
 * plus or minus the bound, and runs as base plus correction; a bundle that names a residual base
 * without a usable bound is refused.
 */
class ResidualBundleTest {
  @TempDir Path dir;
  private final Scenario scenario = Scenarios.load("cstr-constrained");

  private PolicyBundle residual(PolicyBundle plain, Object bound) {
    Map<String, Object> config = new HashMap<>(plain.config());
    config.put(PolicyBundle.RESIDUAL_BASE, "pid");
    if (bound != null) {
      config.put(PolicyBundle.RESIDUAL_BOUND, bound);
    }
    return new PolicyBundle(
        plain.algorithm(),
        config,
        plain.observations(),
        plain.actions(),
        plain.normalisation(),
        plain.network(),
        plain.outputSquashing(),
        plain.environmentHash(),
        plain.shieldHash(),
        plain.seed(),
        plain.metrics());
  }

  @Test
  void aResidualBundleRunsThePidPlusABoundedCorrectionAfterARoundTrip() {
    PolicyBundle plain = PolicyBundlesTest.randomBundle(scenario, 3, PolicyBundle.SQUASH_TANH);
    PolicyBundle bundle = residual(plain, List.of(2.5));
    Path file = dir.resolve("residual.bundle");
    PolicyBundles.save(bundle, file);
    PolicyBundle loaded = PolicyBundles.load(file);

    assertEquals("pid", loaded.residualBase());
    assertArrayEquals(new double[] {2.5}, loaded.residualBound(), 0.0);
    assertEquals(-2.5, loaded.networkActions().get(0).min());
    assertEquals(scenario.actionSpace().signals(), loaded.actions(), "actions stay the actuators'");

    Policy policy = BundlePolicies.of(loaded, scenario::baselineController);
    assertTrue(policy instanceof ResidualPolicy);
    Policy pid = scenario.baselineController();
    MlpPolicy network = new MlpPolicy(loaded);
    ProcessEnvironment env = scenario.createEnvironment(true, null);
    Observation o = env.reset(5L);
    boolean corrected = false;
    for (int k = 0; k < 40; k++) {
      double[] a = policy.act(o);
      double base = pid.act(o)[0];
      double correction = network.act(o)[0];
      assertTrue(Math.abs(correction) <= 2.5 + 1e-12, "network output " + correction);
      assertEquals(Math.max(290.0, Math.min(310.0, base + correction)), a[0], 1e-9);
      corrected |= Math.abs(a[0] - base) > 1e-3;
      StepResult r = env.step(a);
      policy.applied(r.info().appliedAction());
      pid.applied(r.info().appliedAction());
      o = r.observation();
    }
    assertTrue(corrected, "a random network corrects the PID somewhere");
  }

  @Test
  void aPlainBundleIsItsNetworkAlone() {
    PolicyBundle plain = PolicyBundlesTest.randomBundle(scenario, 3, PolicyBundle.SQUASH_TANH);
    assertEquals(null, plain.residualBase());
    assertEquals(plain.actions(), plain.networkActions());
    assertTrue(BundlePolicies.of(plain, scenario::baselineController) instanceof MlpPolicy);
  }

  @Test
  void aResidualBaseWithoutAUsableBoundIsRefused() {
    PolicyBundle plain = PolicyBundlesTest.randomBundle(scenario, 3, PolicyBundle.SQUASH_TANH);
    for (Object bad : new Object[] {null, "2.5", List.of(), List.of(2.5, 1.0), List.of(-1.0)}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> residual(plain, bad), "" + bad);
      assertTrue(e.getMessage().contains(PolicyBundle.RESIDUAL_BOUND), e.getMessage());
    }
  }

  @Test
  void aResidualOnABaseThisVersionDoesNotKnowIsRefusedByName() {
    PolicyBundle plain = PolicyBundlesTest.randomBundle(scenario, 3, PolicyBundle.SQUASH_TANH);
    Map<String, Object> config = new HashMap<>(residual(plain, List.of(2.5)).config());
    config.put(PolicyBundle.RESIDUAL_BASE, "mpc");
    PolicyBundle unknown =
        new PolicyBundle(
            plain.algorithm(),
            config,
            plain.observations(),
            plain.actions(),
            plain.normalisation(),
            plain.network(),
            plain.outputSquashing(),
            "",
            "",
            0,
            Map.of());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> BundlePolicies.of(unknown, scenario::baselineController));
    assertTrue(e.getMessage().contains("'mpc'"), e.getMessage());
  }
}
