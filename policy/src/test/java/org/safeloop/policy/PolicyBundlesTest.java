package org.safeloop.policy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.env.Observation;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;

class PolicyBundlesTest {
  @TempDir Path dir;

  /** A random 2-layer tanh network for the CSTR's 3 observations and 1 action. */
  static PolicyBundle randomBundle(Scenario scenario, long seed, String squash) {
    SplittableRandom random = new SplittableRandom(seed);
    int in = scenario.observationSpace().size();
    int hidden = 8;
    int out = scenario.actionSpace().size();
    float[][] w1 = new float[hidden][in];
    float[] b1 = new float[hidden];
    float[][] w2 = new float[out][hidden];
    float[] b2 = new float[out];
    for (float[] row : w1) {
      for (int c = 0; c < in; c++) {
        row[c] = (float) random.nextGaussian();
      }
    }
    for (int r = 0; r < hidden; r++) {
      b1[r] = (float) (0.1 * random.nextGaussian());
    }
    for (float[] row : w2) {
      for (int c = 0; c < hidden; c++) {
        row[c] = (float) (0.5 * random.nextGaussian());
      }
    }
    double[] mean = new double[in];
    double[] std = new double[in];
    for (int i = 0; i < in; i++) {
      mean[i] = 0.1 * random.nextGaussian();
      std[i] = 0.5 + random.nextDouble();
    }
    return new PolicyBundle(
        "test",
        Map.of("learning_rate", 3e-4, "hidden", List.of(8)),
        scenario.observationSpace().signals(),
        scenario.actionSpace().signals(),
        new Normalisation(mean, std, 5.0),
        new MlpWeights("tanh", List.of(w1, w2), List.of(b1, b2)),
        squash,
        "env-hash",
        "",
        seed,
        Map.of("return", -12.5));
  }

