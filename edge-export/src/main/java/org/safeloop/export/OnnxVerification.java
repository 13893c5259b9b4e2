package org.safeloop.export;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.safeloop.env.SignalSpec;
import org.safeloop.policy.MlpPolicy;
import org.safeloop.policy.PolicyBundle;
import org.safeloop.policy.PolicyBundles;

/**
 * Checks an ONNX model against the bundle it claims to be: ONNX Runtime loads it, its interface and
 * recorded identity (bundle and weights SHA-256) fit the bundle, and its actions equal the
 * pure-Java forward pass's on seeded observations drawn uniformly over every observation's range,
 * plus one dropout (NaN) probe per observation.
 *
 * <p>The error is measured per action as a fraction of the action's range, at most {@value
 * #TOLERANCE}: the model is float32 from input to output, and float32 cannot hold an action near
 * 300 K to better than 1.5e-5 K (half its spacing there), so an absolute bound in engineering units
 * would fail on rounding alone. The drawn observations are rounded to float32 before both runs, so
 * the comparison is of the computations, not of the input's rounding. Stateless and thread-safe.
 */
public final class OnnxVerification {
  /** Largest error allowed, as a fraction of each action's range. */
  public static final double TOLERANCE = 1e-5;

  /** Observations drawn by default. */
  public static final int OBSERVATIONS = 10_000;

  private static final int BATCH = 1024;

  private OnnxVerification() {}

  /**
   * The figures of one verification.
   *
   * @param model what was verified, for messages
   * @param observations observations compared (drawn ones and dropout probes)
   * @param dropoutProbes how many of them had one NaN observation
   * @param actions the model's outputs (the bundle's network actions)
   * @param maxAbsoluteError per action, in its unit
   * @param maxRelativeError the largest error as a fraction of its action's range
   * @param worst which observation and action gave it, in words
   * @param tolerance the bound on {@code maxRelativeError}
   */
  public record Result(
      String model,
      int observations,
      int dropoutProbes,
      List<SignalSpec> actions,
      double[] maxAbsoluteError,
      double maxRelativeError,
      String worst,
      double tolerance) {

    /** Copies the array. */
    public Result {
      actions = List.copyOf(actions);
      maxAbsoluteError = maxAbsoluteError.clone();
    }

    @Override
    public double[] maxAbsoluteError() {
      return maxAbsoluteError.clone();
    }

    /** Returns true when every action is within the tolerance (NaN fails). */
    public boolean passed() {
      return maxRelativeError <= tolerance;
    }

    /** Returns the figures in one line, e.g. for the command's output. */
    public String summary() {
      StringBuilder b =
          new StringBuilder(
              String.format(
                  Locale.ROOT,
                  "ONNX Runtime against the pure-Java forward pass on %,d observations (%d with a"
                      + " dropout): max error",
                  observations,
                  dropoutProbes));
      for (int i = 0; i < actions.size(); i++) {
        SignalSpec a = actions.get(i);
        b.append(
            String.format(
                Locale.ROOT,
                "%s %s %.2e%s (%.2e of range)",
                i == 0 ? "" : ",",
                a.name(),
                maxAbsoluteError[i],
                // a position in the shield's box has the unit "1": shown as a plain number
                a.unit().isEmpty() || a.unit().equals("1") ? "" : " " + a.unit(),
                maxAbsoluteError[i] / a.span()));
      }
      b.append(
          String.format(
              Locale.ROOT,
              "; bound %.0e of range: %s",
              tolerance,
              passed() ? "passed" : "FAILED at " + worst));
      return b.toString();
    }
  }

  /**
   * Verifies a model.
   *
   * @param onnx the model's bytes
   * @param name names the model in messages (its file)
   * @param bundle the bundle it must compute
   * @param bundleSha256 SHA-256 of that bundle's file, which the model must record
   * @param seed seeds the drawn observations
   * @param observations how many to draw (at least 1)
   * @return the figures (check {@link Result#passed()})
   * @throws IllegalArgumentException when the model cannot be loaded, does not fit the bundle's
   *     interface, or records another bundle or other weights (the message names both sides)
   */
  public static Result verify(
      byte[] onnx,
      String name,
      PolicyBundle bundle,
      String bundleSha256,
      long seed,
      int observations) {
    if (observations < 1) {
      throw new IllegalArgumentException("verify at least one observation, got " + observations);
    }
    int n = bundle.observations().size();
    List<SignalSpec> actions = bundle.networkActions();
    int m = actions.size();
    try (OrtModel model = OrtModel.load(onnx, name, n, m)) {
      requireIdentity(model.metadata(), name, bundle, bundleSha256);
      float[][] inputs = draws(bundle.observations(), seed, observations);
      MlpPolicy reference = new MlpPolicy(bundle);
      double[] maxAbs = new double[m];
      double maxRelative = 0;
      String worst = "";
      double[] raw = new double[n];
      double[] expected = new double[m];
      for (int start = 0; start < inputs.length; start += BATCH) {
        int rows = Math.min(BATCH, inputs.length - start);
        float[] batch = new float[rows * n];
        for (int r = 0; r < rows; r++) {
          System.arraycopy(inputs[start + r], 0, batch, r * n, n);
        }
        float[] got = model.run(batch, rows);
        for (int r = 0; r < rows; r++) {
          for (int i = 0; i < n; i++) {
            raw[i] = inputs[start + r][i];
          }
          reference.act(raw, expected);
          for (int a = 0; a < m; a++) {
            double error = Math.abs(got[r * m + a] - expected[a]);
            double relative = error / actions.get(a).span();
            if (!(error <= maxAbs[a])) {
              maxAbs[a] = Double.isNaN(error) ? Double.NaN : error;
            }
            if (!(relative <= maxRelative) && !Double.isNaN(maxRelative)) {
              maxRelative = relative;
              worst =
                  String.format(
                      Locale.ROOT,
                      "observation %s: %s %s (ONNX) against %s (Java)",
                      describe(bundle.observations(), raw),
                      actions.get(a).name(),
                      got[r * m + a],
                      expected[a]);
            }
          }
        }
      }
      return new Result(name, inputs.length, n, actions, maxAbs, maxRelative, worst, TOLERANCE);
    }
  }

