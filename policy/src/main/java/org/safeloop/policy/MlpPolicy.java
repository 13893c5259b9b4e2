package org.safeloop.policy;

import java.util.List;
import org.safeloop.env.Observation;
import org.safeloop.env.SignalSpec;
import org.safeloop.env.control.Policy;

/**
 * The deterministic policy of a bundle, in plain Java: no native library, no allocation per call
 * beyond the returned array (and none at all through {@link #act(double[], double[])}).
 *
 * <p>Pipeline: observation in engineering units -> [-1, 1] over each signal's range -> running
 * mean/std normalisation (frozen statistics, clipped) -> network (hidden activation, linear output)
 * -> {@code tanh} (SAC) or clip to [-1, 1] (PPO) -> actuator range. A NaN observation (a dropout)
 * enters the network as the running mean, so a bad sensor never turns into a NaN action; the shield
 * decides what to do with bad measurements.
 *
 * <p>Computes in double precision from float weights; equal to the DJL forward pass within 1e-5.
 * With int8 weights ({@link MlpWeights#isInt8()}) each row's dot product runs over the signed bytes
 * and is scaled once by the row's scale: the weights stay a quarter of the size in memory, and the
 * result equals the dequantised network's (ONNX {@code DequantizeLinear} then {@code Gemm}) to
 * float32 rounding. Not thread-safe (scratch buffers); make one per thread.
 */
public final class MlpPolicy implements Policy {
  private final PolicyBundle bundle;
  private final float[][][] weights;
  private final byte[][][] int8Weights;
  private final float[][] scales;
  private final float[][] biases;
  private final boolean relu;
  private final double[] obsMin;
  private final double[] obsSpan;
  private final double[] mean;
  private final double[] inverseStd;
  private final double clip;
  private final double[] actMin;
  private final double[] actSpan;
  private final boolean squash;
  private final double[][] buffers;

  /** Builds the policy from a bundle. */
  public MlpPolicy(PolicyBundle bundle) {
    this.bundle = bundle;
    MlpWeights w = bundle.network();
    int layers = w.layers();
    boolean int8 = w.isInt8();
    weights = int8 ? null : new float[layers][][];
    int8Weights = int8 ? w.int8Weights().toArray(new byte[0][][]) : null;
    scales = int8 ? w.scales().toArray(new float[0][]) : null;
    biases = new float[layers][];
    buffers = new double[layers + 1][];
    buffers[0] = new double[w.inputs()];
    for (int l = 0; l < layers; l++) {
      if (!int8) {
        weights[l] = w.weights().get(l);
      }
      biases[l] = w.biases().get(l);
      buffers[l + 1] = new double[biases[l].length];
    }
    relu = w.activation().equals("relu");
    int n = bundle.observations().size();
    obsMin = new double[n];
    obsSpan = new double[n];
    for (int i = 0; i < n; i++) {
      obsMin[i] = bundle.observations().get(i).min();
      obsSpan[i] = bundle.observations().get(i).span();
    }
    mean = bundle.normalisation().mean();
    inverseStd = new double[n];
    double[] std = bundle.normalisation().std();
    for (int i = 0; i < n; i++) {
      inverseStd[i] = 1.0 / std[i];
    }
    clip = bundle.normalisation().clip();
    // A residual bundle's network outputs the correction: plus or minus its bound.
    List<SignalSpec> outputs = bundle.networkActions();
    int m = outputs.size();
    actMin = new double[m];
    actSpan = new double[m];
    for (int i = 0; i < m; i++) {
      actMin[i] = outputs.get(i).min();
      actSpan[i] = outputs.get(i).span();
    }
    squash = bundle.outputSquashing().equals(PolicyBundle.SQUASH_TANH);
  }

  /** Returns the bundle this policy runs. */
  public PolicyBundle bundle() {
    return bundle;
  }

  @Override
  public double[] act(Observation observation) {
    double[] out = new double[actMin.length];
    double[] values = buffers[0];
    if (observation.size() != obsMin.length) {
      throw new IllegalArgumentException(
          "the bundle expects " + obsMin.length + " observations, got " + observation.size());
    }
    for (int i = 0; i < obsMin.length; i++) {
      values[i] = observation.value(i);
    }
    forward(values, out);
    return out;
  }

