package org.safeloop.agent.nn;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.safeloop.policy.MlpWeights;

/**
 * A fully connected network on DJL (tanh hidden layers, linear output) with its parameters, named
 * for its optimiser and exportable to {@link MlpWeights} for the pure-Java path. Initialised
 * deterministically from a seed. Not thread-safe.
 */
public final class Mlp {
  /**
   * Widest hidden layer: a 4096 x 4096 layer already holds 16 M weights (64 MB, and as much again
   * for each of Adam's moments); the published defaults are 64 and 256.
   */
  public static final int MAX_WIDTH = 4096;

  /** Most hidden layers. */
  public static final int MAX_LAYERS = 8;

  /** Whether {@code hidden} is 1 to {@link #MAX_LAYERS} widths of 1 to {@link #MAX_WIDTH}. */
  public static boolean validHidden(int[] hidden) {
    return hidden.length >= 1
        && hidden.length <= MAX_LAYERS
        && Arrays.stream(hidden).allMatch(h -> h >= 1 && h <= MAX_WIDTH);
  }

  /** The message for hidden sizes {@link #validHidden} refuses. */
  public static String hiddenBounds(int[] hidden) {
    return "hidden: 1 to "
        + MAX_LAYERS
        + " layer widths, each between 1 and "
        + MAX_WIDTH
        + ", got "
        + Arrays.toString(hidden);
  }

  private final String name;
  private final SequentialBlock block;
  private final ParameterStore store;
  private final List<NDArray> parameters = new ArrayList<>();
  private final List<String> parameterIds = new ArrayList<>();

  /**
   * Builds and initialises a network.
   *
   * @param name prefix of its parameter ids (e.g. {@code actor})
   * @param manager long-lived manager that owns the parameters
   * @param inputs input width
   * @param hidden widths of the hidden layers
   * @param outputs output width
   * @param seed initialisation seed
   * @param outputScale multiplies the initial output layer's weights (e.g. 0.01 for a policy whose
   *     first actions should stay near the centre)
   */
  public Mlp(
      String name,
      NDManager manager,
      int inputs,
      int[] hidden,
      int outputs,
      int seed,
      double outputScale) {
    this.name = name;
    Engine.getInstance().setRandomSeed(seed);
    block = new SequentialBlock();
    for (int units : hidden) {
      block.add(Linear.builder().setUnits(units).build()).add(Activation::tanh);
    }
    block.add(Linear.builder().setUnits(outputs).build());
    block.setInitializer(new XavierInitializer(), Parameter.Type.WEIGHT);
    block.initialize(manager, DataType.FLOAT32, new Shape(1, inputs));
    store = new ParameterStore(manager, false);
    ParameterList params = block.getParameters();
    for (Pair<String, Parameter> p : params) {
      parameters.add(p.getValue().getArray());
      parameterIds.add(name + "/" + p.getKey());
    }
    if (outputScale != 1.0) {
      NDArray lastWeight = parameters.get(parameters.size() - 2);
      lastWeight.set(scale(lastWeight.toFloatArray(), (float) outputScale));
    }
  }

  private static float[] scale(float[] values, float factor) {
    for (int i = 0; i < values.length; i++) {
      values[i] *= factor;
    }
    return values;
  }

  /** Runs the network on a batch {@code (n, inputs)}; records gradients when {@code training}. */
  public NDArray forward(NDArray input, boolean training) {
    return block.forward(store, new NDList(input), training).singletonOrThrow();
  }

  /** Returns the parameter arrays (owned by the network's manager), in layer order. */
  public List<NDArray> parameters() {
    return parameters;
  }

  /** Returns the parameter ids for the optimiser, e.g. {@code actor/01Linear_weight}. */
  public List<String> parameterIds() {
    return parameterIds;
  }

  /** Returns the network's name. */
  public String name() {
    return name;
  }

  /** Copies every parameter from {@code other}, which must have the same shape (target nets). */
  public void copyFrom(Mlp other) {
    for (int i = 0; i < parameters.size(); i++) {
      parameters.get(i).set(other.parameters.get(i).toFloatArray());
    }
  }

  /**
   * Moves every parameter toward {@code other}'s: {@code p <- (1 - tau) p + tau other} (Polyak).
   */
  public void polyakToward(Mlp other, double tau) {
    for (int i = 0; i < parameters.size(); i++) {
      float[] mine = parameters.get(i).toFloatArray();
      float[] theirs = other.parameters.get(i).toFloatArray();
      for (int k = 0; k < mine.length; k++) {
        mine[k] = (float) ((1 - tau) * mine[k] + tau * theirs[k]);
      }
      parameters.get(i).set(mine);
    }
  }

  /** Exports the parameters for the pure-Java forward pass. */
  public MlpWeights export() {
    List<float[][]> weights = new ArrayList<>();
    List<float[]> biases = new ArrayList<>();
    for (int i = 0; i < parameters.size(); i += 2) {
      NDArray w = parameters.get(i);
      long[] shape = w.getShape().getShape();
      float[] flat = w.toFloatArray();
      float[][] matrix = new float[(int) shape[0]][(int) shape[1]];
      for (int r = 0; r < matrix.length; r++) {
        System.arraycopy(flat, r * matrix[r].length, matrix[r], 0, matrix[r].length);
      }
      weights.add(matrix);
      biases.add(parameters.get(i + 1).toFloatArray());
    }
    return new MlpWeights("tanh", weights, biases);
  }
}
