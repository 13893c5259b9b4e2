package org.safeloop.experiments.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.safeloop.env.control.Policy;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.experiments.evaluate.EvaluationSummary;
import org.safeloop.experiments.export.EdgeExports;
import org.safeloop.export.OnnxExporter;
import org.safeloop.export.OnnxPolicy;
import org.safeloop.export.OnnxVerification;
import org.safeloop.policy.MlpPolicy;
import org.safeloop.policy.PolicyBundle;
import org.safeloop.policy.PolicyBundles;

/**
 * What edge export costs and buys, for one bundle: the sizes of the bundle, its int8 bundle and
 * their ONNX models; single-observation latency (median, p99) of ONNX Runtime (float32 and int8
 * models, CPU, one thread) against the pure-Java forward pass (float32 weights computed in double,
 * and int8 weights); and the closed-loop return and shield interventions of each on a scenario with
 * realism on. Each call is timed on its own, after a warm-up long enough for the JIT, on the
 * observation in the middle of every range (moved by 1e-9 per call so that none can be skipped).
 */
public final class EdgeBenchmark {
  private EdgeBenchmark() {}

  /**
   * One way to run the policy.
   *
   * @param path e.g. {@code onnxruntime float32}
   * @param artifactBytes size of the file it runs from
   * @param medianMicros median single-observation latency
   * @param p99Micros 99th percentile
   * @param closedLoop the closed-loop evaluation (realism on)
   */
  public record Row(
      String path,
      long artifactBytes,
      double medianMicros,
      double p99Micros,
      EvaluationSummary closedLoop) {}

  /**
   * The benchmark's figures.
   *
   * @param rows one per path: pure Java float32, pure Java int8, ONNX Runtime float32 and int8
   * @param float32Verification the float32 model against the pure-Java forward pass
   * @param int8Verification the int8 model against the int8 bundle's forward pass
   * @param int8Error the int8 bundle's largest action error against the bundle, on drawn
   *     observations
   */
  public record Result(
      List<Row> rows,
      OnnxVerification.Result float32Verification,
      OnnxVerification.Result int8Verification,
      EdgeExports.ActionError int8Error) {}

  /**
   * Measures a bundle.
   *
   * @param bundleFile the bundle
   * @param scenario the scenario for calibration and the closed loop
   * @param shield the shield the closed loop acts through, or null
   * @param warmup unmeasured calls per path
   * @param calls measured calls per path
   * @param episodes closed-loop episodes per path
   * @param seed the export's seed ({@link EdgeExports})
   */
  public static Result measure(
      Path bundleFile,
      Scenario scenario,
      String shield,
      int warmup,
      int calls,
      int episodes,
      long seed) {
    PolicyBundle bundle = PolicyBundles.load(bundleFile);
    String sha = PolicyBundles.sha256(bundleFile);
    PolicyBundle int8 =
        EdgeExports.quantize(bundle, sha, new EdgeExports.ClosedLoop(scenario, shield, 20, seed))
            .bundle();
    EdgeExports.ClosedLoop loop = new EdgeExports.ClosedLoop(scenario, shield, episodes, seed);
    // The middle of every observation's range (the shield's box too, for a bundle that reads it).
    double[] observation = new double[bundle.observations().size()];
    for (int i = 0; i < observation.length; i++) {
      observation[i] = bundle.observations().get(i).denormalise(0.0);
    }
    // The pure-Java paths first, before ONNX Runtime is loaded: as a bridge runs them.
    List<double[]> javaLatency = new ArrayList<>();
    for (PolicyBundle b : List.of(bundle, int8)) {
      MlpPolicy java = new MlpPolicy(b);
      javaLatency.add(latency(java::act, observation, b, warmup, calls));
    }
    byte[] floatModel = OnnxExporter.export(bundle, sha, "benchmark", Map.of());
    byte[] int8Model = OnnxExporter.export(int8, sha, "benchmark", Map.of());
    OnnxVerification.Result floatCheck =
        OnnxVerification.verify(
            floatModel, "float32 model", bundle, sha, seed, OnnxVerification.OBSERVATIONS);
    OnnxVerification.Result int8Check =
        OnnxVerification.verify(
            int8Model, "int8 model", int8, sha, seed, OnnxVerification.OBSERVATIONS);
    EdgeExports.ActionError error =
        EdgeExports.actionError(bundle, int8, seed, OnnxVerification.OBSERVATIONS);
    List<Row> rows = new ArrayList<>();
    for (int k = 0; k < 2; k++) {
      PolicyBundle b = k == 0 ? bundle : int8;
      rows.add(
          new Row(
              "pure Java " + b.network().weightType(),
              bundleBytes(b, k == 0 ? bundleFile : null),
              javaLatency.get(k)[0],
              javaLatency.get(k)[1],
              EdgeExports.closedLoop(b, b.network().weightType(), MlpPolicy::new, loop)));
    }
    for (int k = 0; k < 2; k++) {
      PolicyBundle b = k == 0 ? bundle : int8;
      byte[] model = k == 0 ? floatModel : int8Model;
      String label = "ONNX Runtime " + b.network().weightType();
      try (OnnxPolicy onnx = OnnxPolicy.load(model, b, label)) {
        double[] latency = latency(onnx::act, observation, b, warmup, calls);
        Function<PolicyBundle, Policy> shared = ignored -> onnx;
        rows.add(
            new Row(
                label,
                model.length,
                latency[0],
                latency[1],
                EdgeExports.closedLoop(b, "onnx " + b.network().weightType(), shared, loop)));
      }
    }
    return new Result(List.copyOf(rows), floatCheck, int8Check, error);
  }

  /** A policy's single-observation call. */
  private interface Call {
    void act(double[] observation, double[] action);
  }

  /** Returns the median and p99 latency in microseconds of {@code calls} timed calls. */
  private static double[] latency(
      Call call, double[] observation, PolicyBundle bundle, int warmup, int calls) {
    double[] raw = observation.clone();
    double[] action = new double[bundle.networkActions().size()];
    double sink = 0;
    for (int i = 0; i < warmup; i++) {
      call.act(raw, action);
      sink += action[0];
    }
    long[] nanos = new long[calls];
    for (int i = 0; i < calls; i++) {
      raw[0] += 1e-9; // vary the input so no call can be skipped
      long t = System.nanoTime();
      call.act(raw, action);
      nanos[i] = System.nanoTime() - t;
      sink += action[0];
    }
    if (Double.isNaN(sink)) {
      throw new IllegalStateException("NaN action");
    }
    return InferenceBenchmark.medianAndP99Micros(nanos);
  }

  /** The size of a bundle's file: the one given, or the bundle saved to a temporary file. */
  private static long bundleBytes(PolicyBundle bundle, Path file) {
    try {
      if (file != null) {
        return Files.size(file);
      }
      Path temporary = Files.createTempFile("safeloop-bench", ".bundle");
      try {
        PolicyBundles.save(bundle, temporary);
        return Files.size(temporary);
      } finally {
        Files.deleteIfExists(temporary);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot measure the bundle's size", e);
    }
  }
}
