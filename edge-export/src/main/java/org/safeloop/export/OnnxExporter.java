package org.safeloop.export;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.safeloop.env.SignalSpec;
import org.safeloop.export.onnx.OnnxProto.AttributeProto;
import org.safeloop.export.onnx.OnnxProto.GraphProto;
import org.safeloop.export.onnx.OnnxProto.ModelProto;
import org.safeloop.export.onnx.OnnxProto.NodeProto;
import org.safeloop.export.onnx.OnnxProto.OperatorSetIdProto;
import org.safeloop.export.onnx.OnnxProto.StringStringEntryProto;
import org.safeloop.export.onnx.OnnxProto.TensorProto;
import org.safeloop.export.onnx.OnnxProto.TensorShapeProto;
import org.safeloop.export.onnx.OnnxProto.TypeProto;
import org.safeloop.export.onnx.OnnxProto.ValueInfoProto;
import org.safeloop.policy.BundlePolicies;
import org.safeloop.policy.MlpWeights;
import org.safeloop.policy.PolicyBundle;
import org.safeloop.policy.PolicyBundles;

/**
 * Writes a bundle's deterministic policy as an ONNX model with the ONNX protobuf schema: one graph
 * from the observation in engineering units to the network's action in engineering units, the
 * pure-Java forward pass ({@link org.safeloop.policy.MlpPolicy}) step for step.
 *
 * <p>The graph (opset {@value #OPSET}, IR version {@value #IR_VERSION}, float32 throughout; the
 * batch dimension is free): {@code Sub(centre) -> Sub(centre rest) -> Mul(2 / (span std))} (range
 * scaling and the frozen normalisation folded into one centre, split in two float32 parts, and one
 * gain per input), {@code IsNaN/Where} (a dropout enters as the running mean, 0), {@code
 * Clip(-clip, clip)}, then per layer {@code Gemm(transB = 1)} with {@code Tanh} or {@code Relu}
 * between layers (int8 weights enter through {@code DequantizeLinear} with one scale per output
 * row, {@code axis = 0}, zero point 0), then {@code Tanh} (SAC) or {@code Clip(-1, 1)} (PPO), then
 * {@code Mul(span / 2) -> Add(min + span / 2)} onto each action's range. Input {@value #INPUT} is
 * {@code [batch, observations]}, output {@value #OUTPUT} {@code [batch, actions]}.
 *
 * <p>The model's {@code metadata_props} name every input and output with its unit and range, say
 * what the output means (an actuator set point, a residual's correction, a position in the shield's
 * box), and carry the bundle's hashes, which the doc string repeats for a reader (reference: {@code
 * docs/reference/onnx.md}). Stateless and thread-safe.
 */
public final class OnnxExporter {
  /** The ONNX operator set used: the first with per-axis {@code DequantizeLinear}. */
  public static final int OPSET = 13;

  /** The ONNX IR version that goes with {@link #OPSET}. */
  public static final int IR_VERSION = 7;

  /** The graph's input: observations in engineering units, {@code [batch, observations]}. */
  public static final String INPUT = "observation";

  /** The graph's output: the network's action in engineering units, {@code [batch, actions]}. */
  public static final String OUTPUT = "action";

  /**
   * Most parameters exported: a protobuf message is limited to 2 GiB, and a bundle file to {@link
   * PolicyBundles#MAX_BUNDLE_BYTES} already.
   */
  public static final long MAX_PARAMETERS = 256L * 1024 * 1024;

  /** The metadata key of the source bundle's SHA-256 (what an approval binds). */
  public static final String BUNDLE_SHA256 = "safeloop.bundle_sha256";

  /** The metadata key of the network's parameters' SHA-256, as in the bundle's manifest. */
  public static final String WEIGHTS_SHA256 = "safeloop.weights_sha256";

  /** The metadata key of the weights' type: {@code float32} or {@code int8}. */
  public static final String WEIGHT_TYPE = "safeloop.weight_type";

  private static final ObjectMapper JSON = new ObjectMapper();

