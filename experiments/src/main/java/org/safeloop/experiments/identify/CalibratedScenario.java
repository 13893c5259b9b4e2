package org.safeloop.experiments.identify;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;

/**
 * Writes the calibrated scenario: the scenario file as it was (comments kept), named {@code
 * <name>-calibrated}, with its {@code parameters} overrides replaced by the estimates and a
 * provenance comment on top (data file and hash, period, fit figures). A relative {@code process}
 * file is made absolute, so that the new file loads from anywhere. It is read back before this
 * returns, so a file that would not load is never left behind as if it were good.
 */
final class CalibratedScenario {
  private CalibratedScenario() {}

  static Path write(
      Scenario scenario,
      String source,
      PlantData plant,
      ModelFit.Result fit,
      List<Identification.Estimate> estimates,
      Path output) {
    String text = Identification.scenarioText(source);
    Map<String, Double> parameters = new LinkedHashMap<>();
    if (scenario.spec().parameters() != null) {
      parameters.putAll(scenario.spec().parameters());
    }
    parameters.putAll(Identification.overrides(estimates));
    Path sourceDir =
        Scenarios.builtInNames().contains(source)
            ? null
            : Path.of(source).toAbsolutePath().getParent();
    List<String> out = new ArrayList<>(provenance(plant, fit, estimates));
    boolean skippingBlock = false;
    for (String line : text.split("\n", -1)) {
      boolean topLevel = !line.isEmpty() && !Character.isWhitespace(line.charAt(0));
      if (skippingBlock && !topLevel) {
        continue;
      }
      skippingBlock = false;
      if (line.startsWith("name:")) {
        out.add("name: " + scenario.name() + "-calibrated");
      } else if (line.startsWith("parameters:")) {
        skippingBlock = line.substring("parameters:".length()).split("#", 2)[0].isBlank();
      } else if (line.startsWith("process:") && sourceDir != null) {
        String value = line.substring("process:".length()).split("#", 2)[0].trim();
        boolean file = value.endsWith(".yaml") || value.endsWith(".yml");
        out.add(
            file && !Path.of(value).isAbsolute()
                ? "process: " + sourceDir.resolve(value).normalize()
                : line);
      } else {
        out.add(line);
      }
    }
    while (!out.isEmpty() && out.get(out.size() - 1).isBlank()) {
      out.remove(out.size() - 1);
    }
    out.add("parameters: " + flowMap(parameters) + "  # calibrated by safeloop identify");
    Path file = output.resolve(scenario.name() + "-calibrated.yaml");
    try {
      Files.writeString(file, String.join("\n", out) + "\n", StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
    Scenario again = Scenarios.load(file.toString());
    for (Identification.Estimate e : estimates) {
      int i = indexOf(again, e.name());
      if (again.nominalParameters()[i] != e.estimate()) {
        throw new IllegalStateException(
            file + " does not read back " + e.name() + " = " + e.estimate());
      }
    }
    return file;
  }

  private static int indexOf(Scenario s, String name) {
    for (int i = 0; i < s.model().parameters().size(); i++) {
      if (s.model().parameters().get(i).name().equals(name)) {
        return i;
      }
    }
    throw new IllegalStateException("no parameter " + name);
  }

  private static String flowMap(Map<String, Double> parameters) {
    List<String> entries = new ArrayList<>();
    for (Map.Entry<String, Double> e : parameters.entrySet()) {
      // Plain decimals: YAML reads 7.92E10 (no sign in the exponent) as text.
      entries.add(e.getKey() + ": " + java.math.BigDecimal.valueOf(e.getValue()).toPlainString());
    }
    return "{" + String.join(", ", entries) + "}";
  }

  private static List<String> provenance(
      PlantData plant, ModelFit.Result fit, List<Identification.Estimate> estimates) {
    List<String> lines = new ArrayList<>();
    lines.add("# Calibrated by safeloop identify, " + Instant.now() + ", from");
    lines.add("#   " + plant.source());
    lines.add(
        String.format(
            Locale.ROOT,
            "#   (sha256 %s), %d rows over %.0f s of process time%s.",
            plant.sha256().isEmpty() ? "-" : plant.sha256(),
            plant.rows(),
            plant.seconds()[plant.rows() - 1],
            plant.start() == null ? "" : " from " + plant.start()));
    for (Identification.Estimate e : estimates) {
      lines.add(
          String.format(
              Locale.ROOT,
              "#   %s = %.6g %s (was %.6g; standard error %.3g, 95 %% interval %.6g to %.6g)",
              e.name(),
              e.estimate(),
              e.unit(),
              e.initial(),
              e.standardError(),
              e.low(),
              e.high()));
    }
    lines.add(
        String.format(
            Locale.ROOT,
            "#   %d residuals, %d segments, %d iterations; see identify.json.",
            fit.measurements(),
            fit.segments(),
            fit.iterations()));
    return lines;
  }
}
