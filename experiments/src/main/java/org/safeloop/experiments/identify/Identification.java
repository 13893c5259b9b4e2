package org.safeloop.experiments.identify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntConsumer;
import org.hipparchus.distribution.continuous.TDistribution;
import org.safeloop.env.SignalSpec;
import org.safeloop.env.process.ParameterSpec;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;
import org.safeloop.experiments.config.Sources;

/**
 * {@code safeloop identify}: plant data in, a calibrated scenario out. Loads the data (an audit log
 * or a historian CSV), resamples it onto the scenario's control interval, fits the free parameters
 * on the first part ({@link ModelFit}), judges the estimates (standard errors, 95 % intervals,
 * correlations, identifiability) and validates nominal and calibrated model on the held-out rest
 * ({@link Validation}); writes {@code identify.json}, the calibrated scenario file and an HTML
 * page.
 */
public final class Identification {
  /** Condition number of the scaled information matrix above which the fit is not trusted. */
  static final double ILL_CONDITIONED = 1e8;

  /** Correlation above which two estimates are said not to be told apart. */
  static final double CORRELATED = 0.999;

  /**
   * Lag-1 autocorrelation of a state's residuals above which the model is said to miss something:
   * white measurement noise gives about 0, a model error that persists over steps far more.
   */
  static final double AUTOCORRELATED = 0.5;

  /**
   * Ratio of a state's residual RMS to its declared sensor noise above which the model is said not
   * to explain the data (segments started from noisy measurements add somewhat to the noise).
   */
  static final double NOISE_RATIO = 3.0;

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /**
   * What to identify.
   *
   * @param data an audit log ({@code .jsonl}) or a historian export ({@code .csv})
   * @param scenario built-in scenario name or scenario file
   * @param free the parameters to fit
   * @param freeInitial fit each segment's initial state too
   * @param validate the fraction of the data held out for validation, in [0, 0.9]
   * @param segmentSteps control steps per fitted segment
   * @param maxGapSteps the longest gap bridged in resampling, in control intervals
   * @param maxIterations Levenberg-Marquardt iterations at most
   * @param shield a shield (file or built-in name) whose back-offs to suggest from the calibrated
   *     model's prediction errors, or null
   */
  public record Options(
      Path data,
      String scenario,
      List<String> free,
      boolean freeInitial,
      double validate,
      int segmentSteps,
      double maxGapSteps,
      int maxIterations,
      String shield) {
    /** Checks the ranges. */
    public Options {
      if (!(validate >= 0 && validate <= 0.9)) {
        throw new IllegalArgumentException("--validate must be between 0 and 0.9, got " + validate);
      }
      if (!(maxGapSteps > 0)) {
        throw new IllegalArgumentException("--max-gap must be positive, got " + maxGapSteps);
      }
    }
  }

  /**
   * One fitted parameter.
   *
   * @param name its name
   * @param unit its unit
   * @param initial the scenario's value before the fit
   * @param estimate the fitted value
   * @param standardError its standard error
   * @param low the lower end of its 95 % interval
   * @param high the upper end
   */
  public record Estimate(
      String name,
      String unit,
      double initial,
      double estimate,
      double standardError,
      double low,
      double high) {}

  /**
   * The outcome.
   *
   * @param summary what the resampling kept
   * @param fit the fit
   * @param estimates the fitted parameters with their intervals
   * @param warnings identifiability warnings, empty when the estimates can be trusted
   * @param nominal the nominal model on the held-out data (null without validation)
   * @param calibrated the calibrated model on the held-out data (null without validation)
   * @param scenarioFile the calibrated scenario file written
   * @param seconds the wall time of the fit
   * @param margins the suggested shield back-offs (empty without a shield)
   * @param shieldFile the suggested shield file written, or null
   * @param states the model's states, in the order of the per-state figures
   */
  public record Outcome(
      IdentificationData.Summary summary,
      ModelFit.Result fit,
      List<Estimate> estimates,
      List<String> warnings,
      Validation nominal,
      Validation calibrated,
      Path scenarioFile,
      double seconds,
      List<ShieldMargins.Suggestion> margins,
      Path shieldFile,
      List<String> states) {}

  private Identification() {}

