package org.safeloop.export;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.safeloop.env.Observation;
import org.safeloop.env.control.Policy;
import org.safeloop.policy.PolicyBundle;

/**
 * A bundle's network run by ONNX Runtime from its exported model: the same function as {@link
 * org.safeloop.policy.MlpPolicy} (observations in engineering units to the bundle's {@link
 * PolicyBundle#networkActions()}), computed in float32. For closed-loop comparisons and latency
 * measurements off the bridge; stateless between calls, so one instance serves every episode
 * ({@link org.safeloop.policy.BundlePolicies#of(PolicyBundle, java.util.function.Supplier,
 * java.util.function.Function)} adds a residual's base). Not thread-safe (one input buffer).
 */
public final class OnnxPolicy implements Policy, AutoCloseable {
  private final OrtModel model;
  private final FloatBuffer input;
  private final int actions;

  private OnnxPolicy(OrtModel model, int actions) {
    this.model = model;
    this.actions = actions;
    this.input =
        ByteBuffer.allocateDirect(4 * model.inputs())
            .order(ByteOrder.nativeOrder())
            .asFloatBuffer();
  }

  /**
   * Loads an exported model for a bundle.
   *
   * @param onnx the model's bytes
   * @param bundle the bundle it was exported from (for its widths)
   * @param name names the model in messages
   * @throws IllegalArgumentException when ONNX Runtime cannot load the model or its interface does
   *     not fit the bundle
   */
  public static OnnxPolicy load(byte[] onnx, PolicyBundle bundle, String name) {
    int actions = bundle.networkActions().size();
    return new OnnxPolicy(
        OrtModel.load(onnx, name, bundle.observations().size(), actions), actions);
  }

  @Override
  public double[] act(Observation observation) {
    if (observation.size() != model.inputs()) {
      throw new IllegalArgumentException(
          "the model reads " + model.inputs() + " observations, got " + observation.size());
    }
    double[] action = new double[actions];
    input.clear();
    for (int i = 0; i < observation.size(); i++) {
      input.put((float) observation.value(i));
    }
    copy(model.run(input.rewind(), 1), action);
    return action;
  }

  /**
   * Computes the action for raw observation values (the latency benchmark's call).
   *
   * @param observation values in engineering units, in the bundle's observation order
   * @param action receives the action in engineering units
   */
  public void act(double[] observation, double[] action) {
    input.clear();
    for (int i = 0; i < model.inputs(); i++) {
      input.put((float) observation[i]);
    }
    copy(model.run(input.rewind(), 1), action);
  }

  private static void copy(float[] from, double[] to) {
    for (int i = 0; i < to.length; i++) {
      to[i] = from[i];
    }
  }

  @Override
  public void close() {
    model.close();
  }
}
