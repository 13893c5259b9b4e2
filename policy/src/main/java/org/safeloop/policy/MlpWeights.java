package org.safeloop.policy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The parameters of a fully connected network: for each layer a weight matrix (rows = outputs,
 * columns = inputs, the layout of DJL's {@code Linear}) and a bias vector, and the activation
 * between layers ({@code tanh} or {@code relu}; the last layer is linear). Arrays are copied.
 *
 * <p>The weights are float32, or int8 with one scale per output row (per channel): then {@code
 * scales} is not null and every weight is exactly {@code (float) q * scale} of its row for a whole
 * {@code q} in [-127, 127], the value ONNX's {@code DequantizeLinear} gives (see {@link #int8}).
 * {@link #weights()} is always the float32 view; biases stay float32 either way.
 *
 * @param activation hidden-layer activation, {@code tanh} or {@code relu}
 * @param weights per layer, {@code [outputs][inputs]}
 * @param biases per layer, {@code [outputs]}
 * @param scales per layer, {@code [outputs]}: the int8 scale of each row; null for float32 weights
 */
public record MlpWeights(
    String activation, List<float[][]> weights, List<float[]> biases, List<float[]> scales) {

  /** The largest magnitude of an int8 weight: symmetric, so -128 is never used. */
  public static final int INT8_MAX = 127;

  /** Checks shapes (each layer's inputs equal the previous layer's outputs) and copies. */
  public MlpWeights {
    Objects.requireNonNull(activation, "activation");
    if (!activation.equals("tanh") && !activation.equals("relu")) {
      throw new IllegalArgumentException("activation must be tanh or relu, got " + activation);
    }
    if (weights.isEmpty() || weights.size() != biases.size()) {
      throw new IllegalArgumentException(
          weights.size() + " weight matrices but " + biases.size() + " bias vectors");
    }
    if (scales != null && scales.size() != weights.size()) {
      throw new IllegalArgumentException(
          weights.size() + " weight matrices but " + scales.size() + " int8 scale vectors");
    }
    List<float[][]> w = new ArrayList<>();
    List<float[]> b = new ArrayList<>();
    List<float[]> s = scales == null ? null : new ArrayList<>();
    int inputs = -1;
    for (int l = 0; l < weights.size(); l++) {
      float[][] layer = weights.get(l);
      float[] bias = biases.get(l);
      if (layer.length == 0 || layer.length != bias.length) {
        throw new IllegalArgumentException(
            "layer " + l + ": " + layer.length + " rows but " + bias.length + " biases");
      }
      int columns = layer[0].length;
      if (inputs >= 0 && columns != inputs) {
        throw new IllegalArgumentException(
            "layer " + l + " takes " + columns + " inputs but the layer before gives " + inputs);
      }
      float[][] copy = new float[layer.length][];
      for (int r = 0; r < layer.length; r++) {
        if (layer[r].length != columns) {
          throw new IllegalArgumentException("layer " + l + " is not rectangular");
        }
        copy[r] = layer[r].clone();
      }
      if (s != null) {
        s.add(requireInt8(l, copy, scales.get(l)));
      }
      w.add(copy);
      b.add(bias.clone());
      inputs = layer.length;
    }
    weights = List.copyOf(w);
    biases = List.copyOf(b);
    scales = s == null ? null : List.copyOf(s);
  }

  /** Float32 weights (the form training writes). */
  public MlpWeights(String activation, List<float[][]> weights, List<float[]> biases) {
    this(activation, weights, biases, null);
  }

  /**
   * Builds int8 weights: each weight is {@code (float) q * scale} of its row, computed in float32
   * exactly as ONNX's {@code DequantizeLinear} does.
   *
   * @param activation hidden-layer activation
   * @param quantized per layer, {@code [outputs][inputs]}, each in [-127, 127]
   * @param scales per layer, {@code [outputs]}, positive and finite
   * @param biases per layer, {@code [outputs]}, float32
   */
  public static MlpWeights int8(
      String activation, List<byte[][]> quantized, List<float[]> scales, List<float[]> biases) {
    if (quantized.size() != scales.size()) {
      throw new IllegalArgumentException(
          quantized.size() + " int8 weight matrices but " + scales.size() + " scale vectors");
    }
    List<float[][]> weights = new ArrayList<>();
    for (int l = 0; l < quantized.size(); l++) {
      byte[][] q = quantized.get(l);
      float[] s = scales.get(l);
      if (q.length != s.length) {
        throw new IllegalArgumentException(
            "layer " + l + ": " + q.length + " int8 rows but " + s.length + " scales");
      }
      float[][] w = new float[q.length][];
      for (int r = 0; r < q.length; r++) {
        w[r] = new float[q[r].length];
        for (int c = 0; c < q[r].length; c++) {
          if (q[r][c] < -INT8_MAX) {
            throw new IllegalArgumentException(
                "layer " + l + ": int8 weight -128 (the symmetric range is [-127, 127])");
          }
          w[r][c] = (float) q[r][c] * s[r];
        }
      }
      weights.add(w);
    }
    return new MlpWeights(activation, weights, biases, scales);
  }

  /** Checks that a layer's weights are int8 values times their row's scale; returns the copy. */
  private static float[] requireInt8(int layer, float[][] weights, float[] scales) {
    if (scales.length != weights.length) {
      throw new IllegalArgumentException(
          "layer " + layer + ": " + weights.length + " rows but " + scales.length + " scales");
    }
    for (int r = 0; r < weights.length; r++) {
      float s = scales[r];
      if (!(s > 0) || !Float.isFinite(s)) {
        throw new IllegalArgumentException(
            "layer " + layer + " row " + r + ": int8 scale must be positive, got " + s);
      }
      for (float w : weights[r]) {
        long q = Math.round((double) w / s);
        if (Math.abs(q) > INT8_MAX || (float) q * s != w) {
          throw new IllegalArgumentException(
              "layer "
                  + layer
                  + " row "
                  + r
                  + ": weight "
                  + w
                  + " is not an int8 multiple of "
                  + s);
        }
      }
    }
    return scales.clone();
  }

  /** Returns true when the weights are int8 with per-row scales. */
  public boolean isInt8() {
    return scales != null;
  }

  /** Returns {@code int8} or {@code float32}. */
  public String weightType() {
    return isInt8() ? "int8" : "float32";
  }

  @Override
  public List<float[]> scales() {
    if (scales == null) {
      return null;
    }
    List<float[]> copy = new ArrayList<>();
    for (float[] s : scales) {
      copy.add(s.clone());
    }
    return List.copyOf(copy);
  }

  /**
   * Returns the int8 weights, per layer {@code [outputs][inputs]}.
   *
   * @throws IllegalStateException for float32 weights
   */
  public List<byte[][]> int8Weights() {
    if (scales == null) {
      throw new IllegalStateException("the weights are float32, not int8");
    }
    List<byte[][]> out = new ArrayList<>();
    for (int l = 0; l < weights.size(); l++) {
      float[][] w = weights.get(l);
      float[] s = scales.get(l);
      byte[][] q = new byte[w.length][];
      for (int r = 0; r < w.length; r++) {
        q[r] = new byte[w[r].length];
        for (int c = 0; c < w[r].length; c++) {
          q[r][c] = (byte) Math.round((double) w[r][c] / s[r]);
        }
      }
      out.add(q);
    }
    return List.copyOf(out);
  }

  /** Returns the number of inputs of the first layer. */
  public int inputs() {
    return weights.get(0)[0].length;
  }

  /** Returns the number of outputs of the last layer. */
  public int outputs() {
    return weights.get(weights.size() - 1).length;
  }

  /** Returns the number of layers. */
  public int layers() {
    return weights.size();
  }

  /** Returns the number of weights and biases. */
  public int parameters() {
    int n = 0;
    for (int l = 0; l < layers(); l++) {
      n += weights.get(l).length * weights.get(l)[0].length + biases.get(l).length;
    }
    return n;
  }

  /** Returns every parameter in layer order (weights row by row, then biases), for hashing. */
  public float[] flatten() {
    float[] out = new float[parameters()];
    int k = 0;
    for (int l = 0; l < layers(); l++) {
      for (float[] row : weights.get(l)) {
        System.arraycopy(row, 0, out, k, row.length);
        k += row.length;
      }
      float[] bias = biases.get(l);
      System.arraycopy(bias, 0, out, k, bias.length);
      k += bias.length;
    }
    return out;
  }

  private float[] flatScales() {
    if (scales == null) {
      return null;
    }
    int n = 0;
    for (float[] s : scales) {
      n += s.length;
    }
    float[] out = new float[n];
    int k = 0;
    for (float[] s : scales) {
      System.arraycopy(s, 0, out, k, s.length);
      k += s.length;
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MlpWeights other
        && activation.equals(other.activation)
        && layers() == other.layers()
        && Arrays.equals(flatten(), other.flatten())
        && Arrays.equals(flatScales(), other.flatScales());
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(flatten()) + Arrays.hashCode(flatScales());
  }
}
