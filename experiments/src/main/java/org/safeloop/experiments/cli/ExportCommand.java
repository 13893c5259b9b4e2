package org.safeloop.experiments.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;
import org.safeloop.experiments.evaluate.EvaluationSummary;
import org.safeloop.experiments.evaluate.PolicySource;
import org.safeloop.experiments.export.EdgeExports;
import org.safeloop.experiments.export.EdgeExports.ActionError;
import org.safeloop.experiments.export.EdgeExports.ClosedLoop;
import org.safeloop.export.OnnxExporter;
import org.safeloop.export.OnnxFiles;
import org.safeloop.export.OnnxVerification;
import org.safeloop.policy.Int8Quantizer;
import org.safeloop.policy.MlpPolicy;
import org.safeloop.policy.PolicyBundle;
import org.safeloop.policy.PolicyBundles;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code safeloop export}: a bundle as an ONNX model, or as an int8 bundle, verified. */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = {
      "Export a policy bundle's deterministic policy for edge runtimes: an ONNX model",
      "(normalisation, network, squashing and action scaling in the graph; names, units and the",
      "bundle's hashes in its metadata), or with --quantize int8 an int8 ONNX model or int8",
      "bundle (per-channel weight scales calibrated on the training scenario), with the largest",
      "action error and the closed-loop return and shield interventions against full precision.",
      "Every ONNX file is loaded by ONNX Runtime and compared with the pure-Java forward pass",
      "before it is written under its name; one that differs by more than 1e-5 of an action's",
      "range is refused. --check verifies an existing ONNX file against the bundle instead."
    })
