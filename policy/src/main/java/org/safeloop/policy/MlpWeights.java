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
 * @param activation hidden-layer activation, {@code tanh} or {@code relu}
 * @param weights per layer, {@code [outputs][inputs]}
 * @param biases per layer, {@code [outputs]}
 */
public record MlpWeights(String activation, List<float[][]> weights, List<float[]> biases) {

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
    List<float[][]> w = new ArrayList<>();
    List<float[]> b = new ArrayList<>();
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
      w.add(copy);
      b.add(bias.clone());
      inputs = layer.length;
    }
    weights = List.copyOf(w);
    biases = List.copyOf(b);
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

  /** Returns every parameter in layer order (weights row by row, then biases), for hashing. */
  public float[] flatten() {
    int n = 0;
    for (int l = 0; l < layers(); l++) {
      n += weights.get(l).length * weights.get(l)[0].length + biases.get(l).length;
    }
    float[] out = new float[n];
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

  @Override
  public boolean equals(Object o) {
    return o instanceof MlpWeights other
        && activation.equals(other.activation)
        && Arrays.equals(flatten(), other.flatten())
        && layers() == other.layers();
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(flatten());
  }
}
