package org.safeloop.policy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Post-training int8 quantisation of a bundle's weights: symmetric, one scale per output channel
 * (row), calibrated on observations the policy meets in its training scenario. Biases, the
 * normalisation and the output squashing stay as they are (float32 and double).
 *
 * <p>Layer by layer, on the inputs the already quantised layers before it give the calibration
 * observations: each row's scale is {@code ratio * max|w| / 127}, with the clipping ratio from
 * {@link #CLIP_RATIOS} that minimises the variance of the row's output error over the calibration
 * inputs, {@code dw' C dw} with {@code C} their covariance (the search for the clipping with the
 * least squared error that post-training quantisers commonly make); the mean of the error, {@code
 * dw . mean(x)}, is then taken off the bias (empirical bias correction, Nagel et al. 2019,
 * "Data-Free Quantization Through Weight Equalization and Bias Correction"). Clipping a few large
 * weights buys a finer grid for the rest; the ratio 1 (no clipping) stays a candidate, so
 * calibration never makes a row's mean squared error on its calibration inputs worse than plain
 * max-abs scaling does.
 *
 * <p>Stateless and thread-safe.
 */
public final class Int8Quantizer {
  /** The clipping ratios tried per row, largest first (ties keep the larger). */
  static final double[] CLIP_RATIOS = {1.0, 0.99, 0.98, 0.96, 0.94, 0.92, 0.9, 0.85, 0.8, 0.75};

  /** The scheme recorded in the bundle's {@link PolicyBundle#QUANTIZATION} record. */
  public static final String SCHEME = "int8-weights-symmetric-per-channel";

  private Int8Quantizer() {}

  /**
   * What quantisation did, for the record.
   *
   * @param bundle the int8 bundle
   * @param calibrationObservations how many observations calibrated it
   * @param clippedRows rows whose scale clips their largest weights (ratio below 1), per layer
   * @param rows rows per layer
   */
  public record Result(
      PolicyBundle bundle, int calibrationObservations, int[] clippedRows, int[] rows) {

    /** Copies the arrays. */
    public Result {
      clippedRows = clippedRows.clone();
      rows = rows.clone();
    }

    @Override
    public int[] clippedRows() {
      return clippedRows.clone();
    }

    @Override
    public int[] rows() {
      return rows.clone();
    }
  }

  /**
   * Quantises a float32 bundle's weights to int8.
   *
   * @param bundle the full-precision bundle
   * @param calibration raw observations in engineering units, in the bundle's observation order
   *     (NaN for a dropout, as the policy sees it), at least one
   * @param provenance what to record about the source and the calibration (e.g. the source bundle's
   *     SHA-256, the scenario, seeds, episodes); stored under {@link PolicyBundle#QUANTIZATION}
   *     with the scheme and the number of observations
   * @return the int8 bundle (same signals, normalisation, squashing and provenance otherwise)
   * @throws IllegalArgumentException when the bundle is int8 already, or the calibration is empty
   *     or of the wrong width
   */
  public static Result quantize(
      PolicyBundle bundle, List<double[]> calibration, Map<String, Object> provenance) {
    Objects.requireNonNull(bundle, "bundle");
    MlpWeights network = bundle.network();
    if (network.isInt8()) {
      throw new IllegalArgumentException("the bundle's weights are int8 already");
    }
    if (calibration.isEmpty()) {
      throw new IllegalArgumentException("int8 calibration needs at least one observation");
    }
    MlpPolicy policy = new MlpPolicy(bundle);
    int inputs = network.inputs();
    List<double[]> x = new ArrayList<>();
    for (double[] raw : calibration) {
      if (raw.length != bundle.observations().size()) {
        throw new IllegalArgumentException(
            "a calibration observation has "
                + raw.length
                + " values; the bundle reads "
                + bundle.observations().size());
      }
      double[] in = new double[inputs];
      policy.normalise(raw, in);
      x.add(in);
    }
    boolean relu = network.activation().equals("relu");
    List<byte[][]> quantized = new ArrayList<>();
    List<float[]> scales = new ArrayList<>();
    List<float[]> biases = new ArrayList<>();
    int layers = network.layers();
    int[] clipped = new int[layers];
    int[] rows = new int[layers];
    for (int l = 0; l < layers; l++) {
      float[][] w = network.weights().get(l);
      float[] b = network.biases().get(l);
      double[] mean = mean(x);
      double[][] covariance = covariance(x, mean);
      byte[][] q = new byte[w.length][];
      float[] s = new float[w.length];
      float[] corrected = new float[w.length];
      for (int r = 0; r < w.length; r++) {
        Row row = bestRow(w[r], covariance);
        q[r] = row.q;
        s[r] = row.scale;
        clipped[l] += row.ratio < 1.0 ? 1 : 0;
        double shift = 0;
        for (int c = 0; c < w[r].length; c++) {
          shift += ((float) q[r][c] * s[r] - w[r][c]) * mean[c];
        }
        corrected[r] = (float) (b[r] - shift);
      }
      rows[l] = w.length;
      quantized.add(q);
      scales.add(s);
      biases.add(corrected);
      if (l < layers - 1) {
        x = nextInputs(x, q, s, corrected, relu);
      }
    }
    MlpWeights int8 = MlpWeights.int8(network.activation(), quantized, scales, biases);
    Map<String, Object> record = new LinkedHashMap<>();
    record.put("scheme", SCHEME);
    record.put("calibration_observations", calibration.size());
    record.putAll(provenance);
    Map<String, Object> config = new LinkedHashMap<>(bundle.config());
    config.put(PolicyBundle.QUANTIZATION, record);
    PolicyBundle out = bundle.with(config, int8);
    return new Result(out, calibration.size(), clipped, rows);
  }

  /** One row's int8 weights, scale and the clipping ratio chosen. */
  private record Row(byte[] q, float scale, double ratio) {}

  /** Tries each clipping ratio and keeps the one with the least output error variance. */
  private static Row bestRow(float[] w, double[][] covariance) {
    double largest = 0;
    for (float v : w) {
      largest = Math.max(largest, Math.abs(v));
    }
    if (largest == 0) {
      return new Row(new byte[w.length], 1f / MlpWeights.INT8_MAX, 1.0);
    }
    Row best = null;
    double bestError = Double.POSITIVE_INFINITY;
    double[] delta = new double[w.length];
    for (double ratio : CLIP_RATIOS) {
      float scale = (float) (ratio * largest / MlpWeights.INT8_MAX);
      if (!(scale > 0)) {
        continue; // a row of subnormal weights: only the ratio 1 gives a usable scale
      }
      byte[] q = new byte[w.length];
      for (int c = 0; c < w.length; c++) {
        long v = Math.round((double) w[c] / scale);
        q[c] = (byte) Math.max(-MlpWeights.INT8_MAX, Math.min(MlpWeights.INT8_MAX, v));
        delta[c] = (float) q[c] * scale - w[c];
      }
      double error = quadratic(delta, covariance);
      if (error < bestError) {
        bestError = error;
        best = new Row(q, scale, ratio);
      }
    }
    // Only weights too small for any float scale leave no candidate: they quantise to zero.
    return best != null ? best : new Row(new byte[w.length], 1f / MlpWeights.INT8_MAX, 1.0);
  }

  private static double quadratic(double[] d, double[][] m) {
    double sum = 0;
    for (int i = 0; i < d.length; i++) {
      double row = 0;
      for (int j = 0; j < d.length; j++) {
        row += m[i][j] * d[j];
      }
      sum += d[i] * row;
    }
    return sum;
  }

  private static double[] mean(List<double[]> x) {
    double[] mean = new double[x.get(0).length];
    for (double[] v : x) {
      for (int i = 0; i < mean.length; i++) {
        mean[i] += v[i];
      }
    }
    for (int i = 0; i < mean.length; i++) {
      mean[i] /= x.size();
    }
    return mean;
  }

  private static double[][] covariance(List<double[]> x, double[] mean) {
    int n = mean.length;
    double[][] c = new double[n][n];
    double[] d = new double[n];
    for (double[] v : x) {
      for (int i = 0; i < n; i++) {
        d[i] = v[i] - mean[i];
      }
      for (int i = 0; i < n; i++) {
        for (int j = i; j < n; j++) {
          c[i][j] += d[i] * d[j];
        }
      }
    }
    for (int i = 0; i < n; i++) {
      for (int j = i; j < n; j++) {
        c[i][j] /= x.size();
        c[j][i] = c[i][j];
      }
    }
    return c;
  }

  /** The next layer's inputs: this quantised layer's activations on each calibration input. */
  private static List<double[]> nextInputs(
      List<double[]> x, byte[][] q, float[] s, float[] b, boolean relu) {
    List<double[]> out = new ArrayList<>(x.size());
    for (double[] in : x) {
      double[] y = new double[q.length];
      for (int r = 0; r < q.length; r++) {
        double sum = 0;
        for (int c = 0; c < in.length; c++) {
          sum += q[r][c] * in[c];
        }
        double z = b[r] + sum * s[r];
        y[r] = relu ? Math.max(0.0, z) : MlpPolicy.tanh(z);
      }
      out.add(y);
    }
    return out;
  }
}
