package org.safeloop.export;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Map;

/**
 * An ONNX model loaded in ONNX Runtime (CPU, one thread, all graph optimisations), as SafeLoop runs
 * its exports: one float32 input {@value OnnxExporter#INPUT} {@code [batch, n]} and one output
 * {@value OnnxExporter#OUTPUT} {@code [batch, m]}. Loading checks those names and widths, so a
 * model of another bundle's shape is refused before it is run. Not thread-safe (ONNX Runtime's
 * session is, but the input buffer is shared).
 */
final class OrtModel implements AutoCloseable {
  private final OrtEnvironment environment;
  private final OrtSession session;
  private final int inputs;
  private final int outputs;
  private final String name;

  private OrtModel(
      OrtEnvironment environment, OrtSession session, int inputs, int outputs, String name) {
    this.environment = environment;
    this.session = session;
    this.inputs = inputs;
    this.outputs = outputs;
    this.name = name;
  }

  /** ONNX Runtime's process-wide environment, logging errors only. */
  static OrtEnvironment environment() {
    return OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, "safeloop");
  }

  /**
   * Loads a model and checks its interface.
   *
   * @param model the model's bytes
   * @param name names the model in messages (a file, or "the exported model")
   * @param inputs observations the bundle reads
   * @param outputs actions it writes
   * @throws IllegalArgumentException when ONNX Runtime cannot load the bytes (corrupt, truncated,
   *     not ONNX), or the model's input or output is not the one a SafeLoop export of this bundle
   *     has (the message says which)
   */
  static OrtModel load(byte[] model, String name, int inputs, int outputs) {
    OrtEnvironment env = environment();
    OrtSession session;
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      // One thread: a control cycle runs one observation, and the bridge host has other work.
      options.setIntraOpNumThreads(1);
      options.setInterOpNumThreads(1);
      options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      options.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
      session = env.createSession(model, options);
    } catch (OrtException e) {
      throw new IllegalArgumentException(
          name
              + " is not an ONNX model that ONNX Runtime can load (corrupt or not ONNX): "
              + firstLine(e.getMessage()),
          e);
    }
    try {
      requireTensor(session.getInputInfo(), OnnxExporter.INPUT, inputs, "input", name);
      requireTensor(session.getOutputInfo(), OnnxExporter.OUTPUT, outputs, "output", name);
    } catch (OrtException | RuntimeException e) {
      closeQuietly(session, e);
      if (e instanceof IllegalArgumentException iae) {
        throw iae;
      }
      throw new IllegalArgumentException(
          name + ": ONNX Runtime cannot describe its inputs: " + e.getMessage(), e);
    }
    return new OrtModel(env, session, inputs, outputs, name);
  }

  private static void requireTensor(
      Map<String, NodeInfo> info, String expected, int width, String role, String name) {
    NodeInfo node = info.get(expected);
    String want = role + " '" + expected + "' of float32 [batch, " + width + "]";
    if (info.size() != 1 || node == null || !(node.getInfo() instanceof TensorInfo tensor)) {
      throw new IllegalArgumentException(
          name
              + " is not a SafeLoop policy model: it has "
              + role
              + "s "
              + info.keySet()
              + ", a SafeLoop export has one "
              + want);
    }
    long[] shape = tensor.getShape();
    if (tensor.type != ai.onnxruntime.OnnxJavaType.FLOAT
        || shape.length != 2
        || shape[1] != width) {
      throw new IllegalArgumentException(
          name
              + " does not fit the bundle: its "
              + role
              + " '"
              + expected
              + "' is "
              + tensor.type
              + " "
              + Arrays.toString(shape)
              + ", the bundle needs "
              + want);
    }
  }

  /** Returns the model's {@code metadata_props}. */
  Map<String, String> metadata() {
    try {
      return session.getMetadata().getCustomMetadata();
    } catch (OrtException e) {
      throw new IllegalArgumentException(name + ": cannot read its metadata: " + e.getMessage(), e);
    }
  }

  /** Returns the model's {@code doc_string}. */
  String description() {
    try {
      return session.getMetadata().getDescription();
    } catch (OrtException e) {
      throw new IllegalArgumentException(name + ": cannot read its metadata: " + e.getMessage(), e);
    }
  }

  /** Returns the number of observations the model reads. */
  int inputs() {
    return inputs;
  }

  /**
   * Runs a batch.
   *
   * @param batch {@code rows * inputs} float32 values, row-major
   * @param rows the batch size
   * @return {@code rows * outputs} values, row-major
   */
  float[] run(float[] batch, int rows) {
    FloatBuffer data =
        ByteBuffer.allocateDirect(4 * batch.length).order(ByteOrder.nativeOrder()).asFloatBuffer();
    data.put(batch).rewind();
    return run(data, rows);
  }

  /** Runs a batch held in a direct buffer (no copy on the way in). */
  float[] run(FloatBuffer data, int rows) {
    try (OnnxTensor tensor = OnnxTensor.createTensor(environment, data, new long[] {rows, inputs});
        OrtSession.Result result = session.run(Map.of(OnnxExporter.INPUT, tensor))) {
      OnnxValue value = result.get(0);
      FloatBuffer out = ((OnnxTensor) value).getFloatBuffer();
      float[] values = new float[rows * outputs];
      out.get(values);
      return values;
    } catch (OrtException e) {
      throw new IllegalStateException(name + ": ONNX Runtime failed to run: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException("cannot close the ONNX Runtime session: " + e, e);
    }
  }

  private static void closeQuietly(OrtSession session, Exception cause) {
    try {
      session.close();
    } catch (OrtException e) {
      cause.addSuppressed(e);
    }
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "no reason given";
    }
    int end = message.indexOf('\n');
    return end < 0 ? message : message.substring(0, end);
  }
}
