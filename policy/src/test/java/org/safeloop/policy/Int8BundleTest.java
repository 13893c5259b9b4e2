package org.safeloop.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.env.Observation;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.SignalSpec;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;

/**
 * Int8 bundles: per-channel int8 weights that the pure-Java forward pass runs directly, saved in
 * format version 2 with a quarter of the weight bytes, equal to their dequantised float network,
 * close to the full-precision policy, and refused where they do not check out.
 */
class Int8BundleTest {
  @TempDir Path dir;
  private final Scenario scenario = Scenarios.load("cstr-tracking");

  /** A 3 -> 64 -> 64 -> 1 tanh network with PyTorch-sized weights. */
  private PolicyBundle wideBundle(long seed) {
    PolicyBundle small = PolicyBundlesTest.randomBundle(scenario, seed, PolicyBundle.SQUASH_CLIP);
    SplittableRandom random = new SplittableRandom(seed);
    int[] widths = {3, 64, 64, 1};
    List<float[][]> w = new ArrayList<>();
    List<float[]> b = new ArrayList<>();
    for (int l = 0; l + 1 < widths.length; l++) {
      double bound = 1 / Math.sqrt(widths[l]);
      float[][] layer = new float[widths[l + 1]][widths[l]];
      float[] bias = new float[widths[l + 1]];
      for (int r = 0; r < layer.length; r++) {
        for (int c = 0; c < layer[r].length; c++) {
          layer[r][c] = (float) (bound * (2 * random.nextDouble() - 1));
        }
        bias[r] = (float) (bound * (2 * random.nextDouble() - 1));
      }
      w.add(layer);
      b.add(bias);
    }
    return small.with(small.config(), new MlpWeights("tanh", w, b));
  }

  /** Observations the policy meets: a closed-loop episode of its own, with realism on. */
  private List<double[]> calibration(PolicyBundle bundle) {
    List<double[]> seen = new ArrayList<>();
    MlpPolicy policy = new MlpPolicy(bundle);
    for (long seed = 0; seed < 5; seed++) {
      ProcessEnvironment env = scenario.createEnvironment(true, null);
      Observation o = env.reset(seed);
      for (int k = 0; k < scenario.episodeSteps(); k++) {
        seen.add(o.values());
        o = env.step(policy.act(o)).observation();
      }
    }
    return seen;
  }

  private PolicyBundle int8(PolicyBundle bundle) {
    return Int8Quantizer.quantize(bundle, calibration(bundle), Map.of("source_bundle_sha256", "x"))
        .bundle();
  }

  @Test
  void anInt8BundleSavesAndLoadsBackInFormat2WithAQuarterOfTheWeightBytes() throws IOException {
    PolicyBundle full = wideBundle(1);
    PolicyBundle int8 = int8(full);
    assertTrue(int8.network().isInt8());
    Path fullFile = dir.resolve("full.bundle");
    Path int8File = dir.resolve("int8.bundle");
    PolicyBundles.save(full, fullFile);
    PolicyBundles.save(int8, int8File);

    PolicyBundle loaded = PolicyBundles.load(int8File);
    assertEquals(int8.network(), loaded.network());
    assertEquals("int8", loaded.network().weightType());
    assertEquals(Int8Quantizer.SCHEME, loaded.quantization().get("scheme"));
    assertEquals("x", loaded.quantization().get("source_bundle_sha256"));
    assertEquals(300, ((Number) loaded.quantization().get("calibration_observations")).intValue());
    String manifest = entry(int8File, "bundle.json");
    assertTrue(manifest.contains("\"format_version\" : 2"), manifest);
    assertTrue(manifest.contains("\"weight_type\" : \"int8\""), manifest);
    String floatManifest = entry(fullFile, "bundle.json");
    assertTrue(floatManifest.contains("\"format_version\" : 1"), "float32 stays version 1");
    assertFalse(floatManifest.contains("weight_type"), "and readable by older versions");
    int weights = full.network().parameters() - (64 + 64 + 1);
    assertEquals(4 * full.network().parameters(), entry(fullFile, "weights.bin").length());
    assertEquals(weights + 8 * (64 + 64 + 1), entry(int8File, "weights.bin").length());
    assertNotEquals(
        PolicyBundles.weightsSha256(full.network()), PolicyBundles.weightsSha256(int8.network()));
  }

