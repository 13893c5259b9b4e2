package org.safeloop.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.safeloop.experiments.cli.CommandLineTest.Run;
import org.safeloop.experiments.config.Experiment;
import org.safeloop.experiments.run.RunDirectory;
import org.safeloop.experiments.run.Trainer;
import org.safeloop.policy.PolicyBundle;
import org.safeloop.policy.PolicyBundles;

/**
 * {@code safeloop export} on bundles trained for real at a tiny budget: PPO-Lag choosing inside the
 * shield's box on the constrained reactor, SAC, and a PPO residual on the PID. Each exports to a
 * verified ONNX model; int8 reports its error and the closed loop against full precision and writes
 * a bundle the pure-Java path runs; a mismatched model and an unsupported bundle are refused with a
 * clear message.
 */
class ExportCommandTest {
  @TempDir static Path runs;
  @TempDir Path dir;

  static final Map<String, Path> BUNDLES = new HashMap<>();

  @BeforeAll
  static void train() throws IOException {
    String mapped =
        """
        scenario: cstr-constrained
        algorithm: ppo-lag
        hyperparameters: {steps_per_update: 512, minibatch_size: 64, epochs: 2, hidden: [16, 16]}
        shield: cstr-constrained
        training: {steps: 512, checkpoint_every: 512, realism: false, action_mapping: shield}
        evaluation: {episodes: 1, realism: false}
        """;
    String sac =
        """
        scenario: fopdt
        algorithm: sac
        hyperparameters: {hidden: [16, 16], learning_starts: 100, batch_size: 32,
                          metrics_interval: 100}
        training: {steps: 300}
        evaluation: {episodes: 1}
        """;
    String residual =
        """
        scenario: fopdt
        algorithm: ppo
        hyperparameters: {steps_per_update: 256, minibatch_size: 64, epochs: 2, hidden: [16, 16]}
        training: {steps: 256, checkpoint_every: 256, residual: {base: pid, bound: {u: 0.25}}}
        evaluation: {episodes: 1}
        """;
    for (Map.Entry<String, String> e :
        Map.of("ppo-lag-mapped", mapped, "sac", sac, "ppo-residual", residual).entrySet()) {
      Path run = runs.resolve(e.getKey());
      Trainer.run(
          Experiment.parse(e.getValue(), e.getKey() + ".yaml"), 3, run, false, new AtomicBoolean());
      BUNDLES.put(e.getKey(), run.resolve(RunDirectory.POLICY));
    }
  }

  private static Run run(String... args) {
    return CommandLineTest.run(args);
  }

  @ParameterizedTest
  @ValueSource(strings = {"ppo-lag-mapped", "sac", "ppo-residual"})
  void aTrainedBundleExportsToAVerifiedOnnxModel(String kind) {
    Path model = dir.resolve(kind + ".onnx");
    Run r =
        run(
            "export",
            BUNDLES.get(kind).toString(),
            "-o",
            model.toString(),
            "--observations",
            "2000");
    assertEquals(0, r.exitCode(), r.err() + r.out());
    assertTrue(r.out().contains("bound 1e-05 of range: passed"), r.out());
    assertTrue(r.out().contains("wrote " + model), r.out());
    assertTrue(Files.isRegularFile(model));
    Run check = run("export", BUNDLES.get(kind).toString(), "--check", model.toString());
    assertEquals(0, check.exitCode(), check.err() + check.out());
    assertTrue(check.out().contains("computes this bundle's policy"), check.out());
  }

