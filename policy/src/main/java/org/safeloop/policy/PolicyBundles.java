package org.safeloop.policy;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.safeloop.env.SignalSpec;
import org.safeloop.env.config.SourceFiles;

/**
 * Saves and loads {@link PolicyBundle}s as one file: a zip archive holding {@code bundle.json}
 * (format version, provenance, specs, normalisation, network shapes and the SHA-256 of the weights)
 * and {@code weights.bin}. Readable with any zip tool and a few lines of numpy. A bundle whose
 * format, shapes or weight hash do not check out is refused with a message saying what is wrong.
 * Thread-safe.
 *
 * <p>Format version 1 (float32 weights): {@code weights.bin} holds every parameter as little-endian
 * float32, layer by layer, weights row by row then biases. Format version 2 adds {@code
 * weight_type: int8} (per-channel int8 weights, see {@link MlpWeights#int8}): per layer the weights
 * as signed bytes row by row, then one little-endian float32 scale per row, then the float32
 * biases. Float32 bundles are still written as version 1, so that older versions read them; an
 * older version refuses an int8 bundle by its format version.
 */
public final class PolicyBundles {
  /** The format of float32 bundles (read by every version). */
  public static final int FORMAT_VERSION = 1;

  /** The format of bundles with int8 weights ({@code weight_type: int8}). */
  public static final int INT8_FORMAT_VERSION = 2;

  /** Largest bundle file read, in bytes (128 MiB; a 2 x 4096 network is about 64 MiB). */
  public static final long MAX_BUNDLE_BYTES = 128L * 1024 * 1024;

  /** Most zip entries read from a bundle (a bundle has two). */
  public static final int MAX_ENTRIES = 16;

  /** Most bytes unpacked from a bundle's entries together (256 MiB). */
  public static final long MAX_UNCOMPRESSED_BYTES = 256L * 1024 * 1024;

  private static final String MANIFEST = "bundle.json";
  private static final String WEIGHTS = "weights.bin";
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .enable(SerializationFeature.INDENT_OUTPUT)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private PolicyBundles() {}

  /** What {@code bundle.json} holds. */
  record Manifest(
      int formatVersion,
      String algorithm,
      Map<String, Object> config,
      List<SignalSpec> observations,
      List<SignalSpec> actions,
      double[] normalisationMean,
      double[] normalisationStd,
      double normalisationClip,
      String activation,
      List<int[]> layerShapes,
      String outputSquashing,
      String environmentHash,
      String shieldHash,
      long seed,
      Map<String, Double> metrics,
      String weightsSha256,
      @JsonInclude(JsonInclude.Include.NON_NULL) String weightType) {}