  /**
   * Refuses a model that records another bundle file or other weights than {@code bundle}'s. An
   * int8 model exported with {@code --quantize int8} records the full-precision bundle it was
   * quantised from; it matches an int8 bundle quantised from the same one with the same weights.
   */
  private static void requireIdentity(
      Map<String, String> metadata, String name, PolicyBundle bundle, String bundleSha256) {
    String recorded = metadata.get(OnnxExporter.BUNDLE_SHA256);
    String weights = PolicyBundles.weightsSha256(bundle.network());
    String recordedWeights = metadata.get(OnnxExporter.WEIGHTS_SHA256);
    if (recorded == null || recordedWeights == null) {
      throw new IllegalArgumentException(
          name
              + " does not record the bundle it was exported from ("
              + OnnxExporter.BUNDLE_SHA256
              + "): not a SafeLoop export, so it cannot be checked against a bundle");
    }
    Map<?, ?> quantization = bundle.quantization();
    boolean sibling =
        quantization != null
            && recorded.equals(String.valueOf(quantization.get("source_bundle_sha256")))
            && recordedWeights.equals(weights);
    if (!recorded.equals(bundleSha256) && !sibling) {
      throw new IllegalArgumentException(
          name
              + " was exported from bundle sha256 "
              + recorded
              + ", not from this bundle (sha256 "
              + bundleSha256
              + ")"
              + (recordedWeights.equals(weights)
                  ? "; the weights are the same, the bundle file is another"
                  : ""));
    }
    if (!recordedWeights.equals(weights)) {
      String type = metadata.getOrDefault(OnnxExporter.WEIGHT_TYPE, "?");
      throw new IllegalArgumentException(
          name
              + " holds other weights than the bundle ("
              + type
              + " weights sha256 "
              + recordedWeights
              + ", the bundle's "
              + bundle.network().weightType()
              + " weights sha256 "
              + weights
              + ")"
              + (type.equals("int8") && !bundle.network().isInt8()
                  ? ": it was quantised from this bundle; check it against the int8 bundle"
                      + " (export --format bundle --quantize int8 with the same seed and episodes)"
                  : ""));
    }
  }

  /**
   * Draws observations uniformly over each signal's range, rounded to float32 (the model's input
   * type), seeded: what the verification and the int8 error figures are measured on.
   *
   * @param signals the observations, with their ranges
   * @param seed the seed
   * @param count how many to draw
   * @return {@code count} rows in the signals' order
   */
  public static List<double[]> uniformDraws(List<SignalSpec> signals, long seed, int count) {
    SplittableRandom random = new SplittableRandom(seed);
    List<double[]> rows = new ArrayList<>(count);
    for (int k = 0; k < count; k++) {
      double[] row = new double[signals.size()];
      for (int i = 0; i < row.length; i++) {
        SignalSpec s = signals.get(i);
        row[i] = (float) (s.min() + random.nextDouble() * s.span());
      }
      rows.add(row);
    }
    return rows;
  }

  /** The drawn observations followed by one row per signal with that signal NaN (a dropout). */
  static float[][] draws(List<SignalSpec> signals, long seed, int count) {
    int n = signals.size();
    List<double[]> drawn = uniformDraws(signals, seed, count + n);
    float[][] rows = new float[count + n][n];
    for (int k = 0; k < rows.length; k++) {
      for (int i = 0; i < n; i++) {
        rows[k][i] = (float) drawn.get(k)[i];
      }
      if (k >= count) {
        rows[k][k - count] = Float.NaN;
      }
    }
    return rows;
  }

  private static String describe(List<SignalSpec> signals, double[] values) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < values.length; i++) {
      b.append(i == 0 ? "" : ", ").append(signals.get(i).name()).append('=').append(values[i]);
    }
    return b.toString();
  }
}
