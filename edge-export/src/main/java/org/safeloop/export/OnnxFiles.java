package org.safeloop.export;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.safeloop.env.config.SourceFiles;
import org.safeloop.policy.PolicyBundle;

/**
 * Writes and checks ONNX model files. A model is written to a temporary file beside its target,
 * read back, verified with ONNX Runtime against the bundle ({@link OnnxVerification}), and only
 * then moved onto the target in one step: a file that fails is never left under the target's name.
 * Thread-safe.
 */
public final class OnnxFiles {
  /** Largest model file read (2 GiB less a little: a protobuf message's limit). */
  public static final long MAX_MODEL_BYTES = Integer.MAX_VALUE - 8L;

  private OnnxFiles() {}

  /**
   * Writes a model verified against its bundle.
   *
   * @param model the model's bytes ({@link OnnxExporter#export})
   * @param bundle the bundle it must compute
   * @param bundleSha256 SHA-256 of the bundle file it records
   * @param target the file to write (replaced when it exists)
   * @param seed seeds the verification's observations
   * @param observations how many the verification draws
   * @return the verification's figures (passed)
   * @throws IllegalStateException when the verification fails, with its figures (nothing is left
   *     under {@code target})
   */
  public static OnnxVerification.Result write(
      byte[] model,
      PolicyBundle bundle,
      String bundleSha256,
      Path target,
      long seed,
      int observations) {
    Path parent = target.toAbsolutePath().getParent();
    Path temporary;
    try {
      Files.createDirectories(parent);
      temporary = Files.createTempFile(parent, "." + target.getFileName(), ".tmp");
      Files.write(temporary, model);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target, e);
    }
    boolean moved = false;
    try {
      // What is verified is what is on disk, read back.
      byte[] written = read(temporary);
      OnnxVerification.Result result =
          OnnxVerification.verify(
              written, target.toString(), bundle, bundleSha256, seed, observations);
      if (!result.passed()) {
        throw new IllegalStateException(
            "refused to write "
                + target
                + ": the exported model does not compute the bundle's"
                + " policy. "
                + result.summary());
      }
      Files.move(
          temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      moved = true;
      return result;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target, e);
    } finally {
      if (!moved) {
        try {
          Files.deleteIfExists(temporary);
        } catch (IOException ignored) {
          // The temporary file is hidden and named after the target; nothing else to do.
        }
      }
    }
  }

  /**
   * Checks an ONNX file against a bundle (e.g. a model copied to a device, before it is used).
   *
   * @return the verification's figures (check {@link OnnxVerification.Result#passed()})
   * @throws IllegalArgumentException when the file is missing, not a model ONNX Runtime loads, or a
   *     model of another bundle (the message says which)
   */
  public static OnnxVerification.Result check(
      Path file, PolicyBundle bundle, String bundleSha256, long seed, int observations) {
    return OnnxVerification.verify(
        read(file), file.toString(), bundle, bundleSha256, seed, observations);
  }

  private static byte[] read(Path file) {
    // A ConfigException names the file: missing, unreadable or too large.
    return new SourceFiles().read(file, "ONNX model", MAX_MODEL_BYTES);
  }
}
