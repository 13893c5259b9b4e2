package org.safeloop.experiments.identify;

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
    Path file = output.resolve(scenario.name() + "-calibrated.yaml");
    String name = "name: " + scenario.name() + "-calibrated";
    DerivedYaml.write(
        text,
        provenance(plant, fit, estimates),
        "process",
        sourceDir,
        line -> line.startsWith("name:") ? name : line,
        parameters,
        file);
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
