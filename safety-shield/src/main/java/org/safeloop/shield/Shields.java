package org.safeloop.shield;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.safeloop.env.SignalSpace;
import org.safeloop.env.SignalSpec;
import org.safeloop.env.config.ConfigException;
import org.safeloop.env.config.SourceFiles;
import org.safeloop.env.config.YamlConfig;
import org.safeloop.env.control.PidPolicy;
import org.safeloop.env.ode.IntegratorSpec;
import org.safeloop.env.process.ParameterSpec;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;
import org.safeloop.shield.constraint.ShieldSpec;
import org.safeloop.shield.constraint.ShieldSpec.ActionLimits;
import org.safeloop.shield.constraint.ShieldSpec.MeasurementCheck;
import org.safeloop.shield.constraint.StateConstraint;

/**
 * Builds shields from constraint files. The file names the scenario whose process model predicts;
 * every name in the file is checked against that model, and every problem is reported with file,
 * line and field. Thread-safe.
 */
public final class Shields {
  /** Names of the constraint files shipped with the built-in scenarios. */
  public static final List<String> BUILT_IN = List.of("cstr-constrained");

  private Shields() {}

  /**
   * Loads a built-in constraint file by name (shipped next to its scenario as {@code
   * scenarios/NAME.shield.yaml}, e.g. {@code cstr-constrained}), or a constraint file by path.
   *
   * @throws ConfigException naming the file, line and field of the first problem
   * @throws IllegalArgumentException for an unknown built-in name
   */
  public static SafetyShield load(String nameOrPath) {
    return load(nameOrPath, new SourceFiles());
  }

  /**
   * Loads a shield like {@link #load(String)}, recording in {@code sources} every file it depends
   * on: the constraint file, the scenario its {@code model} names and that scenario's equation file
   * (built-in resources included), each with the hash of the bytes parsed.
   */
  public static SafetyShield load(String nameOrPath, SourceFiles sources) {
    if (isFile(nameOrPath)) {
      return load(Path.of(nameOrPath), sources);
    }
    YamlConfig.Document<ShieldSpec> doc = builtInDocument(nameOrPath, sources);
    return build(doc, modelScenario(doc, null, sources));
  }

  /**
   * Loads a constraint file. Its {@code model} is a built-in scenario name or a scenario file
   * relative to the constraint file.
   *
   * @throws ConfigException naming the file, line and field of the first problem
   */
  public static SafetyShield load(Path file) {
    return load(file, new SourceFiles());
  }

  /**
   * Loads a constraint file like {@link #load(Path)}, recording every file it depends on in {@code
   * sources} (see {@link #load(String, SourceFiles)}).
   */
  public static SafetyShield load(Path file, SourceFiles sources) {
    YamlConfig.Document<ShieldSpec> doc =
        YamlConfig.readDocument(file, ShieldSpec.class, sources, "shield");
    return build(doc, modelScenario(doc, file.toAbsolutePath().getParent(), sources));
  }

  /**
   * Returns the scenario a constraint file (or built-in shield) predicts with: its {@code model}
   * key, resolved like {@link #load(Path)} does (a file next to the constraint file, else a
   * built-in scenario).
   *
   * @throws ConfigException naming the file, line and field of a problem
   */
  public static Scenario modelScenario(String nameOrPath) {
    return modelScenario(nameOrPath, new SourceFiles());
  }

  /**
   * Returns the scenario a constraint file predicts with, like {@link #modelScenario(String)},
   * recording in {@code sources} every file read (the constraint file, the scenario, its model).
   */
  public static Scenario modelScenario(String nameOrPath, SourceFiles sources) {
    if (isFile(nameOrPath)) {
      Path path = Path.of(nameOrPath);
      return modelScenario(
          YamlConfig.readDocument(path, ShieldSpec.class, sources, "shield"),
          path.toAbsolutePath().getParent(),
          sources);
    }
    return modelScenario(builtInDocument(nameOrPath, sources), null, sources);
  }

  private static boolean isFile(String nameOrPath) {
    return Files.isRegularFile(Path.of(nameOrPath))
        || nameOrPath.endsWith(".yaml")
        || nameOrPath.endsWith(".yml");
  }