  /**
   * Runs the identification and writes its files into {@code output}.
   *
   * @param progress told the model evaluations so far
   * @throws IllegalArgumentException for bad data or options, naming the file and what is wrong
   */
  public static Outcome run(Options options, Path output, IntConsumer progress) {
    Scenario scenario = Scenarios.load(options.scenario());
    PlantData plant = load(options.data(), scenario);
    double dt = scenario.model().timeUnit().toMinutes(scenario.controlInterval()) * 60.0;
    IdentificationData data =
        IdentificationData.resample(plant, scenario, options.maxGapSteps() * dt);
    int fitSteps = (int) Math.round(data.steps() * (1.0 - options.validate()));
    if (options.validate() > 0 && data.steps() - fitSteps < 2) {
      throw new IllegalArgumentException(
          options.data() + ": too few steps (" + data.steps() + ") to hold out a validation part");
    }
    long started = System.nanoTime();
    ModelFit.Result fit =
        ModelFit.fit(
            scenario,
            data,
            fitSteps,
            new ModelFit.Settings(
                options.free(),
                options.freeInitial(),
                options.segmentSteps(),
                options.maxIterations()),
            progress);
    double seconds = (System.nanoTime() - started) / 1e9;
    List<Estimate> estimates = estimates(scenario, fit);
    List<String> warnings = warnings(fit, estimates, scenario.stateSpace().names());
    Scenario calibratedScenario = scenario.withParameters(overrides(estimates));
    Validation nominal = null;
    Validation calibrated = null;
    if (options.validate() > 0) {
      nominal = Validation.of(scenario, scenario.nominalParameters(), data, fitSteps);
      calibrated = Validation.of(scenario, calibratedScenario.nominalParameters(), data, fitSteps);
    }
    try {
      Files.createDirectories(output);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + output, e);
    }
    Path scenarioFile =
        CalibratedScenario.write(scenario, options.scenario(), plant, fit, estimates, output);
    List<ShieldMargins.Suggestion> margins = List.of();
    Path shieldFile = null;
    if (options.shield() != null) {
      // On the held-out part when there is one: errors the fit has not seen.
      margins =
          ShieldMargins.suggest(
              options.shield(), calibratedScenario, data, options.validate() > 0 ? fitSteps : 0);
      shieldFile =
          ShieldMargins.write(
              options.shield(), overrides(estimates), margins, plant.source(), output);
    }
    Outcome outcome =
        new Outcome(
            data.summary(),
            fit,
            estimates,
            warnings,
            nominal,
            calibrated,
            scenarioFile,
            seconds,
            margins,
            shieldFile,
            scenario.stateSpace().names());
    writeJson(options, scenario, plant, outcome, output.resolve("identify.json"));
    org.safeloop.experiments.report.IdentificationPage.write(
        output, scenario, data, fitSteps, outcome, plant.source());
    return outcome;
  }

  /** Returns the quantile of prediction errors that suggested shield back-offs cover. */
  public static double shieldQuantile() {
    return ShieldMargins.QUANTILE;
  }

  /** Reads an audit log ({@code .jsonl}, {@code .json}) or a historian CSV. */
  static PlantData load(Path file, Scenario scenario) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("--data " + file + ": no such file");
    }
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    List<SignalSpec> states = scenario.stateSpace().signals();
    List<SignalSpec> actions = scenario.actionSpace().signals();
    if (name.endsWith(".jsonl") || name.endsWith(".json")) {
      return AuditLogData.load(file, states, actions);
    }
    List<SignalSpec> all = new ArrayList<>(states);
    all.addAll(actions);
    return HistorianCsv.load(file, all, scenario.actionSpace().names());
  }

  private static List<Estimate> estimates(Scenario scenario, ModelFit.Result fit) {
    int dof = Math.max(1, fit.measurements() - fit.unknowns());
    double t = new TDistribution(dof).inverseCumulativeProbability(0.975);
    List<Estimate> out = new ArrayList<>();
    for (int i = 0; i < fit.names().size(); i++) {
      String name = fit.names().get(i);
      String unit =
          scenario.model().parameters().stream()
              .filter(p -> p.name().equals(name))
              .map(ParameterSpec::unit)
              .findFirst()
              .orElse("");
      double se = fit.standardError(i);
      double est = fit.estimate()[i];
      out.add(new Estimate(name, unit, fit.initial()[i], est, se, est - t * se, est + t * se));
    }
    return out;
  }

  private static List<String> warnings(
      ModelFit.Result fit, List<Estimate> estimates, List<String> names) {
    List<String> w = new ArrayList<>();
    if (!fit.converged()) {
      w.add(
          "the fit did not converge within "
              + fit.iterations()
              + " iterations (--max-iterations); the best point found is reported");
    }
    if (!(fit.conditionNumber() < ILL_CONDITIONED)) {
      w.add(
          String.format(
              Locale.ROOT,
              "the information matrix is near-singular (condition number %.3g): the data cannot"
                  + " tell %s apart; fix one of them, or record data with more excitation",
              fit.conditionNumber(),
              fit.names()));
    }
    for (int i = 0; i < fit.names().size(); i++) {
      for (int j = i + 1; j < fit.names().size(); j++) {
        double c = fit.correlation(i, j);
        if (Double.isFinite(c) && Math.abs(c) > CORRELATED) {
          w.add(
              String.format(
                  Locale.ROOT,
                  "%s and %s are correlated %.4f: the data determines a combination of them, not"
                      + " each",
                  fit.names().get(i),
                  fit.names().get(j),
                  c));
        }
      }
    }
    for (int i = 0; i < fit.residuals().length; i++) {
      double ratio = fit.residualRms()[i] / fit.declaredNoise()[i];
      if (ratio > NOISE_RATIO) {
        w.add(
            String.format(
                Locale.ROOT,
                "the residual RMS of %s (%.3g) is %.1f times the sensor noise the scenario"
                    + " declares (%.3g): the model does not explain the data (an unmeasured"
                    + " disturbance, a parameter not freed, a wrong structure), so the estimates"
                    + " may be biased; free the disturbed parameter or fit a stretch without the"
                    + " disturbance",
                names.get(i),
                fit.residualRms()[i],
                ratio,
                fit.declaredNoise()[i]));
      }
      double rho = lagOneAutocorrelation(fit.residuals()[i]);
      if (rho > AUTOCORRELATED) {
        w.add(
            String.format(
                Locale.ROOT,
                "the residuals of %s are correlated in time (lag-1 autocorrelation %.2f): the"
                    + " model misses a dynamic or an unmeasured disturbance, so the estimates may"
                    + " be biased and the intervals too narrow",
                names.get(i),
                rho));
      }
    }
    for (Estimate e : estimates) {
      if (!(e.high() - e.low() < 2 * Math.abs(e.estimate()))
          || !Double.isFinite(e.standardError())) {
        w.add(
            String.format(
                Locale.ROOT,
                "the 95 %% interval of %s (%.4g to %.4g) is wider than %s itself: it is not"
                    + " determined by this data",
                e.name(),
                e.low(),
                e.high(),
                e.name()));
      }
    }
    return w;
  }

  /** Lag-1 autocorrelation of a residual series; NaN when too short or constant. */
  static double lagOneAutocorrelation(double[] r) {
    if (r.length < 3) {
      return Double.NaN;
    }
    double mean = 0;
    for (double v : r) {
      mean += v;
    }
    mean /= r.length;
    double num = 0;
    double den = 0;
    for (int k = 0; k < r.length; k++) {
      den += (r[k] - mean) * (r[k] - mean);
      if (k > 0) {
        num += (r[k] - mean) * (r[k - 1] - mean);
      }
    }
    return den > 0 ? num / den : Double.NaN;
  }

  static Map<String, Double> overrides(List<Estimate> estimates) {
    Map<String, Double> m = new LinkedHashMap<>();
    for (Estimate e : estimates) {
      m.put(e.name(), e.estimate());
    }
    return m;
  }

  private static void writeJson(
      Options options, Scenario scenario, PlantData plant, Outcome o, Path file) {
    Map<String, Object> root = new LinkedHashMap<>();
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("file", plant.source());
    data.put("sha256", plant.sha256());
    data.put("start", plant.start() == null ? null : plant.start().toString());
    data.put("seconds", plant.seconds()[plant.rows() - 1]);
    data.put("rows", o.summary().rows());
    data.put("grid_steps", o.summary().steps());
    data.put("usable_steps", o.summary().usableSteps());
    data.put("bad_samples", o.summary().badSamples());
    data.put("gap_values", o.summary().gapValues());
    data.put("max_gap_seconds", o.summary().maxGapSeconds());
    root.put("data", data);
    root.put("scenario", scenario.name());
    root.put("scenario_source", options.scenario());
    root.put("calibrated_scenario", o.scenarioFile().toString());
    Map<String, Object> fit = new LinkedHashMap<>();
    fit.put("free", o.fit().names());
    fit.put("free_initial", options.freeInitial());
    fit.put("segments", o.fit().segments());
    fit.put("segment_steps", options.segmentSteps());
    fit.put("measurements", o.fit().measurements());
    fit.put("unknowns", o.fit().unknowns());
    fit.put("iterations", o.fit().iterations());
    fit.put("converged", o.fit().converged());
    fit.put("evaluations", o.fit().evaluations());
    fit.put("seconds", o.seconds());
    fit.put("condition_number", finiteOrNull(o.fit().conditionNumber()));
    Map<String, Object> rms = new LinkedHashMap<>();
    for (int i = 0; i < scenario.stateSpace().size(); i++) {
      rms.put(scenario.stateSpace().get(i).name(), o.fit().residualRms()[i]);
    }
    fit.put("residual_rms", rms);
    root.put("fit", fit);
    List<Map<String, Object>> params = new ArrayList<>();
    for (Estimate e : o.estimates()) {
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("name", e.name());
      p.put("unit", e.unit());
      p.put("initial", e.initial());
      p.put("estimate", e.estimate());
      p.put("standard_error", finiteOrNull(e.standardError()));
      p.put("ci95", List.of(e.low(), e.high()));
      params.add(p);
    }
    root.put("parameters", params);
    List<List<Double>> corr = new ArrayList<>();
    for (int i = 0; i < o.fit().names().size(); i++) {
      List<Double> row = new ArrayList<>();
      for (int j = 0; j < o.fit().names().size(); j++) {
        row.add(finiteOrNull(o.fit().correlation(i, j)));
      }
      corr.add(row);
    }
    root.put("correlation", corr);
    root.put("warnings", o.warnings());
    if (o.nominal() != null) {
      Map<String, Object> v = new LinkedHashMap<>();
      v.put("fraction", options.validate());
      v.put("nominal", validation(scenario, o.nominal()));
      v.put("calibrated", validation(scenario, o.calibrated()));
      root.put("validation", v);
    }
    if (o.shieldFile() != null) {
      Map<String, Object> shield = new LinkedHashMap<>();
      shield.put("source", options.shield());
      shield.put("suggested_file", o.shieldFile().toString());
      shield.put("quantile", ShieldMargins.QUANTILE);
      List<Map<String, Object>> rows = new ArrayList<>();
      for (ShieldMargins.Suggestion m : o.margins()) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("constraint", m.name());
        r.put("variable", m.variable());
        r.put("horizon", m.horizon());
        r.put("back_off", m.current());
        r.put("suggested_back_off", m.suggested());
        r.put("quantile_error", m.quantileError());
        r.put("predictions", m.starts());
        rows.add(r);
      }
      shield.put("constraints", rows);
      root.put("shield", shield);
    }
    root.put("written", Instant.now().toString());
    try {
      JSON.writeValue(file.toFile(), root);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  private static Map<String, Object> validation(Scenario scenario, Validation v) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < scenario.stateSpace().size(); i++) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("one_step_nrmse", finiteOrNull(v.oneStepNrmse()[i]));
      s.put("free_run_nrmse", finiteOrNull(v.freeRunNrmse()[i]));
      s.put("free_run_fit_percent", finiteOrNull(v.freeRunFit()[i]));
      s.put("free_run_rms", finiteOrNull(v.freeRunRms()[i]));
      m.put(scenario.stateSpace().get(i).name(), s);
    }
    m.put("steps", v.steps());
    return m;
  }

  private static Double finiteOrNull(double v) {
    return Double.isFinite(v) ? v : null;
  }

  /** Reads a built-in scenario's text, or a scenario file's. */
  static String scenarioText(String source) {
    return Sources.text(source, ".yaml");
  }
}
