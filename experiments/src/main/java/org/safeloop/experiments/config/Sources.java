package org.safeloop.experiments.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a scenario or shield source as the loaders name it: a file path, or the name of a built-in
 * resource ({@code scenarios/<name><suffix>}), for hashing and for writing derived files.
 */
public final class Sources {
  private Sources() {}

  /**
   * Returns the bytes of {@code nameOrPath}: the file when there is one, else the built-in.
   *
   * @param suffix the built-in resource's suffix, {@code .yaml} or {@code .shield.yaml}
   * @throws IllegalArgumentException when neither exists
   */
  public static byte[] bytes(String nameOrPath, String suffix) {
    Path path = Path.of(nameOrPath);
    try {
      if (Files.isRegularFile(path)) {
        return Files.readAllBytes(path);
      }
      String resource = "scenarios/" + nameOrPath + suffix;
      try (InputStream in = Sources.class.getClassLoader().getResourceAsStream(resource)) {
        if (in == null) {
          throw new IllegalArgumentException("no file or built-in resource " + nameOrPath);
        }
        return in.readAllBytes();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + nameOrPath, e);
    }
  }

  /** Returns {@link #bytes} as UTF-8 text. */
  public static String text(String nameOrPath, String suffix) {
    return new String(bytes(nameOrPath, suffix), StandardCharsets.UTF_8);
  }
}