  private static YamlConfig.Document<ShieldSpec> builtInDocument(String name, SourceFiles sources) {
    String resource = "scenarios/" + name + ".shield.yaml";
    byte[] bytes;
    try (InputStream in = Shields.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalArgumentException(
            "no built-in shield '"
                + name
                + "' (built-in: "
                + BUILT_IN
                + "); give a constraint file path");
      }
      bytes = in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    sources.builtIn(resource, "shield", bytes);
    return YamlConfig.parseDocument(
        new String(bytes, StandardCharsets.UTF_8), resource, ShieldSpec.class);
  }

  /**
   * The scenario named by the file's {@code model}: a scenario file beside the constraint file
   * ({@code dir}, null for a built-in shield), else a built-in scenario or a path.
   */
  private static Scenario modelScenario(
      YamlConfig.Document<ShieldSpec> doc, Path dir, SourceFiles sources) {
    String model = doc.value().model();
    try {
      Path sibling = dir == null ? null : dir.resolve(model);
      return sibling != null && Files.isRegularFile(sibling)
          ? Scenarios.load(sibling, sources)
          : Scenarios.load(model, sources);
    } catch (ConfigException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw doc.error("model", e.getMessage());
    }
  }

  /**
   * Parses constraint-file text against a given model scenario (for resources and tests).
   *
   * @throws ConfigException naming the source, line and field of the first problem
   */
  public static SafetyShield parse(String text, String sourceName, Scenario scenario) {
    return build(YamlConfig.parseDocument(text, sourceName, ShieldSpec.class), scenario);
  }

