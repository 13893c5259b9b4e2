package org.safeloop.experiments.report;

import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.safeloop.env.SignalSpec;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.experiments.identify.Identification;
import org.safeloop.experiments.identify.IdentificationData;
import org.safeloop.experiments.identify.Validation;

/**
 * The page of {@code safeloop identify}, in the style of the training report: the data used, the
 * parameter table with intervals and warnings, measured against nominal and calibrated trajectories
 * on the held-out data, and the residual histograms of the fit.
 */
public final class IdentificationPage {
  private static final Color MEASURED = new Color(0x222222);
  private static final Color NOMINAL = new Color(0xff7f0e);
  private static final Color CALIBRATED = new Color(0x1f77b4);

  private IdentificationPage() {}

  /** Writes {@code identify.html} and its figures into {@code output}. */
  public static void write(
      Path output,
      Scenario scenario,
      IdentificationData data,
      int fitSteps,
      Identification.Outcome o,
      String dataFile) {
    Html page = new Html("Identification of " + scenario.name());
    page.paragraph(
        String.format(
            Locale.ROOT,
            "Data %s: %d rows, %d steps of %.0f s, %d usable; %d samples not used (bad quality,"
                + " missing), %d grid values left empty by gaps longer than %.0f s. The first %d"
                + " steps were fitted, the rest held out.",
            dataFile,
            o.summary().rows(),
            o.summary().steps(),
            data.dtSeconds(),
            o.summary().usableSteps(),
            o.summary().badSamples(),
            o.summary().gapValues(),
            o.summary().maxGapSeconds(),
            fitSteps));
    page.section("Parameters");
    List<List<String>> rows = new ArrayList<>();
    for (Identification.Estimate e : o.estimates()) {
      rows.add(
          List.of(
              e.name(),
              e.unit(),
              Format.number(e.initial()),
              Format.number(e.estimate()),
              Format.number(e.standardError()),
              Format.number(e.low()) + " .. " + Format.number(e.high())));
    }
    page.table(
        List.of("parameter", "unit", "before", "estimate", "standard error", "95 % interval"),
        rows,
        null,
        2,
        3,
        4);
    if (o.warnings().isEmpty()) {
      page.howToRead(
          String.format(
              Locale.ROOT,
              "Condition number of the scaled information matrix %.3g; no identifiability warning.",
              o.fit().conditionNumber()));
    } else {
      for (String w : o.warnings()) {
        page.note("Identifiability: " + w);
      }
    }
    page.paragraph("Calibrated scenario: " + o.scenarioFile().getFileName());
    if (o.calibrated() != null) {
      page.section("Validation on the held-out data");
      List<List<String>> v = new ArrayList<>();
      for (int i = 0; i < scenario.stateSpace().size(); i++) {
        String name = scenario.stateSpace().get(i).name();
        v.add(row(name, "nominal", o.nominal(), i));
        v.add(row(name, "calibrated", o.calibrated(), i));
      }
      page.table(
          List.of("state", "model", "one-step NRMSE", "free-run NRMSE", "free-run FIT %"),
          v,
          null,
          2,
          3,
          4);
      double minutes = scenario.model().timeUnit().toMinutes(scenario.controlInterval());
      for (int i = 0; i < scenario.stateSpace().size(); i++) {
        SignalSpec s = scenario.stateSpace().get(i);
        int n = o.calibrated().steps();
        double[] t = new double[n];
        for (int k = 0; k < n; k++) {
          t[k] = k * minutes;
        }
        List<Charts.Line> lines =
            List.of(
                new Charts.Line(
                    "measured", t, column(o.calibrated().measured(), i), MEASURED, false, false),
                new Charts.Line(
                    "nominal", t, column(o.nominal().simulated(), i, n), NOMINAL, true, false),
                new Charts.Line(
                    "calibrated",
                    t,
                    column(o.calibrated().simulated(), i),
                    CALIBRATED,
                    false,
                    false));
        String file = "identify-" + s.name() + ".png";
        Charts.writePng(
            Charts.lines(
                s.name() + ": held-out data in free run",
                "time from the start of the held-out part (min)",
                s.name() + " (" + s.unit() + ")",
                lines,
                List.of()),
            output.resolve(file));
        page.figure(
            file,
            s.name() + " measured, nominal and calibrated",
            "Both models are simulated from the first measured state of the held-out part with the"
                + " recorded actions and never corrected by a measurement: the error is what a"
                + " prediction over that stretch would make.");
      }
    }
    page.section("Residuals of the fit");
    for (int i = 0; i < scenario.stateSpace().size(); i++) {
      SignalSpec s = scenario.stateSpace().get(i);
      Map<String, double[]> samples = new LinkedHashMap<>();
      samples.put("measured - simulated", o.fit().residuals()[i]);
      String file = "identify-residuals-" + s.name() + ".png";
      Charts.writePng(
          Charts.histogram(
              s.name() + " residuals (RMS " + Format.number(o.fit().residualRms()[i]) + ")",
              s.name() + " (" + s.unit() + ")",
              samples,
              Map.of("measured - simulated", CALIBRATED)),
          output.resolve(file));
      page.figure(
          file,
          s.name() + " residual histogram",
          "Over every fitted step of every segment. Centred and about as wide as the sensor noise"
              + " means the model explains the data; a shifted or skewed histogram means it does not.");
    }
    try {
      Files.writeString(output.resolve("identify.html"), page.page(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + output.resolve("identify.html"), e);
    }
  }

  private static List<String> row(String state, String model, Validation v, int i) {
    return List.of(
        state,
        model,
        Format.number(v.oneStepNrmse()[i]),
        Format.number(v.freeRunNrmse()[i]),
        Format.number(v.freeRunFit()[i]));
  }

  private static double[] column(double[][] values, int i) {
    return column(values, i, values.length);
  }

  private static double[] column(double[][] values, int i, int n) {
    double[] out = new double[n];
    for (int k = 0; k < n; k++) {
      out[k] = k < values.length ? values[k][i] : Double.NaN;
    }
    return out;
  }
}