  @Test
  void aBundleRecordsItsDerivedObservationsAndItsPolicyActsOnTheSimulatedObservation()
      throws IOException {
    Path scenarioFile = dir.resolve("tracking-observed.yaml");
    try (var in = getClass().getClassLoader().getResourceAsStream("scenarios/cstr-tracking.yaml")) {
      Files.write(scenarioFile, in.readAllBytes());
    }
    Files.writeString(
        scenarioFile,
        "observation: {tracking_error: true, previous_action: true, preview: {steps: 2}}\n",
        java.nio.file.StandardOpenOption.APPEND);
    Scenario scenario = Scenarios.load(scenarioFile);
    PolicyBundle plain = randomBundle(scenario, 5, PolicyBundle.SQUASH_CLIP);
    assertEquals(List.of(), plain.derivedObservations(), "nothing recorded, nothing derived");
    Map<String, Object> config = new java.util.LinkedHashMap<>(plain.config());
    config.put(PolicyBundle.DERIVED_OBSERVATIONS, scenario.observationDesign().derivedSignals());
    PolicyBundle bundle =
        new PolicyBundle(
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
    Path file = dir.resolve("observed.bundle");
    PolicyBundles.save(bundle, file);
    PolicyBundle loaded = PolicyBundles.load(file);
    assertEquals(
        List.of("Ca_error", "Tc_previous", "Ca_setpoint_ahead_1", "Ca_setpoint_ahead_2"),
        loaded.derivedObservations());
    double[] action = new MlpPolicy(loaded).act(scenario.createEnvironment().reset(0));
    assertTrue(action[0] >= 295 && action[0] <= 302, "inside the actuator range: " + action[0]);
  }

  @Test
  void aSavedBundleLoadsBackAndActsIdentically() {
    Scenario scenario = Scenarios.load("cstr-tracking");
    PolicyBundle bundle = randomBundle(scenario, 3, PolicyBundle.SQUASH_TANH);
    Path file = dir.resolve("policy.bundle");
    PolicyBundles.save(bundle, file);
    PolicyBundle loaded = PolicyBundles.load(file);
    assertEquals(bundle, loaded);
    MlpPolicy a = new MlpPolicy(bundle);
    MlpPolicy b = new MlpPolicy(loaded);
    ProcessEnvironment env = scenario.createEnvironment();
    Observation o = env.reset(1);
    for (int k = 0; k < 60; k++) {
      double[] action = a.act(o);
      assertArrayEquals(action, b.act(o), 0.0);
      o = env.step(action).observation();
    }
  }

  @Test
  void thePureJavaForwardMatchesAHandComputation() {
    // One input, one hidden tanh unit, one output, clip squashing: easy to follow by hand.
    var obs = List.of(new org.safeloop.env.SignalSpec("x", "", 0.0, 1.0));
    var act = List.of(new org.safeloop.env.SignalSpec("u", "", 0.0, 10.0));
    PolicyBundle bundle =
        new PolicyBundle(
            "hand",
            Map.of(),
            obs,
            act,
            new Normalisation(new double[] {0.5}, new double[] {2.0}, 5.0),
            new MlpWeights(
                "tanh",
                List.of(new float[][] {{2f}}, new float[][] {{0.5f}}),
                List.of(new float[] {0.25f}, new float[] {0.1f})),
            PolicyBundle.SQUASH_CLIP,
            "",
            "",
            0,
            Map.of());
    double x = 0.75;
    double scaled = 2 * x - 1; // onto [-1, 1]
    double z = (scaled - 0.5) / 2.0;
    double y = 0.5 * Math.tanh(2 * z + 0.25) + (double) 0.1f; // weights are float32
    double expected = 0.5 * (Math.max(-1, Math.min(1, y)) + 1) * 10.0;
    double[] out = new double[1];
    new MlpPolicy(bundle).act(new double[] {x}, out);
    assertEquals(expected, out[0], 1e-12);
    new MlpPolicy(bundle).act(new double[] {Double.NaN}, out);
    assertTrue(Double.isFinite(out[0]), "a dropout enters as the running mean");
  }

  @Test
  void aCorruptedBundleIsRefusedWithAClearMessage() throws IOException {
    Scenario scenario = Scenarios.load("cstr-tracking");
    Path file = dir.resolve("policy.bundle");
    PolicyBundles.save(randomBundle(scenario, 4, PolicyBundle.SQUASH_CLIP), file);
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 0x5A;
    Files.write(file, bytes);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> PolicyBundles.load(file));
    assertTrue(
        e.getMessage().contains("corrupted") || e.getMessage().contains("unreadable"),
        e.getMessage());

    Files.writeString(file, "not a bundle");
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> PolicyBundles.load(file))
            .getMessage()
            .contains("not a policy bundle"));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> PolicyBundles.load(dir.resolve("none")))
            .getMessage()
            .contains("not found"));
  }

  @Test
  void aBundleForAnotherProcessIsRefusedNamingBothSides() {
    PolicyBundle bundle =
        randomBundle(Scenarios.load("cstr-tracking"), 5, PolicyBundle.SQUASH_CLIP);
    Scenario constrained = Scenarios.load("cstr-constrained");
    IllegalArgumentException range =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                bundle.requireCompatible(
                    constrained.observationSpace(),
                    constrained.actionSpace(),
                    "scenario cstr-constrained"));
    assertTrue(
        range
            .getMessage()
            .contains(
                "action Tc ranges over [295.0, 302.0] in the bundle but [290.0, 310.0] in scenario cstr-constrained"),
        range.getMessage());
    Scenario tanks = Scenarios.load("four-tank");
    IllegalArgumentException names =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                bundle.requireCompatible(
                    tanks.observationSpace(), tanks.actionSpace(), "scenario four-tank"));
    assertTrue(names.getMessage().contains("[Ca, T, Ca_setpoint]"), names.getMessage());
    Scenario same = Scenarios.load("cstr-tracking");
    bundle.requireCompatible(same.observationSpace(), same.actionSpace(), "scenario cstr-tracking");
  }

  @Test
  void theFastTanhAgreesWithMathTanh() {
    for (double x = -30; x <= 30; x += 0.001) {
      assertEquals(Math.tanh(x), MlpPolicy.tanh(x), 1e-15, "x = " + x);
    }
    assertEquals(0.0, MlpPolicy.tanh(0.0), 0.0);
  }
}