  private OnnxExporter() {}

  /**
   * Refuses a bundle whose policy this exporter cannot write as one ONNX model with the meaning the
   * bundle gives it.
   *
   * @throws IllegalArgumentException saying what is not supported and why
   */
  public static void requireSupported(PolicyBundle bundle) {
    Objects.requireNonNull(bundle, "bundle");
    try {
      BundlePolicies.requireKnownBase(bundle);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "cannot export: "
              + e.getMessage()
              + "; the model would not say what to add its output to",
          e);
    }
    MlpWeights network = bundle.network();
    if (!network.activation().equals("tanh") && !network.activation().equals("relu")) {
      throw new IllegalArgumentException(
          "cannot export: hidden activation " + network.activation() + " (tanh and relu are)");
    }
    if (network.parameters() > MAX_PARAMETERS) {
      throw new IllegalArgumentException(
          "cannot export: "
              + network.parameters()
              + " parameters, more than the "
              + MAX_PARAMETERS
              + " one ONNX file holds here (protobuf messages end at 2 GiB)");
    }
  }

  /**
   * Builds the ONNX model of a bundle.
   *
   * @param bundle the bundle (float32 or int8 weights)
   * @param bundleSha256 SHA-256 of the bundle file, recorded as its identity
   * @param producerVersion SafeLoop's version, for {@code producer_version}
   * @param extraMetadata more {@code metadata_props} (e.g. quantisation figures), after the
   *     standard ones; a key may not repeat one of them
   * @return the serialised {@code ModelProto}
   * @throws IllegalArgumentException for a bundle {@link #requireSupported} refuses
   */
  public static byte[] export(
      PolicyBundle bundle,
      String bundleSha256,
      String producerVersion,
      Map<String, String> extraMetadata) {
    requireSupported(bundle);
    Graph g = new Graph();
    List<SignalSpec> observations = bundle.observations();
    int n = observations.size();
    // z = (x - centre) * gain, with centre = min + span (1 + mean) / 2 the reading that normalises
    // to 0 and gain = 2 / (span std): the same z as range scaling then standardising. In float32
    // the centre goes in two parts (high and the rest), so that x - centre loses nothing to the
    // centre's rounding: a reactor temperature near 330 K is held to 3e-5 K in float32 alone,
    // which a small std would magnify past the verification's bound.
    float[] centreHigh = new float[n];
    float[] centreLow = new float[n];
    float[] gain = new float[n];
    double[] mean = bundle.normalisation().mean();
    double[] std = bundle.normalisation().std();
    for (int i = 0; i < n; i++) {
      SignalSpec s = observations.get(i);
      double centre = s.min() + 0.5 * s.span() * (1.0 + mean[i]);
      centreHigh[i] = (float) centre;
      centreLow[i] = (float) (centre - centreHigh[i]);
      gain[i] = (float) (2.0 / (s.span() * std[i]));
    }
    g.floats("observation_centre", new long[] {n}, centreHigh);
    g.floats("observation_centre_rest", new long[] {n}, centreLow);
    g.floats("observation_gain", new long[] {n}, gain);
    g.node("Sub", "normalise_centre", List.of(INPUT, "observation_centre"), "centred_high");
    g.node(
        "Sub",
        "normalise_centre_rest",
        List.of("centred_high", "observation_centre_rest"),
        "centred");
    g.node("Mul", "normalise_scale", List.of("centred", "observation_gain"), "standardised");
    g.floats("zero", new long[0], new float[] {0f});
    g.node("IsNaN", "dropout_test", List.of("standardised"), "dropout");
    g.node("Where", "dropout_as_mean", List.of("dropout", "zero", "standardised"), "filled");
    float clip = (float) bundle.normalisation().clip();
    g.floats("clip_low", new long[0], new float[] {-clip});
    g.floats("clip_high", new long[0], new float[] {clip});
    g.node("Clip", "normalise_clip", List.of("filled", "clip_low", "clip_high"), "layer0_input");

    MlpWeights network = bundle.network();
    List<byte[][]> int8 = network.isInt8() ? network.int8Weights() : null;
    List<float[]> scales = network.isInt8() ? network.scales() : null;
    String x = "layer0_input";
    for (int l = 0; l < network.layers(); l++) {
      float[][] w = network.weights().get(l);
      long[] shape = {w.length, w[0].length};
      String weights = "layer" + l + "_weight";
      if (int8 != null) {
        g.int8s(weights + "_int8", shape, int8.get(l));
        g.floats(weights + "_scale", new long[] {w.length}, scales.get(l));
        g.int8s(weights + "_zero_point", new long[] {w.length}, new byte[][] {new byte[w.length]});
        g.node(
            "DequantizeLinear",
            "layer" + l + "_dequantize",
            List.of(weights + "_int8", weights + "_scale", weights + "_zero_point"),
            weights,
            intAttribute("axis", 0));
      } else {
        g.floats(weights, shape, flatten(w));
      }
      g.floats("layer" + l + "_bias", new long[] {w.length}, network.biases().get(l));
      String out = "layer" + l + "_linear";
      g.node(
          "Gemm",
          "layer" + l + "_gemm",
          List.of(x, weights, "layer" + l + "_bias"),
          out,
          intAttribute("transB", 1));
      if (l < network.layers() - 1) {
        String activated = "layer" + (l + 1) + "_input";
        g.node(
            network.activation().equals("relu") ? "Relu" : "Tanh",
            "layer" + l + "_activation",
            List.of(out),
            activated);
        out = activated;
      }
      x = out;
    }
    if (bundle.outputSquashing().equals(PolicyBundle.SQUASH_TANH)) {
      g.node("Tanh", "squash_tanh", List.of(x), "unit_action");
    } else {
      g.floats("unit_low", new long[0], new float[] {-1f});
      g.floats("unit_high", new long[0], new float[] {1f});
      g.node("Clip", "squash_clip", List.of(x, "unit_low", "unit_high"), "unit_action");
    }
    List<SignalSpec> outputs = bundle.networkActions();
    int m = outputs.size();
    float[] half = new float[m];
    float[] middle = new float[m];
    for (int i = 0; i < m; i++) {
      half[i] = (float) (0.5 * outputs.get(i).span());
      middle[i] = (float) (outputs.get(i).min() + 0.5 * outputs.get(i).span());
    }
    g.floats("action_half_span", new long[] {m}, half);
    g.floats("action_middle", new long[] {m}, middle);
    g.node("Mul", "action_scale", List.of("unit_action", "action_half_span"), "scaled_action");
    g.node("Add", "action_shift", List.of("scaled_action", "action_middle"), OUTPUT);

    Map<String, String> metadata = metadata(bundle, bundleSha256);
    for (Map.Entry<String, String> e : extraMetadata.entrySet()) {
      if (metadata.putIfAbsent(e.getKey(), e.getValue()) != null) {
        throw new IllegalArgumentException("metadata key " + e.getKey() + " is the exporter's own");
      }
    }
    GraphProto graph =
        g.graph
            .setName("safeloop_policy")
            .setDocString(
                "The deterministic policy of a SafeLoop bundle (" + bundle.algorithm() + ")")
            .addInput(valueInfo(INPUT, n, describe("observations", observations)))
            .addOutput(valueInfo(OUTPUT, m, describe("actions", outputs)))
            .build();
    ModelProto.Builder model =
        ModelProto.newBuilder()
            .setIrVersion(IR_VERSION)
            .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
            .setProducerName("SafeLoop")
            .setProducerVersion(producerVersion)
            .setDomain("org.safeloop")
            .setModelVersion(1)
            .setDocString(docString(bundle, bundleSha256))
            .setGraph(graph);
    metadata.forEach(
        (k, v) ->
            model.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
    return model.build().toByteArray();
  }

  /** The metadata every export carries (keys in docs/reference/onnx.md). */
  static Map<String, String> metadata(PolicyBundle bundle, String bundleSha256) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("safeloop.export_format", "1");
    m.put("safeloop.algorithm", bundle.algorithm());
    m.put(BUNDLE_SHA256, bundleSha256);
    m.put(WEIGHTS_SHA256, PolicyBundles.weightsSha256(bundle.network()));
    m.put("safeloop.environment_sha256", bundle.environmentHash());
    m.put("safeloop.shield_sha256", bundle.shieldHash());
    m.put("safeloop.scenario", scenario(bundle));
    m.put(WEIGHT_TYPE, bundle.network().weightType());
    m.put("safeloop.output", outputMeaning(bundle));
    m.put("input_names", join(bundle.observations(), SignalSpec::name));
    m.put("input_units", join(bundle.observations(), SignalSpec::unit));
    m.put("output_names", join(bundle.networkActions(), SignalSpec::name));
    m.put("output_units", join(bundle.networkActions(), SignalSpec::unit));
    m.put("safeloop.inputs", json(signals(bundle.observations(), sources(bundle))));
    m.put("safeloop.outputs", json(signals(bundle.networkActions(), null)));
    m.put("safeloop.dropout", "a NaN input enters as the running mean (0 after normalisation)");
    if (bundle.residualBase() != null) {
      m.put("safeloop.residual_base", bundle.residualBase());
      m.put("safeloop.residual_bound", json(bundle.residualBound()));
    }
    if (bundle.actionMapping() != null) {
      m.put("safeloop.action_mapping", bundle.actionMapping());
      m.put("safeloop.shield", String.valueOf(bundle.shieldSource()));
    }
    Object design = bundle.config().get(PolicyBundle.OBSERVATION_DESIGN);
    if (design != null) {
      m.put("safeloop.observation_design", json(design));
    }
    if (bundle.quantization() != null) {
      m.put("safeloop.quantization", json(bundle.quantization()));
    }
    return m;
  }

  /** Says what the output is and what a runtime must do with it. */
  static String outputMeaning(PolicyBundle bundle) {
    if (bundle.residualBase() != null) {
      return "correction: add each output to the "
          + bundle.residualBase()
          + "'s move and clip the sum to the actuator's range (a residual policy; bound in"
          + " safeloop.residual_bound)";
    }
    if (bundle.actionMapping() != null) {
      return "position in the shield's admissible box, -1 (low) to 1 (high), per action: the last"
          + " inputs are that box (low then high per action) and the runtime maps the output onto"
          + " it, as the shield named in safeloop.shield does";
    }
    return "set point of each actuator, inside its range; the safety shield still decides what is"
        + " applied";
  }

  private static String scenario(PolicyBundle bundle) {
    String source = bundle.scenarioSource();
    Object name = bundle.config().get("scenario");
    return source != null ? source : name == null ? "" : name.toString();
  }

  /** Per observation: plant (a measured or set-point tag), derived, or shield box. */
  private static List<String> sources(PolicyBundle bundle) {
    List<String> derived = bundle.derivedObservations();
    int plant = bundle.plantObservations().size();
    List<String> out = new ArrayList<>();
    for (int i = 0; i < bundle.observations().size(); i++) {
      String name = bundle.observations().get(i).name();
      out.add(i >= plant ? "shield_box" : derived.contains(name) ? "derived" : "plant");
    }
    return out;
  }

  private static List<Map<String, Object>> signals(List<SignalSpec> specs, List<String> sources) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (int i = 0; i < specs.size(); i++) {
      SignalSpec s = specs.get(i);
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("index", i);
      entry.put("name", s.name());
      entry.put("unit", s.unit());
      entry.put("min", s.min());
      entry.put("max", s.max());
      if (sources != null) {
        entry.put("source", sources.get(i));
      }
      out.add(entry);
    }
    return out;
  }

  private static String describe(String what, List<SignalSpec> specs) {
    StringBuilder b = new StringBuilder(what).append(" in engineering units:");
    for (int i = 0; i < specs.size(); i++) {
      SignalSpec s = specs.get(i);
      b.append(i == 0 ? " " : "; ")
          .append(
              String.format(
                  Locale.ROOT,
                  "%d %s [%s] %s..%s",
                  i,
                  s.name(),
                  s.unit(),
                  num(s.min()),
                  num(s.max())));
    }
    return b.toString();
  }

  private static String docString(PolicyBundle bundle, String bundleSha256) {
    return String.format(
        Locale.ROOT,
        "SafeLoop policy (%s, %s weights), the deterministic policy of policy bundle sha256 %s"
            + " (weights sha256 %s), trained on scenario %s (sha256 %s) with shield %s. Input %s"
            + " [batch, %d]: %s. Output %s [batch, %d]: %s. The output is the %s. Normalisation,"
            + " network, squashing and action scaling are in the graph; metadata_props hold the"
            + " same in fields (docs/reference/onnx.md).",
        bundle.algorithm(),
        bundle.network().weightType(),
        bundleSha256,
        PolicyBundles.weightsSha256(bundle.network()),
        scenario(bundle),
        bundle.environmentHash().isEmpty() ? "not recorded" : bundle.environmentHash(),
        bundle.shieldHash().isEmpty()
            ? "none (sha256 not recorded)"
            : "sha256 " + bundle.shieldHash(),
        INPUT,
        bundle.observations().size(),
        describe("observations", bundle.observations()),
        OUTPUT,
        bundle.networkActions().size(),
        describe("actions", bundle.networkActions()),
        outputMeaning(bundle));
  }

  private static String num(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15
        ? Long.toString((long) v)
        : String.format(Locale.ROOT, "%s", v);
  }

  private static String join(
      List<SignalSpec> specs, java.util.function.Function<SignalSpec, String> part) {
    return String.join(",", specs.stream().map(part).toList());
  }

  private static String json(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write metadata as JSON: " + e.getMessage(), e);
    }
  }

  private static float[] flatten(float[][] w) {
    float[] out = new float[w.length * w[0].length];
    for (int r = 0; r < w.length; r++) {
      System.arraycopy(w[r], 0, out, r * w[0].length, w[0].length);
    }
    return out;
  }

  private static AttributeProto intAttribute(String name, long value) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.INT)
        .setI(value)
        .build();
  }

  private static ValueInfoProto valueInfo(String name, int width, String doc) {
    TensorShapeProto shape =
        TensorShapeProto.newBuilder()
            .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"))
            .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(width))
            .build();
    return ValueInfoProto.newBuilder()
        .setName(name)
        .setDocString(doc)
        .setType(
            TypeProto.newBuilder()
                .setTensorType(
                    TypeProto.Tensor.newBuilder()
                        .setElemType(TensorProto.DataType.FLOAT_VALUE)
                        .setShape(shape)))
        .build();
  }

  /** A graph under construction: nodes in order, initializers as little-endian raw data. */
  private static final class Graph {
    final GraphProto.Builder graph = GraphProto.newBuilder();

    void node(String op, String name, List<String> inputs, String output, AttributeProto... attrs) {
      NodeProto.Builder node =
          NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addOutput(output);
      for (AttributeProto a : attrs) {
        node.addAttribute(a);
      }
      graph.addNode(node);
    }

    void floats(String name, long[] dims, float[] values) {
      ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
      for (float v : values) {
        b.putFloat(v);
      }
      initializer(name, TensorProto.DataType.FLOAT_VALUE, dims, b.array());
    }

    void int8s(String name, long[] dims, byte[][] rows) {
      int width = rows[0].length;
      byte[] raw = new byte[rows.length * width];
      for (int r = 0; r < rows.length; r++) {
        System.arraycopy(rows[r], 0, raw, r * width, width);
      }
      initializer(name, TensorProto.DataType.INT8_VALUE, dims, raw);
    }

    private void initializer(String name, int type, long[] dims, byte[] raw) {
      TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type);
      for (long d : dims) {
        t.addDims(d);
      }
      graph.addInitializer(t.setRawData(ByteString.copyFrom(raw)));
    }
  }
}