  /** Writes {@code bundle} to {@code file} (replacing it). */
  public static void save(PolicyBundle bundle, Path file) {
    MlpWeights net = bundle.network();
    List<int[]> shapes = new ArrayList<>();
    for (float[][] w : net.weights()) {
      shapes.add(new int[] {w.length, w[0].length});
    }
    byte[] weights = weightBytes(net);
    Manifest m =
        new Manifest(
            net.isInt8() ? INT8_FORMAT_VERSION : FORMAT_VERSION,
            bundle.algorithm(),
            bundle.config(),
            bundle.observations(),
            bundle.actions(),
            bundle.normalisation().mean(),
            bundle.normalisation().std(),
            bundle.normalisation().clip(),
            net.activation(),
            shapes,
            bundle.outputSquashing(),
            bundle.environmentHash(),
            bundle.shieldHash(),
            bundle.seed(),
            bundle.metrics(),
            sha256(weights),
            net.isInt8() ? net.weightType() : null);
    try {
      Path parent = file.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Path temporary = Files.createTempFile(parent, ".bundle", ".tmp");
      try (OutputStream out = Files.newOutputStream(temporary);
          ZipOutputStream zip = new ZipOutputStream(out)) {
        zip.putNextEntry(new ZipEntry(MANIFEST));
        zip.write(JSON.writeValueAsBytes(m));
        zip.closeEntry();
        zip.putNextEntry(new ZipEntry(WEIGHTS));
        zip.write(weights);
        zip.closeEntry();
      }
      // Replace in one move so that a reader never sees half a bundle.
      Files.move(
          temporary,
          file,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write policy bundle " + file, e);
    }
  }

  /**
   * Reads a bundle.
   *
   * @throws IllegalArgumentException when the file is missing, not a bundle, of another format
   *     version, or corrupted (the message says which)
   */
  public static PolicyBundle load(Path file) {
    // A ConfigException names the file: missing, unreadable or too large.
    return load(new SourceFiles().read(file, "policy bundle", MAX_BUNDLE_BYTES), file.toString());
  }

  /**
   * Reads a bundle from its bytes, e.g. bytes already hashed against an approval, so that the bytes
   * checked are the bytes run. At most {@link #MAX_ENTRIES} zip entries and {@link
   * #MAX_UNCOMPRESSED_BYTES} of content are unpacked, so a zip bomb in place of a bundle is refused
   * without exhausting memory.
   *
   * @param bytes the bundle file's content
   * @param file names the bundle in messages, e.g. its path
   * @throws IllegalArgumentException when the bytes are not a bundle, of another format version,
   *     too large or corrupted (the message says which)
   */
  public static PolicyBundle load(byte[] bytes, String file) {
    byte[] manifestBytes = null;
    byte[] weights = null;
    try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(bytes))) {
      ZipEntry entry;
      int entries = 0;
      long unpacked = 0;
      while ((entry = zip.getNextEntry()) != null) {
        if (++entries > MAX_ENTRIES) {
          throw new IllegalArgumentException(
              "policy bundle " + file + " has more than " + MAX_ENTRIES + " entries: not a bundle");
        }
        byte[] content = readAtMost(zip, MAX_UNCOMPRESSED_BYTES - unpacked);
        if (content == null) {
          throw new IllegalArgumentException(
              "policy bundle "
                  + file
                  + " unpacks to more than "
                  + MAX_UNCOMPRESSED_BYTES
                  + " bytes: not a bundle (a zip bomb?)");
        }
        unpacked += content.length;
        if (entry.getName().equals(MANIFEST)) {
          manifestBytes = content;
        } else if (entry.getName().equals(WEIGHTS)) {
          weights = content;
        }
      }
    } catch (ZipException e) {
      throw new IllegalArgumentException(
          "policy bundle " + file + " is corrupted (" + e.getMessage() + ")", e);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read policy bundle " + file + ": " + e, e);
    }
    if (manifestBytes == null || weights == null) {
      throw new IllegalArgumentException(
          file
              + " is not a policy bundle: it lacks "
              + (manifestBytes == null ? MANIFEST : WEIGHTS));
    }
    Manifest m;
    try {
      m = JSON.readValue(manifestBytes, Manifest.class);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "policy bundle " + file + " has an unreadable " + MANIFEST + ": " + e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    boolean int8 = m.formatVersion() == INT8_FORMAT_VERSION && "int8".equals(m.weightType());
    if (m.formatVersion() != FORMAT_VERSION && !int8) {
      throw new IllegalArgumentException(
          "policy bundle "
              + file
              + " has format version "
              + m.formatVersion()
              + (m.weightType() == null ? "" : " with weight type " + m.weightType())
              + "; this SafeLoop reads version "
              + FORMAT_VERSION
              + " (float32) and version "
              + INT8_FORMAT_VERSION
              + " with weight type int8");
    }
    String hash = sha256(weights);
    if (!hash.equals(m.weightsSha256())) {
      throw new IllegalArgumentException(
          "policy bundle " + file + " is corrupted: its weights do not match their SHA-256");
    }
    MlpWeights network;
    try {
      network = int8 ? int8Network(m, weights) : floatNetwork(m, weights);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IllegalArgumentException(
          "policy bundle " + file + " is inconsistent: " + e.getMessage(), e);
    }
    if (network == null) {
      throw new IllegalArgumentException(
          "policy bundle "
              + file
              + " is corrupted: its weights do not have the size its layer shapes need");
    }
    try {
      return new PolicyBundle(
          m.algorithm(),
          m.config(),
          m.observations(),
          m.actions(),
          new Normalisation(m.normalisationMean(), m.normalisationStd(), m.normalisationClip()),
          network,
          m.outputSquashing(),
          m.environmentHash(),
          m.shieldHash(),
          m.seed(),
          m.metrics());
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IllegalArgumentException(
          "policy bundle " + file + " is inconsistent: " + e.getMessage(), e);
    }
  }