  /**
   * Builds a shield from a parsed file and the scenario whose model predicts.
   *
   * @throws ConfigException naming the field of the first problem
   */
  public static SafetyShield build(YamlConfig.Document<ShieldSpec> doc, Scenario scenario) {
    ShieldSpec spec = doc.value();
    // The shield reads what plant tags give: measurements and setpoints, never derived signals.
    SignalSpace observations = scenario.plantObservationSpace();
    SignalSpace modelActions = scenario.actionSpace();
    SignalSpace states = scenario.stateSpace();
    double dtSeconds = scenario.model().timeUnit().toMinutes(scenario.controlInterval()) * 60.0;
    double dtMinutes = dtSeconds / 60.0;

    for (String name : spec.actions().keySet()) {
      if (modelActions.indexOf(name) < 0) {
        throw doc.error(
            "actions." + name,
            "'"
                + name
                + "' is not an action of model "
                + scenario.model().name()
                + "; actions are "
                + modelActions.names());
      }
    }
    int n = modelActions.size();
    List<SignalSpec> limited = new ArrayList<>();
    double[] up = new double[n];
    double[] down = new double[n];
    double[] deadband = new double[n];
    for (int i = 0; i < n; i++) {
      String name = modelActions.get(i).name();
      ActionLimits a = spec.actions().get(name);
      if (a == null) {
        throw doc.error(
            "actions", "action '" + name + "' has no limits; every action needs min and max");
      }
      limited.add(modelActions.get(i).withRange(a.min(), a.max()));
      up[i] = Math.min(orInfinity(a.rateUpPerStep()), orInfinity(a.rateUpPerMinute()) * dtMinutes);
      down[i] =
          Math.min(orInfinity(a.rateDownPerStep()), orInfinity(a.rateDownPerMinute()) * dtMinutes);
      deadband[i] = a.deadband();
    }

    MeasurementCheck[] checks = new MeasurementCheck[observations.size()];
    for (Map.Entry<String, MeasurementCheck> e : spec.measurements().entrySet()) {
      int j = findSignal(observations, e.getKey());
      if (j < 0) {
        throw doc.error(
            "measurements." + e.getKey(),
            "'" + e.getKey() + "' is not measured; measurements are " + observations.names());
      }
      checks[j] = e.getValue();
    }

    int[] stateObservation = new int[0];
    List<StateConstraint> constraints = spec.stateConstraints();
    int[] constraintState = new int[constraints.size()];
    for (int k = 0; k < constraints.size(); k++) {
      StateConstraint sc = constraints.get(k);
      int s = findSignal(states, sc.variable());
      if (s < 0) {
        throw doc.error(
            "state_constraints[" + k + "].variable",
            "'"
                + sc.variable()
                + "' is not a state of model "
                + scenario.model().name()
                + "; states are "
                + states.names());
      }
      constraintState[k] = s;
      for (int j = 0; j < k; j++) {
        if (constraints.get(j).name().equals(sc.name())) {
          throw doc.error(
              "state_constraints[" + k + "].name", "name '" + sc.name() + "' is used twice");
        }
      }
    }
    if (!constraints.isEmpty()) {
      // Predictions start from the measured state, so every state must be measured.
      stateObservation = new int[states.size()];
      for (int s = 0; s < states.size(); s++) {
        stateObservation[s] = observations.indexOf(states.get(s).name());
        if (stateObservation[s] < 0) {
          throw doc.error(
              "state_constraints",
              "state '"
                  + states.get(s).name()
                  + "' is not measured, so the shield cannot start"
                  + " its predictions; state constraints need every state measured");
        }
      }
    }

    requireBands(doc, constraints, constraintState, states, stateObservation, checks);

    double[] parameters = scenario.nominalParameters();
    List<ParameterSpec> parameterSpecs = scenario.model().parameters();
    for (Map.Entry<String, Double> e : spec.parameters().entrySet()) {
      int p = -1;
      for (int i = 0; i < parameterSpecs.size(); i++) {
        if (parameterSpecs.get(i).name().equals(e.getKey())) {
          p = i;
        }
      }
      if (p < 0) {
        throw doc.error(
            "parameters." + e.getKey(),
            "model " + scenario.model().name() + " has no parameter '" + e.getKey() + "'");
      }
      if (e.getValue() == null || !Double.isFinite(e.getValue())) {
        throw doc.error("parameters." + e.getKey(), "must be a finite number");
      }
      String impossible = parameterSpecs.get(p).problem(e.getValue());
      if (impossible != null) {
        throw doc.error("parameters." + e.getKey(), e.getKey() + " " + impossible);
      }
      parameters[p] = e.getValue();
    }

    SignalSpace actionSpace = new SignalSpace(limited);
    double[] fixed = null;
    PidPolicy pid = null;
    switch (spec.fallback().type()) {
      case "fixed" -> {
        fixed = new double[n];
        Arrays.fill(fixed, Double.NaN);
        for (Map.Entry<String, Double> e : spec.fallback().action().entrySet()) {
          int i = actionSpace.indexOf(e.getKey());
          if (i < 0) {
            throw doc.error(
                "fallback.action." + e.getKey(),
                "'" + e.getKey() + "' is not an action; actions are " + actionSpace.names());
          }
          SignalSpec a = actionSpace.get(i);
          if (e.getValue() < a.min() || e.getValue() > a.max()) {
            throw doc.error(
                "fallback.action." + e.getKey(),
                e.getValue() + " is outside the hard limits [" + a.min() + ", " + a.max() + "]");
          }
          fixed[i] = e.getValue();
        }
        for (int i = 0; i < n; i++) {
          if (Double.isNaN(fixed[i])) {
            throw doc.error(
                "fallback.action",
                "give a safe value for every action; missing " + actionSpace.get(i).name());
          }
        }
      }
      case "pid" -> {
        if (scenario.controllerTunings().isEmpty()) {
          throw doc.error(
              "fallback.type",
              "scenario " + scenario.name() + " declares no PID controller to fall back to");
        }
        pid =
            new PidPolicy(
                scenario.controllerTunings(),
                observations,
                actionSpace,
                scenario.controlInterval(),
                scenario.initialInput());
      }
      default -> {}
    }

    double[] maxBias = new double[stateObservation.length];
    for (int s = 0; s < maxBias.length; s++) {
      maxBias[s] = spec.biasCorrection().maxFraction() * states.get(s).span();
    }
    LayeredShield.Config config =
        new LayeredShield.Config(
            spec.name(),
            observations,
            actionSpace,
            dtSeconds,
            up,
            down,
            deadband,
            checks,
            stateObservation,
            constraints,
            constraintState,
            scenario.predictiveModel(
                parameters,
                spec.repair().predictionSubsteps() == null
                    ? null
                    : IntegratorSpec.rk4(spec.repair().predictionSubsteps())),
            spec.fallback().type(),
            fixed,
            pid,
            spec.degradedWhen().fallbackFraction(),
            spec.degradedWhen().window(),
            spec.repair().bisectionSteps(),
            spec.repair().searchPoints(),
            spec.biasCorrection().filterGain(),
            maxBias);
    return new LayeredShield(config);
  }