  @Test
  void int8ReportsItsErrorAndTheClosedLoopAndWritesABundleThePureJavaPathRuns() throws IOException {
    Path bundle = BUNDLES.get("ppo-lag-mapped");
    Path int8 = dir.resolve("policy-int8.bundle");
    Run r =
        run(
            "export",
            bundle.toString(),
            "--quantize",
            "int8",
            "--format",
            "bundle",
            "-o",
            int8.toString(),
            "--episodes",
            "2",
            "--calibration-episodes",
            "2",
            "--observations",
            "2000");
    assertEquals(0, r.exitCode(), r.err() + r.out());
    assertTrue(r.out().contains("int8: calibrated on 120 observations of 2 episodes"), r.out());
    assertTrue(r.out().contains("largest action error over 2,000 observations"), r.out());
    assertTrue(r.out().contains("through shield cstr-constrained"), r.out());
    assertTrue(r.out().contains("float32") && r.out().contains("interventions"), r.out());
    PolicyBundle loaded = PolicyBundles.load(int8);
    assertTrue(loaded.network().isInt8());
    assertEquals(PolicyBundles.sha256(bundle), loaded.quantization().get("source_bundle_sha256"));
    assertTrue(loaded.quantization().containsKey("return_median_int8"));

    Path model = dir.resolve("policy-int8.onnx");
    Run onnx = run("export", int8.toString(), "-o", model.toString(), "--observations", "2000");
    assertEquals(0, onnx.exitCode(), onnx.err() + onnx.out());
    assertTrue(onnx.out().contains("passed"), onnx.out());
  }

  @Test
  void aModelOfAnotherBundleFailsTheCheckNamingBothHashes() {
    Path model = dir.resolve("sac.onnx");
    assertEquals(
        0, run("export", BUNDLES.get("sac").toString(), "-o", model.toString()).exitCode());
    Run r = run("export", BUNDLES.get("ppo-residual").toString(), "--check", model.toString());
    assertEquals(2, r.exitCode(), r.out());
    assertTrue(r.err().contains("was exported from bundle sha256"), r.err());
    assertTrue(r.err().contains(PolicyBundles.sha256(BUNDLES.get("ppo-residual"))), r.err());
  }

  @Test
  void anUnsupportedBundleOrAMeaninglessRequestIsRefusedWithAClearMessage() throws IOException {
    PolicyBundle residual = PolicyBundles.load(BUNDLES.get("ppo-residual"));
    Map<String, Object> config = new HashMap<>(residual.config());
    config.put(PolicyBundle.RESIDUAL_BASE, "mpc");
    Path mpc = dir.resolve("mpc.bundle");
    PolicyBundles.save(residual.with(config, residual.network()), mpc);
    Run r = run("export", mpc.toString(), "-o", dir.resolve("mpc.onnx").toString());
    assertEquals(2, r.exitCode(), r.out());
    assertTrue(r.err().contains("cannot export: the bundle is a residual on 'mpc'"), r.err());
    assertFalse(Files.exists(dir.resolve("mpc.onnx")));

    Run bundleOnly = run("export", BUNDLES.get("sac").toString(), "--format", "bundle");
    assertEquals(2, bundleOnly.exitCode());
    assertTrue(bundleOnly.err().contains("add --quantize int8"), bundleOnly.err());
  }

  @Test
  void theIssuesOutSpellingWritesTheSameFile() {
    Path model = dir.resolve("legacy.onnx");
    Run r = run("export", BUNDLES.get("sac").toString(), "--out", model.toString());
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(Files.isRegularFile(model));
  }

  @Test
  void anInt8PolicyAboveTheErrorBoundIsRefusedAndNothingIsWritten() {
    Path model = dir.resolve("tight.onnx");
    Run r =
        run(
            "export",
            BUNDLES.get("sac").toString(),
            "--quantize",
            "int8",
            "-o",
            model.toString(),
            "--episodes",
            "1",
            "--calibration-episodes",
            "1",
            "--observations",
            "500",
            "--max-int8-error",
            "0.000001");
    assertEquals(2, r.exitCode(), r.out());
    assertTrue(r.err().contains("above --max-int8-error 0.000 %; nothing written"), r.err());
    assertTrue(r.out().contains("median return"), "the figures are printed first: " + r.out());
    assertFalse(Files.exists(model));
  }

  @Test
  void benchEdgeMeasuresTheFourPaths() {
    Run r =
        run(
            "bench",
            "edge",
            "--policy",
            BUNDLES.get("ppo-residual").toString(),
            "--warmup",
            "10",
            "--calls",
            "100",
            "--episodes",
            "1");
    assertEquals(0, r.exitCode(), r.err() + r.out());
    for (String path :
        new String[] {
          "pure Java float32", "pure Java int8", "ONNX Runtime float32", "ONNX Runtime int8"
        }) {
      assertTrue(r.out().contains(path), path + " in " + r.out());
    }
    assertTrue(r.out().contains("float32 model: ONNX Runtime against"), r.out());
  }
}