  @Test
  void theInt8ForwardPassEqualsItsDequantisedFloatNetwork() {
    PolicyBundle int8 = int8(wideBundle(2));
    MlpWeights q = int8.network();
    PolicyBundle dequantised =
        int8.with(int8.config(), new MlpWeights(q.activation(), q.weights(), q.biases()));
    MlpPolicy a = new MlpPolicy(int8);
    MlpPolicy b = new MlpPolicy(dequantised);
    for (double[] o : calibration(int8)) {
      // q * s is rounded to float32 once per weight in the float network: 1e-7 of the range.
      assertEquals(b.act(Observation.good(o))[0], a.act(Observation.good(o))[0], 1e-6);
    }
  }

  @Test
  void int8ActionsStayWithinTwoPercentOfRangeOfTheFullPrecisionPolicy() {
    PolicyBundle full = wideBundle(3);
    PolicyBundle int8 = int8(full);
    SignalSpec tc = full.actions().get(0);
    MlpPolicy a = new MlpPolicy(full);
    MlpPolicy b = new MlpPolicy(int8);
    SplittableRandom random = new SplittableRandom(4);
    double worst = 0;
    double[] x = new double[1];
    double[] y = new double[1];
    for (int k = 0; k < 10_000; k++) {
      double[] o = new double[3];
      for (int i = 0; i < 3; i++) {
        SignalSpec s = full.observations().get(i);
        o[i] = s.min() + random.nextDouble() * s.span();
      }
      a.act(o, x);
      b.act(o, y);
      worst = Math.max(worst, Math.abs(x[0] - y[0]) / tc.span());
    }
    assertTrue(worst < 0.02, "largest int8 error " + worst + " of the range");
    assertTrue(worst > 0, "int8 is not the float network");
  }

  @Test
  void everyInt8WeightIsAWholeMultipleOfItsRowsScaleInTheSymmetricRange() {
    MlpWeights q = int8(wideBundle(5)).network();
    for (int l = 0; l < q.layers(); l++) {
      byte[][] rows = q.int8Weights().get(l);
      float[] scales = q.scales().get(l);
      for (int r = 0; r < rows.length; r++) {
        for (int c = 0; c < rows[r].length; c++) {
          assertTrue(rows[r][c] >= -127, "no -128");
          assertEquals((float) rows[r][c] * scales[r], q.weights().get(l)[r][c], 0f);
        }
      }
    }
    float[][] off = {{0.3f, 1f}};
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new MlpWeights(
                    "tanh",
                    List.<float[][]>of(off),
                    List.<float[]>of(new float[] {0f}),
                    List.<float[]>of(new float[] {0.01f})));
    assertTrue(e.getMessage().contains("is not an int8 multiple of 0.01"), e.getMessage());
  }

  @Test
  void quantizingTwiceOrWithoutCalibrationIsRefused() {
    PolicyBundle int8 = int8(wideBundle(6));
    assertTrue(
        assertThrows(
                IllegalArgumentException.class,
                () -> Int8Quantizer.quantize(int8, calibration(int8), Map.of()))
            .getMessage()
            .contains("int8 already"));
    assertTrue(
        assertThrows(
                IllegalArgumentException.class,
                () -> Int8Quantizer.quantize(wideBundle(6), List.of(), Map.of()))
            .getMessage()
            .contains("at least one observation"));
  }

  @Test
  void aBundleOfAFormatThisVersionDoesNotReadIsRefusedNamingTheVersions() throws IOException {
    Path file = dir.resolve("future.bundle");
    PolicyBundles.save(wideBundle(7), file);
    Path future = dir.resolve("v3.bundle");
    try (ZipInputStream in = new ZipInputStream(Files.newInputStream(file));
        ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(future))) {
      ZipEntry e;
      while ((e = in.getNextEntry()) != null) {
        byte[] content = in.readAllBytes();
        if (e.getName().equals("bundle.json")) {
          content =
              new String(content, StandardCharsets.UTF_8)
                  .replace("\"format_version\" : 1", "\"format_version\" : 3")
                  .getBytes(StandardCharsets.UTF_8);
        }
        out.putNextEntry(new ZipEntry(e.getName()));
        out.write(content);
        out.closeEntry();
      }
    }
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> PolicyBundles.load(future));
    assertTrue(
        e.getMessage()
            .contains(
                "has format version 3; this SafeLoop reads version 1 (float32)"
                    + " and version 2 with weight type int8"),
        e.getMessage());
  }

  private static String entry(Path bundle, String name) throws IOException {
    try (InputStream file = Files.newInputStream(bundle);
        ZipInputStream zip = new ZipInputStream(file)) {
      ZipEntry e;
      while ((e = zip.getNextEntry()) != null) {
        if (e.getName().equals(name)) {
          return new String(zip.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
      }
    }
    throw new AssertionError(name + " not in " + bundle);
  }
}
