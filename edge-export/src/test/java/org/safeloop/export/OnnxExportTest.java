package org.safeloop.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.safeloop.env.scenario.Scenarios;
import org.safeloop.export.onnx.OnnxProto.ModelProto;
import org.safeloop.export.onnx.OnnxProto.TensorProto;
import org.safeloop.policy.Int8Quantizer;
import org.safeloop.policy.PolicyBundle;
import org.safeloop.policy.PolicyBundles;

/**
 * Every kind of bundle SafeLoop ships exports to an ONNX model that ONNX Runtime loads and that
 * computes the pure-Java forward pass within 1e-5 of each action's range; int8 models match their
 * int8 bundle as closely and stay within the documented bound of full precision; a corrupt,
 * tampered or mismatched model, and a bundle the exporter does not support, are refused with a
 * message that says what is wrong, and a failing model is never written under its name.
 */
class OnnxExportTest {
  @TempDir static Path shared;
  @TempDir Path dir;

  static Stream<Bundles.Kind> kinds() throws IOException {
    return Bundles.everyShippedKind(shared).stream();
  }

  private static final String SHA = "b".repeat(64);

  private static byte[] export(PolicyBundle bundle) {
    return OnnxExporter.export(bundle, SHA, "test", Map.of());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void everyShippedKindOfBundleRoundTripsThroughOnnxRuntimeWithin1e5(Bundles.Kind kind)
      throws IOException {
    Path file = dir.resolve(kind.label().replace(' ', '-') + ".onnx");
    OnnxVerification.Result r =
        OnnxFiles.write(export(kind.bundle()), kind.bundle(), SHA, file, 1, 10_000);

    assertTrue(r.passed(), r.summary());
    assertTrue(r.maxRelativeError() <= 1e-5, r.summary());
    assertEquals(10_000 + kind.bundle().observations().size(), r.observations());
    assertTrue(Files.isRegularFile(file));
    assertEquals(List.of(file.getFileName().toString()), names(dir), "no temporary file is left");
    // The file on disk checks out again, as a device would check its copy.
    assertTrue(OnnxFiles.check(file, kind.bundle(), SHA, 2, 1_000).passed());
  }

  @Test
  void theMetadataNamesEveryInputAndOutputWithItsUnitAndTheBundlesHashes() throws IOException {
    PolicyBundle bundle = Bundles.plain(Scenarios.load("cstr-tracking"), "ppo", "clip", 1);
    byte[] model = export(bundle);
    try (OrtModel m = OrtModel.load(model, "model", 3, 1)) {
      Map<String, String> meta = m.metadata();
      assertEquals("Ca,T,Ca_setpoint", meta.get("input_names"));
      assertEquals("mol/m3,K,mol/m3", meta.get("input_units"));
      assertEquals("Tc", meta.get("output_names"));
      assertEquals("K", meta.get("output_units"));
      assertEquals(SHA, meta.get(OnnxExporter.BUNDLE_SHA256));
      assertEquals(
          PolicyBundles.weightsSha256(bundle.network()), meta.get(OnnxExporter.WEIGHTS_SHA256));
      assertEquals("a".repeat(64), meta.get("safeloop.environment_sha256"));
      JsonNode inputs = new ObjectMapper().readTree(meta.get("safeloop.inputs"));
      assertEquals("T", inputs.get(1).get("name").asText());
      assertEquals("K", inputs.get(1).get("unit").asText());
      assertEquals("plant", inputs.get(1).get("source").asText());
      assertTrue(m.description().contains(SHA), "the doc string names the bundle's hash");
      assertTrue(m.description().contains(meta.get(OnnxExporter.WEIGHTS_SHA256)));
    }
  }

  @Test
  void theReferencePageListsExactlyTheMetadataKeysTheExporterWrites() throws IOException {
    Path page = Path.of("../docs/reference/onnx.md");
    String text = Files.readString(page);
    String metadata = text.substring(text.indexOf("## Metadata"), text.indexOf("## Verification"));
    List<String> documented = new ArrayList<>();
    for (String line : metadata.split("\n")) {
      if (line.startsWith("| `")) {
        documented.add(line.substring(3, line.indexOf('`', 3)));
      }
    }
    List<String> written = new ArrayList<>();
    for (Bundles.Kind k : Bundles.everyShippedKind(dir)) {
      for (String key : OnnxExporter.metadata(k.bundle(), SHA).keySet()) {
        if (!written.contains(key)) {
          written.add(key);
        }
      }
    }
    written.add("safeloop.quantization");
    assertEquals(written.stream().sorted().toList(), documented.stream().sorted().toList());
  }

  @Test
  void anInt8ModelMatchesItsInt8BundleWithin1e5AndTheFloatPolicyWithinTheBound() {
    PolicyBundle bundle = Bundles.plain(Scenarios.load("cstr-tracking"), "ppo", "clip", 3);
    PolicyBundle int8 = int8(bundle);
    byte[] model = export(int8);
    OnnxVerification.Result r =
        OnnxFiles.write(model, int8, SHA, dir.resolve("int8.onnx"), 4, 10_000);
    assertTrue(r.passed(), r.summary());
    assertTrue(
        model.length < 0.6 * export(bundle).length, "int8 weights take a quarter of the bytes");

    // Against full precision: within the bound safeloop export enforces by default (2 %).
    float[][] draws = OnnxVerification.draws(bundle.observations(), 5, 10_000);
    double worst = 0;
    var full = new org.safeloop.policy.MlpPolicy(bundle);
    var quantised = new org.safeloop.policy.MlpPolicy(int8);
    double[] a = new double[1];
    double[] b = new double[1];
    double[] raw = new double[3];
    for (float[] d : draws) {
      for (int i = 0; i < 3; i++) {
        raw[i] = d[i];
      }
      full.act(raw, a);
      quantised.act(raw, b);
      worst = Math.max(worst, Math.abs(a[0] - b[0]) / bundle.actions().get(0).span());
    }
    assertTrue(worst <= 0.02, "int8 error " + worst + " of range");
    assertTrue(worst > 0, "int8 differs from float32 somewhere");
  }

  @Test
  void aCorruptFileIsRefusedWithAClearMessage() throws IOException {
    PolicyBundle bundle = Bundles.plain(Scenarios.load("cstr-tracking"), "ppo", "clip", 1);
    byte[] model = export(bundle);
    Path truncated =
        Files.write(
            dir.resolve("truncated.onnx"), java.util.Arrays.copyOf(model, model.length / 2));
    Path text = Files.writeString(dir.resolve("text.onnx"), "not a model");
    for (Path bad : List.of(truncated, text)) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class, () -> OnnxFiles.check(bad, bundle, SHA, 1, 100));
      assertTrue(
          e.getMessage().contains(bad + " is not an ONNX model that ONNX Runtime can load"),
          e.getMessage());
    }
    IllegalArgumentException missing =
        assertThrows(
            IllegalArgumentException.class,
            () -> OnnxFiles.check(dir.resolve("none.onnx"), bundle, SHA, 1, 100));
    assertTrue(missing.getMessage().contains("not found"), missing.getMessage());
  }

  @Test
  void aModelWhoseWeightsWereChangedFailsVerificationAndIsNeverWritten() throws IOException {
    PolicyBundle bundle = Bundles.plain(Scenarios.load("cstr-tracking"), "ppo", "clip", 1);
    byte[] tampered = tamper(export(bundle), "layer1_weight");
    Path target = dir.resolve("policy.onnx");
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> OnnxFiles.write(tampered, bundle, SHA, target, 1, 1_000));
    assertTrue(e.getMessage().contains("refused to write " + target), e.getMessage());
    assertTrue(e.getMessage().contains("FAILED at observation"), e.getMessage());
    assertEquals(List.of(), names(dir), "neither the target nor a temporary file");

    Path copied = Files.write(dir.resolve("copied.onnx"), tampered);
    OnnxVerification.Result r = OnnxFiles.check(copied, bundle, SHA, 1, 1_000);
    assertFalse(r.passed(), r.summary());
  }

  @Test
  void aModelOfAnotherBundleIsRefusedNamingBothHashes() throws IOException {
    PolicyBundle mine = Bundles.plain(Scenarios.load("cstr-tracking"), "ppo", "clip", 1);
    PolicyBundle other = Bundles.plain(Scenarios.load("cstr-tracking"), "ppo", "clip", 2);
    Path file =
        Files.write(
            dir.resolve("other.onnx"), OnnxExporter.export(other, "c".repeat(64), "t", Map.of()));

    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> OnnxFiles.check(file, mine, SHA, 1, 100));
    assertTrue(
        e.getMessage().contains("was exported from bundle sha256 " + "c".repeat(64))
            && e.getMessage().contains("not from this bundle (sha256 " + SHA + ")"),
        e.getMessage());

    Path sameFile = Files.write(dir.resolve("same-sha.onnx"), export(other));
    IllegalArgumentException weights =
        assertThrows(
            IllegalArgumentException.class, () -> OnnxFiles.check(sameFile, mine, SHA, 1, 100));
    assertTrue(
        weights.getMessage().contains("holds other weights than the bundle"), weights.getMessage());
  }

  @Test
  void anInt8ModelChecksAgainstItsInt8BundleAndExplainsItselfAgainstItsSource() throws IOException {
    PolicyBundle full = Bundles.plain(Scenarios.load("cstr-tracking"), "ppo", "clip", 4);
    PolicyBundle int8 = int8(full); // records SHA as the bundle it was quantised from
    Path model = Files.write(dir.resolve("int8.onnx"), export(int8));

    // The int8 bundle's own file has another hash; both were quantised from the same bundle.
    assertTrue(OnnxFiles.check(model, int8, "d".repeat(64), 1, 1_000).passed());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> OnnxFiles.check(model, full, SHA, 1, 1_000));
    assertTrue(
        e.getMessage().contains("it was quantised from this bundle; check it against the int8"),
        e.getMessage());
  }

  @Test
  void aModelOfAnotherProcessIsRefusedNamingItsInterface() throws IOException {
    PolicyBundle cstr = Bundles.plain(Scenarios.load("cstr-tracking"), "ppo", "clip", 1);
    PolicyBundle tanks = Bundles.plain(Scenarios.load("four-tank"), "sac", "tanh", 1);
    Path file = Files.write(dir.resolve("tanks.onnx"), export(tanks));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> OnnxFiles.check(file, cstr, SHA, 1, 100));
    assertTrue(
        e.getMessage()
            .contains("does not fit the bundle: its input 'observation' is FLOAT [-1, 6]"),
        e.getMessage());
  }

  @Test
  void aBundleTheExporterDoesNotSupportIsRefusedByName() {
    PolicyBundle mpc = Bundles.residualOn("mpc", Scenarios.load("cstr-constrained"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> export(mpc));
    assertTrue(
        e.getMessage().startsWith("cannot export: the bundle is a residual on 'mpc'"),
        e.getMessage());
  }

  @Test
  void theSameBundleExportsToTheSameBytes() {
    PolicyBundle bundle = Bundles.plain(Scenarios.load("cstr-tracking"), "ppo", "clip", 1);
    assertTrue(java.util.Arrays.equals(export(bundle), export(bundle)), "reproducible");
  }

  static PolicyBundle int8(PolicyBundle bundle) {
    List<double[]> calibration = OnnxVerification.uniformDraws(bundle.observations(), 9, 2_000);
    return Int8Quantizer.quantize(bundle, calibration, Map.of("source_bundle_sha256", SHA))
        .bundle();
  }

  /** Returns the model with one value of an initializer changed (a bit flip in a weight). */
  static byte[] tamper(byte[] model, String initializer) throws IOException {
    ModelProto m = ModelProto.parseFrom(model);
    ModelProto.Builder b = m.toBuilder();
    for (int i = 0; i < m.getGraph().getInitializerCount(); i++) {
      TensorProto t = m.getGraph().getInitializer(i);
      if (t.getName().equals(initializer)) {
        byte[] raw = t.getRawData().toByteArray();
        raw[raw.length / 2 + 3] ^= 0x40; // an exponent bit of one float
        b.getGraphBuilder().setInitializer(i, t.toBuilder().setRawData(ByteString.copyFrom(raw)));
      }
    }
    return b.build().toByteArray();
  }

  static List<String> names(Path folder) throws IOException {
    try (Stream<Path> files = Files.list(folder)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
