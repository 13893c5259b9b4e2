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
import org.safeloop.env.mpc.EstimatingNmpc;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;

/**
 * A residual bundle records its base (the PID or the NMPC) and bound, survives saving and loading,
 * scales its network to plus or minus the bound, and runs as base plus correction; a bundle that
 * names a residual base without a usable bound is refused.
 */
class ResidualBundleTest {
  @TempDir Path dir;
  private final Scenario scenario = Scenarios.load("cstr-constrained");

  private PolicyBundle residual(PolicyBundle plain, Object bound) {
    return residual(plain, "pid", bound);
  }

  private PolicyBundle residual(PolicyBundle plain, String base, Object bound) {
    Map<String, Object> config = new HashMap<>(plain.config());
    config.put(PolicyBundle.RESIDUAL_BASE, base);
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
    PolicyBundle loaded = roundTrip("pid", 2.5);
    assertRunsBasePlusCorrection(loaded, scenario.baselineController(), 40);
  }

  @Test
  void aResidualBundleOnTheNmpcRunsTheNmpcPlusABoundedCorrectionAfterARoundTrip() {
    PolicyBundle loaded = roundTrip("nmpc", 2.5);
    // The same controller, fed the same observations and told the same applied moves, is the
    // base the bundle's policy must add its correction to. 12 steps: an NMPC step costs ~10 ms.
    assertRunsBasePlusCorrection(loaded, new EstimatingNmpc(scenario), 12);
  }

  /** Saves a residual on {@code base} with a random network and loads it again. */
  private PolicyBundle roundTrip(String base, double bound) {
    PolicyBundle plain = PolicyBundlesTest.randomBundle(scenario, 3, PolicyBundle.SQUASH_TANH);
    Path file = dir.resolve("residual-" + base + ".bundle");
    PolicyBundles.save(residual(plain, base, List.of(bound)), file);
    PolicyBundle loaded = PolicyBundles.load(file);

    assertEquals(base, loaded.residualBase());
    assertArrayEquals(new double[] {bound}, loaded.residualBound(), 0.0);
    assertEquals(-bound, loaded.networkActions().get(0).min());
    assertEquals(scenario.actionSpace().signals(), loaded.actions(), "actions stay the actuators'");
    return loaded;
  }

  /**
   * Runs the bundle's policy for {@code steps} steps of a noisy episode beside {@code base} and its
   * network, and checks each move is the base's plus the clamped correction, clipped to the range.
   */
  private void assertRunsBasePlusCorrection(PolicyBundle loaded, Policy base, int steps) {
    double bound = loaded.residualBound()[0];
    Policy policy = BundlePolicies.of(loaded, () -> scenario);
    assertTrue(policy instanceof ResidualPolicy);
    MlpPolicy network = new MlpPolicy(loaded);
    ProcessEnvironment env = scenario.createEnvironment(true, null);
    Observation o = env.reset(5L);
    boolean corrected = false;
    for (int k = 0; k < steps; k++) {
      double[] a = policy.act(o);
      double baseMove = base.act(o)[0];
      double correction = network.act(o)[0];
      assertTrue(Math.abs(correction) <= bound + 1e-12, "network output " + correction);
      assertEquals(Math.max(290.0, Math.min(310.0, baseMove + correction)), a[0], 1e-9);
      corrected |= Math.abs(a[0] - baseMove) > 1e-3;
      StepResult r = env.step(a);
      policy.applied(r.info().appliedAction());
      base.applied(r.info().appliedAction());
      o = r.observation();
    }
    assertTrue(corrected, "a random network corrects the base somewhere");
  }

  @Test
  void aPlainBundleIsItsNetworkAlone() {
    PolicyBundle plain = PolicyBundlesTest.randomBundle(scenario, 3, PolicyBundle.SQUASH_TANH);
    assertEquals(null, plain.residualBase());
    assertEquals(plain.actions(), plain.networkActions());
    assertTrue(BundlePolicies.of(plain, () -> scenario) instanceof MlpPolicy);
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
            IllegalArgumentException.class, () -> BundlePolicies.of(unknown, () -> scenario));
    assertTrue(e.getMessage().contains("'mpc'"), e.getMessage());
  }
}