final class ExportCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "BUNDLE", description = "The policy bundle.")
  Path bundleFile;

  @Option(
      names = "--format",
      defaultValue = "onnx",
      paramLabel = "onnx|bundle",
      description =
          "onnx: an ONNX model (default); bundle: an int8 policy bundle for the pure-Java path"
              + " (with --quantize int8).")
  String format;

  @Option(
      names = "--quantize",
      defaultValue = "none",
      paramLabel = "none|int8",
      description = "Post-training quantisation of the weights (default ${DEFAULT-VALUE}).")
  String quantize;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      description =
          "File to write (default beside the bundle: NAME.onnx, NAME-int8.onnx or"
              + " NAME-int8.bundle).")
  Path out;

  /** The spelling of the issue that asked for this command, accepted as elsewhere. */
  @Option(names = "--out", hidden = true, paramLabel = "FILE")
  void legacyOut(Path value) {
    out = value;
  }

  @Option(
      names = "--check",
      paramLabel = "MODEL.onnx",
      description =
          "Verify this ONNX file against the bundle (identity and outputs) and write nothing.")
  Path check;

  @Option(
      names = "--scenario",
      paramLabel = "NAME|FILE",
      description =
          "Scenario for calibration and the closed-loop comparison (default: the one the bundle"
              + " was trained on).")
  String scenario;

  @Option(
      names = "--shield",
      paramLabel = "FILE|NAME",
      description =
          "Shield the closed loop acts through (default: the one the bundle was trained with,"
              + " if any).")
  String shield;

  @Option(
      names = "--episodes",
      defaultValue = "20",
      paramLabel = "N",
      description = "Evaluation episodes per policy, realism on (default ${DEFAULT-VALUE}).")
  int episodes;

  @Option(
      names = "--calibration-episodes",
      defaultValue = "20",
      paramLabel = "N",
      description = "Episodes whose observations calibrate int8 (default ${DEFAULT-VALUE}).")
  int calibrationEpisodes;

  @Option(
      names = "--seed",
      defaultValue = "0",
      paramLabel = "N",
      description =
          "Seeds the drawn observations (this seed), the evaluation (+1,000,000) and the"
              + " calibration (+2,000,000) (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--observations",
      defaultValue = "10000",
      paramLabel = "N",
      description = "Observations drawn over the ranges to verify and to measure int8's error.")
  int observations;

  @Option(
      names = "--max-int8-error",
      defaultValue = "0.02",
      paramLabel = "FRACTION",
      description =
          "Largest int8 action error over the drawn observations, as a fraction of the action's"
              + " range, above which nothing is written (default ${DEFAULT-VALUE}).")
  double maxInt8Error;

  @Override
  public Integer call() {
    if (observations < 1 || episodes < 1 || calibrationEpisodes < 1) {
      throw new IllegalArgumentException(
          "--observations, --episodes and --calibration-episodes must be at least 1");
    }
    if (!(maxInt8Error > 0)) {
      throw new IllegalArgumentException("--max-int8-error must be positive, got " + maxInt8Error);
    }
    PrintWriter w = spec.commandLine().getOut();
    PolicyBundle bundle = PolicyBundles.load(bundleFile);
    String sha = PolicyBundles.sha256(bundleFile);
    w.printf(
        Locale.ROOT,
        "bundle %s: %s, %s weights, %d -> %s -> %d, sha256 %s%n",
        bundleFile,
        bundle.algorithm(),
        bundle.network().weightType(),
        bundle.observations().size(),
        hidden(bundle),
        bundle.networkActions().size(),
        sha);
    if (check != null) {
      OnnxVerification.Result r = OnnxFiles.check(check, bundle, sha, seed, observations);
      w.println(r.summary());
      w.println(
          r.passed()
              ? check + " computes this bundle's policy"
              : check + " does NOT compute this bundle's policy");
      w.flush();
      return r.passed() ? 0 : 1;
    }
    boolean int8 =
        switch (quantize) {
          case "none" -> false;
          case "int8" -> true;
          default ->
              throw new IllegalArgumentException("--quantize takes none or int8, got " + quantize);
        };
    boolean onnx =
        switch (format) {
          case "onnx" -> true;
          case "bundle" -> false;
          default ->
              throw new IllegalArgumentException("--format takes onnx or bundle, got " + format);
        };
    if (!onnx && !int8) {
      throw new IllegalArgumentException(
          "--format bundle writes an int8 bundle: add --quantize int8 (the bundle is its own"
              + " float32 export)");
    }
    if (onnx) {
      OnnxExporter.requireSupported(bundle);
    }
    if (int8 && bundle.network().isInt8()) {
      throw new IllegalArgumentException(
          bundleFile + " has int8 weights already; export it without --quantize");
    }
    Path target = out != null ? out : defaultOutput(bundleFile, onnx, int8);
    PolicyBundle exported = int8 ? quantized(bundle, sha, w) : bundle;
    if (onnx) {
      writeOnnx(exported, sha, target, w);
    } else {
      writeBundle(exported, target, w);
    }
    w.flush();
    return 0;
  }

  /** Quantises, measures and prints; refuses a policy whose error is above the bound. */
  private PolicyBundle quantized(PolicyBundle bundle, String sha, PrintWriter w) {
    Scenario resolved =
        scenario != null
            ? Scenarios.load(scenario)
            : PolicySource.trainedScenario(bundle, bundleFile);
    String through = shield != null ? shield : bundle.shieldSource();
    ClosedLoop calibration = new ClosedLoop(resolved, through, calibrationEpisodes, seed);
    Int8Quantizer.Result q = EdgeExports.quantize(bundle, sha, calibration);
    int clipped = 0;
    int rows = 0;
    for (int l = 0; l < q.rows().length; l++) {
      clipped += q.clippedRows()[l];
      rows += q.rows()[l];
    }
    w.printf(
        Locale.ROOT,
        "int8: calibrated on %,d observations of %d episodes of %s (realism on, %s, first seed"
            + " %d); %d of %d rows clip their largest weights%n",
        q.calibrationObservations(),
        calibrationEpisodes,
        resolved.name(),
        through == null ? "no shield" : "shield " + through,
        seed + EdgeExports.CALIBRATION_SEED_OFFSET,
        clipped,
        rows);
    ActionError drawn = EdgeExports.actionError(bundle, q.bundle(), seed, observations);
    w.printf(
        Locale.ROOT,
        "int8: largest action error over %,d observations drawn over the ranges: %s%n",
        drawn.observations(),
        drawn.describe());
    ClosedLoop evaluation = new ClosedLoop(resolved, through, episodes, seed);
    List<double[]> met = new ArrayList<>();
    EvaluationSummary full =
        EdgeExports.closedLoop(
            bundle, "float32", b -> EdgeExports.recording(new MlpPolicy(b), met), evaluation);
    EvaluationSummary quantised =
        EdgeExports.closedLoop(q.bundle(), "int8", MlpPolicy::new, evaluation);
    w.printf(
        Locale.ROOT,
        "closed loop on %s, %d episodes (realism on, %s, first seed %d):%n",
        resolved.name(),
        episodes,
        through == null ? "no shield" : "through shield " + through,
        seed + EdgeExports.EVALUATION_SEED_OFFSET);
    w.printf(
        Locale.ROOT,
        "  %-8s %14s %8s %15s %16s %8s%n",
        "weights",
        "median return",
        "MAD",
        "interventions",
        "violating steps",
        "failed");
    for (EvaluationSummary s : new EvaluationSummary[] {full, quantised}) {
      w.printf(
          Locale.ROOT,
          "  %-8s %14.3f %8.3f %13.2f %% %16d %8d%n",
          s.policy(),
          s.returnMedian(),
          s.returnMad(),
          100 * s.interventionRate(),
          s.violatingSteps(),
          s.failedEpisodes());
    }
    ActionError inLoop = EdgeExports.actionError(bundle, q.bundle(), met);
    w.printf(
        Locale.ROOT,
        "int8: largest action error over the %,d observations of the float32 episodes: %s%n",
        inLoop.observations(),
        inLoop.describe());
    w.flush();
    if (!(drawn.maxRelative() <= maxInt8Error)) {
      throw new IllegalStateException(
          String.format(
              Locale.ROOT,
              "refused: the int8 policy's largest action error is %.3f %% of range, above"
                  + " --max-int8-error %.3f %%; nothing written",
              100 * drawn.maxRelative(),
              100 * maxInt8Error));
    }
    Map<String, Object> figures = new LinkedHashMap<>(q.bundle().quantization().size());
    q.bundle().quantization().forEach((k, v) -> figures.put(String.valueOf(k), v));
    figures.put("max_action_error_fraction", drawn.maxRelative());
    figures.put("max_action_error_observations", drawn.observations());
    figures.put("max_action_error_fraction_closed_loop", inLoop.maxRelative());
    figures.put("evaluation_episodes", episodes);
    figures.put("evaluation_first_seed", seed + EdgeExports.EVALUATION_SEED_OFFSET);
    figures.put("return_median_float32", full.returnMedian());
    figures.put("return_median_int8", quantised.returnMedian());
    figures.put("intervention_rate_float32", full.interventionRate());
    figures.put("intervention_rate_int8", quantised.interventionRate());
    return withQuantization(q.bundle(), figures);
  }

  private void writeOnnx(PolicyBundle exported, String sha, Path target, PrintWriter w) {
    byte[] model = OnnxExporter.export(exported, sha, version(), Map.of());
    OnnxVerification.Result r = OnnxFiles.write(model, exported, sha, target, seed, observations);
    w.println(r.summary());
    w.printf(
        Locale.ROOT,
        "wrote %s (%,d bytes, sha256 %s): input %s [batch, %d], output %s [batch, %d]%n",
        target,
        model.length,
        PolicyBundles.sha256(model),
        OnnxExporter.INPUT,
        exported.observations().size(),
        OnnxExporter.OUTPUT,
        exported.networkActions().size());
    for (String note : notes(exported)) {
      w.println("note: " + note);
    }
  }

  private static void writeBundle(PolicyBundle exported, Path target, PrintWriter w) {
    Path parent = target.toAbsolutePath().getParent();
    Path temporary;
    try {
      Files.createDirectories(parent);
      temporary = Files.createTempFile(parent, "." + target.getFileName(), ".tmp");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target, e);
    }
    try {
      PolicyBundles.save(exported, temporary);
      // What is on disk must load back as the same bundle before it takes the name.
      PolicyBundle loaded = PolicyBundles.load(temporary);
      if (!loaded.network().equals(exported.network())
          || !loaded.normalisation().equals(exported.normalisation())) {
        throw new IllegalStateException("the int8 bundle did not load back unchanged: not written");
      }
      Files.move(
          temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target, e);
    } finally {
      try {
        Files.deleteIfExists(temporary);
      } catch (IOException ignored) {
        // moved, or nothing more to do about a hidden temporary file
      }
    }
    w.printf(
        Locale.ROOT,
        "wrote %s (%,d bytes, sha256 %s): a new artifact, closed loop needs an approval for it%n",
        target,
        size(target),
        PolicyBundles.sha256(target));
  }

  /** What a runtime must know beyond the graph: the output's meaning, derived inputs. */
  static List<String> notes(PolicyBundle bundle) {
    List<String> notes = new ArrayList<>();
    if (bundle.residualBase() != null) {
      notes.add(
          "a residual on "
              + bundle.residualBase()
              + ": the model computes the correction only; add it to the "
              + bundle.residualBase()
              + "'s move and clip to the actuator's range");
    }
    if (bundle.actionMapping() != null) {
      notes.add(
          "the model's last "
              + 2 * bundle.actions().size()
              + " inputs are the shield's admissible box and its output a position in it: it"
              + " runs only beside the shield "
              + bundle.shieldSource());
    }
    if (!bundle.derivedObservations().isEmpty()) {
      notes.add(
          "inputs "
              + bundle.derivedObservations()
              + " are computed from the plant's signals (safeloop.observation_design in the"
              + " metadata), not read from tags");
    }
    return notes;
  }

  private static PolicyBundle withQuantization(PolicyBundle b, Map<String, Object> record) {
    Map<String, Object> config = new LinkedHashMap<>(b.config());
    config.put(PolicyBundle.QUANTIZATION, record);
    return b.with(config, b.network());
  }

  static Path defaultOutput(Path bundle, boolean onnx, boolean int8) {
    String name = bundle.getFileName().toString().replaceAll("\\.bundle$", "");
    return bundle.resolveSibling(name + (int8 ? "-int8" : "") + (onnx ? ".onnx" : ".bundle"));
  }

  private static String hidden(PolicyBundle bundle) {
    StringBuilder b = new StringBuilder();
    for (int l = 0; l < bundle.network().layers() - 1; l++) {
      b.append(l == 0 ? "" : "x").append(bundle.network().biases().get(l).length);
    }
    return b.length() == 0 ? "linear" : b + " " + bundle.network().activation();
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  static String version() {
    String v = SafeLoopCommand.class.getPackage().getImplementationVersion();
    return v == null ? "development" : v;
  }
}
