package org.safeloop.experiments.identify;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.safeloop.env.config.YamlConfig;
import org.safeloop.env.ode.ProcessSimulator;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.experiments.config.Sources;
import org.safeloop.shield.Shields;
import org.safeloop.shield.constraint.ShieldSpec;
import org.safeloop.shield.constraint.StateConstraint;

/**
 * A suggested update of a shield's state-constraint back-offs from the calibrated model's
 * prediction errors ({@code docs/shield.md}). For each state constraint, every usable start of the
 * data is predicted over the constraint's horizon with the calibrated model and the recorded
 * actions; the error toward the bound (the plant hotter than predicted, for an upper bound) is
 * taken at its worst step, and the suggested back-off is the {@value #QUANTILE} quantile of those
 * worst errors. The shield's bias correction removes part of such an error at run time, so the
 * suggestion errs on the safe side. The file is written as a new one, with the calibrated
 * parameters as the shield's model parameters; the old file is never edited.
 */
public final class ShieldMargins {
  /** Quantile of the worst prediction error over the horizon that the back-off must cover. */
  static final double QUANTILE = 0.99;

  /** Back-offs are rounded up to this step, in the constrained variable's unit. */
  private static final double ROUNDING = 0.05;

  /**
   * One constraint's suggestion.
   *
   * @param name the constraint's name
   * @param variable the constrained state
   * @param horizon its prediction horizon in control steps
   * @param current the back-off in the shield file
   * @param suggested the back-off covering the quantile, rounded up
   * @param quantileError the quantile itself, unrounded
   * @param starts how many predictions it rests on
   */
  public record Suggestion(
      String name,
      String variable,
      int horizon,
      double current,
      double suggested,
      double quantileError,
      int starts) {}

  private ShieldMargins() {}

  /** Computes the suggestions on grid steps {@code from} to the end of {@code data}. */
  static List<Suggestion> suggest(
      String shield, Scenario calibrated, IdentificationData data, int from) {
    ShieldSpec spec = spec(shield);
    ProcessSimulator sim =
        new ProcessSimulator(calibrated.model(), calibrated.spec().integrator(), 64);
    double[] p = calibrated.nominalParameters();
    int delay = calibrated.deadTimeSteps();
    double dt = calibrated.controlInterval();
    List<Suggestion> out = new ArrayList<>();
    for (StateConstraint c : spec.stateConstraints()) {
      int v = calibrated.stateSpace().indexOf(c.variable());
      if (v < 0) {
        continue;
      }
      List<Double> worst = new ArrayList<>();
      for (int k = from; k + c.horizon() < data.steps(); k++) {
        if (!data.statesKnown(k)) {
          continue;
        }
        double[] x = data.states()[k].clone();
        double e = Double.NEGATIVE_INFINITY;
        for (int h = 0; h < c.horizon(); h++) {
          double[] u = data.actions()[Math.max(0, k + h - delay)];
          if (!Double.isFinite(u[0])) {
            e = Double.NaN;
            break;
          }
          sim.advance(x, u, p, dt);
          double y = data.states()[k + h + 1][v];
          if (Double.isFinite(y) && Double.isFinite(x[v])) {
            if (c.max() != null) {
              e = Math.max(e, y - x[v]);
            }
            if (c.min() != null) {
              e = Math.max(e, x[v] - y);
            }
          }
        }
        if (Double.isFinite(e)) {
          worst.add(e);
        }
      }
      if (worst.isEmpty()) {
        continue;
      }
      double[] sorted = worst.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      int index = (int) Math.ceil(QUANTILE * sorted.length) - 1;
      double q = Math.max(0.0, sorted[Math.max(0, Math.min(sorted.length - 1, index))]);
      double suggested =
          java.math.BigDecimal.valueOf(Math.ceil(q / ROUNDING - 1e-9) * ROUNDING)
              .setScale(6, java.math.RoundingMode.HALF_UP)
              .stripTrailingZeros()
              .doubleValue();
      out.add(
          new Suggestion(
              c.name(), c.variable(), c.horizon(), c.backOff(), suggested, q, sorted.length));
    }
    return out;
  }

  /**
   * Writes {@code <shield name>.suggested.shield.yaml} into {@code output}: the shield file with
   * the suggested back-offs and the calibrated parameters, and a comment saying where they came
   * from. Reads it back as a shield before returning.
   */
  static Path write(
      String shield,
      Map<String, Double> calibratedParameters,
      List<Suggestion> suggestions,
      String dataFile,
      Path output) {
    ShieldSpec spec = spec(shield);
    Map<String, Double> parameters = new LinkedHashMap<>();
    if (spec.parameters() != null) {
      parameters.putAll(spec.parameters());
    }
    parameters.putAll(calibratedParameters);
    List<String> out = new ArrayList<>();
    out.add("# Suggested by safeloop identify from " + dataFile + " (see identify.json):");
    out.add("# the calibrated parameters, and each state constraint's back_off covering the");
    out.add(
        String.format(
            Locale.ROOT,
            "# %.0f %% quantile of the calibrated model's worst prediction error over its horizon.",
            100 * QUANTILE));
    for (Suggestion s : suggestions) {
      out.add(
          String.format(
              Locale.ROOT,
              "#   %s: back_off %s -> %s (quantile %.4g over %d predictions of %d steps)%s",
              s.name(),
              s.current(),
              s.suggested(),
              s.quantileError(),
              s.starts(),
              s.horizon(),
              s.suggested() < s.current()
                  ? "; LOWER than now: the data held no upset as large as the one the current"
                      + " margin was sized for, so keep the larger unless that upset cannot happen"
                  : ""));
    }
    out.add("# Review before use: a suggestion, not an approval. The original file is unchanged.");
    Path file = output.resolve(spec.name() + ".suggested.shield.yaml");
    DerivedYaml.write(
        text(shield),
        out,
        "model",
        Shields.BUILT_IN.contains(shield) ? null : Path.of(shield).toAbsolutePath().getParent(),
        line -> withBackOff(line, suggestions),
        parameters,
        file);
    Shields.load(file.toString()); // fails loudly if the suggestion does not load
    return file;
  }

  /** The constraint line of a suggestion with its back-off replaced (or added). */
  private static String withBackOff(String line, List<Suggestion> suggestions) {
    for (Suggestion s : suggestions) {
      if (line.matches(".*\\bname:\\s*" + java.util.regex.Pattern.quote(s.name()) + "\\b.*")) {
        String value = DerivedYaml.number(s.suggested());
        return line.contains("back_off:")
            ? line.replaceFirst("back_off:\\s*[-+0-9.eE]+", "back_off: " + value)
            : line.replaceFirst("\\}", ", back_off: " + value + "}");
      }
    }
    return line;
  }

  private static ShieldSpec spec(String shield) {
    return YamlConfig.parse(text(shield), shield, ShieldSpec.class);
  }

  private static String text(String shield) {
    return Sources.text(shield, ".shield.yaml");
  }
}