  /**
   * Refuses state constraints that no state can satisfy once tightened by their back-offs: a lower
   * and an upper bound on one state with no band left between them, or a tightened bound outside
   * the instrument range of the state's measurement. Such a shield would replace every action by
   * its fallback; this says so at load instead of after a run at 100 % fallback.
   */
  private static void requireBands(
      YamlConfig.Document<ShieldSpec> doc,
      List<StateConstraint> constraints,
      int[] constraintState,
      SignalSpace states,
      int[] stateObservation,
      MeasurementCheck[] checks) {
    for (int s = 0; s < states.size(); s++) {
      int lowest = -1;
      int highest = -1;
      double low = Double.NEGATIVE_INFINITY;
      double high = Double.POSITIVE_INFINITY;
      for (int k = 0; k < constraints.size(); k++) {
        StateConstraint c = constraints.get(k);
        if (constraintState[k] != s) {
          continue;
        }
        if (c.min() != null && c.min() + c.backOff() > low) {
          low = c.min() + c.backOff();
          lowest = k;
        }
        if (c.max() != null && c.max() - c.backOff() < high) {
          high = c.max() - c.backOff();
          highest = k;
        }
      }
      String state = states.get(s).name();
      if (lowest >= 0 && highest >= 0 && low >= high) {
        int blamed =
            constraints.get(lowest).backOff() >= constraints.get(highest).backOff()
                ? lowest
                : highest;
        throw doc.error(
            bandField(constraints, blamed, blamed == lowest),
            "no band is left for "
                + state
                + ": with the back-offs it must stay at or above "
                + low
                + " ("
                + constraints.get(lowest).name()
                + ") and at or below "
                + high
                + " ("
                + constraints.get(highest).name()
                + "), so every action would fall back; reduce back_off or widen the bounds");
      }
      MeasurementCheck check =
          s < stateObservation.length && stateObservation[s] >= 0
              ? checks[stateObservation[s]]
              : null;
      if (check == null) {
        continue;
      }
      if (lowest >= 0 && check.rangeMax() != null && low >= check.rangeMax()) {
        throw doc.error(
            bandField(constraints, lowest, true),
            "with its back-off "
                + state
                + " must stay at or above "
                + low
                + ", beyond the end of its instrument range "
                + check.rangeMax()
                + ", so every action would fall back");
      }
      if (highest >= 0 && check.rangeMin() != null && high <= check.rangeMin()) {
        throw doc.error(
            bandField(constraints, highest, false),
            "with its back-off "
                + state
                + " must stay at or below "
                + high
                + ", below the start of its instrument range "
                + check.rangeMin()
                + ", so every action would fall back");
      }
    }
  }

  /** The key to blame for a constraint's tightened bound: its back-off, else its bound. */
  private static String bandField(List<StateConstraint> constraints, int k, boolean lower) {
    StateConstraint c = constraints.get(k);
    String item = "state_constraints[" + k + "].";
    if (c.backOff() > 0) {
      return item + "back_off";
    }
    return item + (c.bound() != null ? "bound" : lower ? "min" : "max");
  }

  private static double orInfinity(Double value) {
    return value == null ? Double.POSITIVE_INFINITY : value;
  }

  /** Finds a signal by name or by its column name with unit (e.g. {@code T_K}). */
  private static int findSignal(SignalSpace space, String name) {
    int i = space.indexOf(name);
    if (i >= 0) {
      return i;
    }
    for (int j = 0; j < space.size(); j++) {
      if (space.get(j).columnName().equals(name)) {
        return j;
      }
    }
    return -1;
  }
}