  /**
   * Computes the action for raw observation values without allocating.
   *
   * @param observation values in engineering units, in the bundle's observation order
   * @param action receives the action in engineering units
   */
  public void act(double[] observation, double[] action) {
    double[] input = buffers[0];
    if (observation != input) {
      System.arraycopy(observation, 0, input, 0, input.length);
    }
    forward(input, action);
  }

  /**
   * Returns the network's raw output for an already normalised input (for comparisons with the
   * training framework); allocates.
   */
  public double[] networkOutput(double[] normalisedInput) {
    double[] in = buffers[0];
    System.arraycopy(normalisedInput, 0, in, 0, in.length);
    return network().clone();
  }

  private void forward(double[] raw, double[] action) {
    normalise(raw, buffers[0]);
    double[] y = network();
    for (int i = 0; i < action.length; i++) {
      double u = squash ? Math.tanh(y[i]) : Math.max(-1.0, Math.min(1.0, y[i]));
      action[i] = actMin[i] + 0.5 * (u + 1.0) * actSpan[i];
    }
  }

  /**
   * Computes the network's input from raw observation values: onto [-1, 1] over each signal's
   * range, normalised with the frozen statistics, a NaN as the running mean, clipped.
   *
   * @param raw values in engineering units, in the bundle's observation order
   * @param x receives the network's input ({@code raw} and {@code x} may be the same array)
   */
  void normalise(double[] raw, double[] x) {
    for (int i = 0; i < x.length; i++) {
      double scaled = 2.0 * (raw[i] - obsMin[i]) / obsSpan[i] - 1.0;
      double z = (scaled - mean[i]) * inverseStd[i];
      if (Double.isNaN(z)) {
        z = 0.0; // a dropout enters as the running mean
      }
      x[i] = Math.max(-clip, Math.min(clip, z));
    }
  }

  /**
   * tanh through the JIT's exp intrinsic: {@code 1 - 2 / (exp(2x) + 1)}, odd-symmetric. About three
   * times faster than {@link Math#tanh} and within 1e-15 of it (the network computes in float).
   */
  static double tanh(double x) {
    double a = Math.abs(x);
    double t = a > 20.0 ? 1.0 : 1.0 - 2.0 / (Math.exp(2.0 * a) + 1.0);
    return x < 0 ? -t : t;
  }

  /**
   * Runs the layers on buffers[0]; returns the last buffer. The float32 and int8 loops are separate
   * methods, so that the JIT compiles each for its own weights: one inner loop with both kinds of
   * row (and a profile of both, where one process ran both kinds) ran the float32 pass 50 % slower.
   */
  private double[] network() {
    return weights != null ? floatNetwork() : int8Network();
  }

  private double[] floatNetwork() {
    int layers = weights.length;
    for (int l = 0; l < layers; l++) {
      double[] in = buffers[l];
      double[] out = buffers[l + 1];
      float[][] w = weights[l];
      float[] b = biases[l];
      boolean hidden = l < layers - 1;
      for (int r = 0; r < out.length; r++) {
        float[] row = w[r];
        double sum = b[r];
        for (int c = 0; c < in.length; c++) {
          sum += row[c] * in[c];
        }
        out[r] = !hidden ? sum : relu ? Math.max(0.0, sum) : tanh(sum);
      }
    }
    return buffers[layers];
  }

  /**
   * Each signed byte's value as a double, by table: converting an integer to double in the inner
   * loop (x86's cvtsi2sd, with its false dependency on the target register) made the int8 pass
   * twice as slow as the float32 one.
   */
  private static final double[] BYTE_VALUES = new double[256];

  static {
    for (int i = 0; i < 256; i++) {
      BYTE_VALUES[i] = i - 128;
    }
  }

  /** Each row's dot product over its signed bytes, scaled once by the row's scale. */
  private double[] int8Network() {
    int layers = int8Weights.length;
    for (int l = 0; l < layers; l++) {
      double[] in = buffers[l];
      double[] out = buffers[l + 1];
      byte[][] w = int8Weights[l];
      float[] s = scales[l];
      float[] b = biases[l];
      boolean hidden = l < layers - 1;
      for (int r = 0; r < out.length; r++) {
        byte[] row = w[r];
        double dot = 0;
        for (int c = 0; c < in.length; c++) {
          dot += BYTE_VALUES[row[c] + 128] * in[c];
        }
        double sum = b[r] + dot * s[r];
        out[r] = !hidden ? sum : relu ? Math.max(0.0, sum) : tanh(sum);
      }
    }
    return buffers[layers];
  }
}
