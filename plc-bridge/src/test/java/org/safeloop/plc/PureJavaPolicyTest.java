package org.safeloop.plc;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.env.Observation;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;
import org.safeloop.policy.MlpPolicy;
import org.safeloop.policy.MlpWeights;
import org.safeloop.policy.Normalisation;
import org.safeloop.policy.PolicyBundle;
import org.safeloop.policy.PolicyBundles;

/** The bridge runs policy bundles without DJL or PyTorch on its class path. */
class PureJavaPolicyTest {
  @TempDir Path dir;

  @Test
  void neitherDjlNorPyTorchIsOnTheBridgesClassPath() {
    assertThrows(ClassNotFoundException.class, () -> Class.forName("ai.djl.engine.Engine"));
    assertThrows(
        ClassNotFoundException.class, () -> Class.forName("ai.djl.pytorch.jni.PyTorchLibrary"));
    assertTrue(
        PureJavaPolicyTest.class.getClassLoader().getResource("native/lib/pytorch.properties")
            == null,
        "no PyTorch native jar");
  }

  @Test
  void neitherOnnxRuntimeNorProtobufIsOnTheBridgesClassPath() {
    assertThrows(ClassNotFoundException.class, () -> Class.forName("ai.onnxruntime.OrtSession"));
    assertThrows(
        ClassNotFoundException.class, () -> Class.forName("com.google.protobuf.MessageLite"));
  }

  @Test
  void anInt8BundleLoadsAndActsInPlainJava() {
    Scenario scenario = Scenarios.load("cstr-tracking");
    byte[][] q = {{-127, 5, 0}};
    PolicyBundle bundle =
        bundle(
            scenario,
            MlpWeights.int8(
                "tanh",
                List.<byte[][]>of(q),
                List.<float[]>of(new float[] {1f / 127}),
                List.<float[]>of(new float[] {0f})));
    Path file = dir.resolve("int8.bundle");
    PolicyBundles.save(bundle, file);
    PolicyBundle loaded = PolicyBundles.load(file);
    assertTrue(loaded.network().isInt8());
    double[] action = new MlpPolicy(loaded).act(scenario.createEnvironment().reset(0));
    double[] same = new MlpPolicy(bundle).act(scenario.createEnvironment().reset(0));
    assertTrue(action[0] >= 295 && action[0] <= 302, "inside the actuator range: " + action[0]);
    assertTrue(action[0] == same[0], "as saved");
  }

  @Test
  void aBundleLoadsAndActsInPlainJava() {
    Scenario scenario = Scenarios.load("cstr-tracking");
    float[][] w = new float[1][scenario.observationSpace().size()];
    w[0][0] = -1f;
    PolicyBundle bundle =
        bundle(
            scenario,
            new MlpWeights("tanh", List.<float[][]>of(w), List.<float[]>of(new float[] {0f})));
    Path file = dir.resolve("p.bundle");
    PolicyBundles.save(bundle, file);
    MlpPolicy policy = new MlpPolicy(PolicyBundles.load(file));
    double[] action = policy.act(scenario.createEnvironment().reset(0));
    assertTrue(action[0] >= 295 && action[0] <= 302, "inside the actuator range: " + action[0]);
    Observation dropout =
        new Observation(
            new double[] {Double.NaN, 325, 0.85},
            new org.safeloop.env.Quality[] {
              org.safeloop.env.Quality.BAD,
              org.safeloop.env.Quality.GOOD,
              org.safeloop.env.Quality.GOOD
            });
    assertTrue(Double.isFinite(policy.act(dropout)[0]));
  }

  /** A tanh-squashed bundle of {@code network} for the scenario, identity normalisation. */
  private static PolicyBundle bundle(Scenario scenario, MlpWeights network) {
    return new PolicyBundle(
        "test",
        Map.of(),
        scenario.observationSpace().signals(),
        scenario.actionSpace().signals(),
        Normalisation.identity(scenario.observationSpace().size(), 5.0),
        network,
        PolicyBundle.SQUASH_TANH,
        "",
        "",
        0,
        Map.of());
  }
}