  /** Reads float32 weights (format 1); null when the byte count does not fit the shapes. */
  private static MlpWeights floatNetwork(Manifest m, byte[] weights) {
    requireShapes(m.layerShapes());
    long needed = 0;
    for (int[] shape : m.layerShapes()) {
      needed += 4L * ((long) shape[0] * shape[1] + shape[0]);
    }
    if (needed != weights.length) {
      return null;
    }
    ByteBuffer buffer = ByteBuffer.wrap(weights).order(ByteOrder.LITTLE_ENDIAN);
    List<float[][]> w = new ArrayList<>();
    List<float[]> b = new ArrayList<>();
    for (int[] shape : m.layerShapes()) {
      float[][] layer = new float[shape[0]][];
      for (int r = 0; r < layer.length; r++) {
        layer[r] = floats(buffer, shape[1]);
      }
      w.add(layer);
      b.add(floats(buffer, shape[0]));
    }
    return new MlpWeights(m.activation(), w, b);
  }

  /** Reads int8 weights (format 2); null when the byte count does not fit the shapes. */
  private static MlpWeights int8Network(Manifest m, byte[] weights) {
    requireShapes(m.layerShapes());
    long needed = 0;
    for (int[] shape : m.layerShapes()) {
      needed += (long) shape[0] * shape[1] + 8L * shape[0];
    }
    if (needed != weights.length) {
      return null;
    }
    ByteBuffer buffer = ByteBuffer.wrap(weights).order(ByteOrder.LITTLE_ENDIAN);
    List<byte[][]> q = new ArrayList<>();
    List<float[]> scales = new ArrayList<>();
    List<float[]> b = new ArrayList<>();
    for (int[] shape : m.layerShapes()) {
      byte[][] layer = new byte[shape[0]][shape[1]];
      for (byte[] row : layer) {
        buffer.get(row);
      }
      q.add(layer);
      scales.add(floats(buffer, shape[0]));
      b.add(floats(buffer, shape[0]));
    }
    return MlpWeights.int8(m.activation(), q, scales, b);
  }

  private static void requireShapes(List<int[]> shapes) {
    if (shapes == null || shapes.isEmpty()) {
      throw new IllegalArgumentException("it has no layer shapes");
    }
    for (int[] shape : shapes) {
      if (shape == null || shape.length != 2 || shape[0] < 1 || shape[1] < 1) {
        throw new IllegalArgumentException(
            "a layer shape is not [rows, columns] of positive sizes");
      }
    }
  }

  private static float[] floats(ByteBuffer buffer, int n) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = buffer.getFloat();
    }
    return out;
  }

  /** Writes int8 weights in the format 2 layout. */
  private static byte[] int8Bytes(MlpWeights net) {
    List<byte[][]> q = net.int8Weights();
    List<float[]> scales = net.scales();
    ByteBuffer buffer = ByteBuffer.allocate(int8Size(net)).order(ByteOrder.LITTLE_ENDIAN);
    for (int l = 0; l < net.layers(); l++) {
      for (byte[] row : q.get(l)) {
        buffer.put(row);
      }
      for (float s : scales.get(l)) {
        buffer.putFloat(s);
      }
      for (float b : net.biases().get(l)) {
        buffer.putFloat(b);
      }
    }
    return buffer.array();
  }

  private static int int8Size(MlpWeights net) {
    int n = 0;
    for (float[][] w : net.weights()) {
      n += w.length * w[0].length + 8 * w.length;
    }
    return n;
  }

  /**
   * Returns the SHA-256 of a network's {@code weights.bin}, as a bundle's manifest records it: one
   * hash for the parameters whatever the bundle's other contents (what an export names as its
   * source's weights).
   */
  public static String weightsSha256(MlpWeights network) {
    return sha256(weightBytes(network));
  }

  private static byte[] weightBytes(MlpWeights net) {
    return net.isInt8() ? int8Bytes(net) : toBytes(net.flatten());
  }

  /** Returns the SHA-256 of a file's bytes as hex (for configuration hashes and approvals). */
  public static String sha256(Path file) {
    try {
      return sha256(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /** Returns the SHA-256 of {@code bytes} as hex. */
  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /** Reads the rest of {@code in}, or returns null when it holds more than {@code limit} bytes. */
  private static byte[] readAtMost(InputStream in, long limit) throws IOException {
    byte[] content = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
    return content.length > limit ? null : content;
  }

  private static byte[] toBytes(float[] values) {
    ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      buffer.putFloat(v);
    }
    return buffer.array();
  }
}
