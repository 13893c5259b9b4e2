package org.safeloop.experiments.identify;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Writes a configuration file derived from another, keeping its text and comments: a header comment
 * first, each line through an edit, the top-level {@code parameters} section (flow or block)
 * replaced by the given values, and a relative file reference under a top-level key made absolute,
 * so that the new file loads from its own folder. Used for the calibrated scenario and the
 * suggested shield.
 */
final class DerivedYaml {
  private DerivedYaml() {}

  /**
   * Writes the derived file.
   *
   * @param text the original file's text
   * @param header comment lines put first
   * @param fileKey the top-level key that may name a file relative to {@code sourceDir} ({@code
   *     process} in a scenario, {@code model} in a shield)
   * @param sourceDir the original file's folder, or null for a built-in
   * @param edit changes a line (or returns it as it is)
   * @param parameters the new {@code parameters} section
   * @param file where to write
   */
  static void write(
      String text,
      List<String> header,
      String fileKey,
      Path sourceDir,
      UnaryOperator<String> edit,
      Map<String, Double> parameters,
      Path file) {
    List<String> out = new ArrayList<>(header);
    boolean skippingBlock = false;
    for (String line : text.split("\n", -1)) {
      boolean topLevel = !line.isEmpty() && !Character.isWhitespace(line.charAt(0));
      if (skippingBlock && !topLevel) {
        continue;
      }
      skippingBlock = false;
      if (line.startsWith("parameters:")) {
        // A block section goes on in the indented lines below; a flow map ends on this line.
        skippingBlock = line.substring("parameters:".length()).split("#", 2)[0].isBlank();
        continue;
      }
      out.add(edit.apply(absolute(line, fileKey, sourceDir)));
    }
    while (!out.isEmpty() && out.get(out.size() - 1).isBlank()) {
      out.remove(out.size() - 1);
    }
    List<String> entries = new ArrayList<>();
    for (Map.Entry<String, Double> e : parameters.entrySet()) {
      entries.add(e.getKey() + ": " + number(e.getValue()));
    }
    out.add("parameters: {" + String.join(", ", entries) + "}  # calibrated by safeloop identify");
    try {
      Files.writeString(file, String.join("\n", out) + "\n", StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /** A plain decimal: YAML reads 7.92E10 (no sign in the exponent) as text. */
  static String number(double value) {
    return BigDecimal.valueOf(value).toPlainString();
  }

  private static String absolute(String line, String key, Path sourceDir) {
    if (sourceDir == null || !line.startsWith(key + ":")) {
      return line;
    }
    String value = line.substring(key.length() + 1).split("#", 2)[0].trim();
    boolean file = value.endsWith(".yaml") || value.endsWith(".yml");
    return file && !Path.of(value).isAbsolute()
        ? key + ": " + sourceDir.resolve(value).normalize()
        : line;
  }
}
