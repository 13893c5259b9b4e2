package org.safeloop.agent.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.ArrayList;
import java.util.List;

/**
 * One Adam optimiser over a set of parameters, with clipping by global gradient norm done by hand
 * (DJL's {@code optClipGrad} clips each element from one side only). The PyTorch engine's Adam
 * zeroes each gradient after its update; parameters this optimiser does not update must be zeroed
 * with {@link #zeroGradients} before they are next trained, or their gradients accumulate. Not
 * thread-safe.
 */
public final class Optimisation {
  private final Optimizer adam;
  private final List<NDArray> parameters = new ArrayList<>();
  private final List<String> ids = new ArrayList<>();
  private final double maxGradNorm;

  /**
   * Creates an optimiser.
   *
   * @param learningRate Adam's step size
   * @param maxGradNorm global norm the gradients are clipped to; infinite for none
   */
  public Optimisation(double learningRate, double maxGradNorm) {
    this.adam =
        Optimizer.adam().optLearningRateTracker(Tracker.fixed((float) learningRate)).build();
    this.maxGradNorm = maxGradNorm;
  }

  /** Adds the parameters of a network. */
  public Optimisation add(Mlp network) {
    parameters.addAll(network.parameters());
    ids.addAll(network.parameterIds());
    return this;
  }

  /** Adds a single trainable array (e.g. a log standard deviation) under {@code id}. */
  public Optimisation add(String id, NDArray parameter) {
    parameters.add(parameter);
    ids.add(id);
    return this;
  }

  /**
   * Applies one update from the gradients the last backward pass left on the parameters, clipped to
   * the global norm. Temporary arrays go to {@code step}.
   *
   * @return the gradient norm before clipping; NaN without clipping (not computed, to save the
   *     reductions)
   */
  public double step(NDManager step) {
    if (maxGradNorm == Double.POSITIVE_INFINITY) {
      for (int i = 0; i < parameters.size(); i++) {
        NDArray g = parameters.get(i).getGradient();
        g.attach(step);
        adam.update(ids.get(i), parameters.get(i), g);
      }
      return Double.NaN;
    }
    List<NDArray> gradients = new ArrayList<>(parameters.size());
    double squares = 0;
    for (NDArray p : parameters) {
      NDArray g = p.getGradient();
      g.attach(step);
      gradients.add(g);
      squares += g.square().sum().getFloat();
    }
    double norm = Math.sqrt(squares);
    float scale = (float) Math.min(1.0, maxGradNorm / (norm + 1e-6));
    for (int i = 0; i < parameters.size(); i++) {
      NDArray g = scale == 1f ? gradients.get(i) : gradients.get(i).mul(scale);
      adam.update(ids.get(i), parameters.get(i), g);
    }
    return norm;
  }

  /** Sets the gradients of {@code network}'s parameters to zero (see the class comment). */
  public static void zeroGradients(Mlp network) {
    for (NDArray p : network.parameters()) {
      try (NDArray g = p.getGradient()) {
        g.subi(g);
      }
    }
  }
}
