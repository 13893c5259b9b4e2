package org.safeloop.env.process.equation;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.env.SignalSpec;
import org.safeloop.env.config.ConfigException;
import org.safeloop.env.process.ModelTimeUnit;
import org.safeloop.env.process.ParameterSpec;

class EquationModelsTest {

  private static final String SOURCE = "test.yaml";

  /** A valid model; tests replace numbered lines (1-based) to make it wrong. */
  private static final List<String> LINES =
      List.of(
          "name: test-model", // 1
          "time_unit: min", // 2
          "states:", // 3
          "  x: {unit: m, initial: 1, min: 0, max: 2, lower_limit: 0, upper_limit: 1.5}", // 4
          "  y: {unit: K, initial: 300, min: 250, max: 350}", // 5
          "inputs:", // 6
          "  u: {unit: kW, min: 0, max: 10}", // 7
          "parameters:", // 8
          "  k: {value: 0.5, unit: 1/min}", // 9
          "  c: {value: 2, unit: K/kW, description: heating gain}", // 10
          "definitions:", // 11
          "  r: k * x", // 12
          "  s: r + 1", // 13
          "equations:", // 14
          "  x: -r + u / 10", // 15
          "  y: c * u - s"); // 16

  private static String text(List<String> lines) {
    return String.join("\n", lines) + "\n";
  }

  /** Returns the valid model with line {@code number} replaced. */
  private static String replacing(int number, String replacement) {
    List<String> lines = new ArrayList<>(LINES);
    lines.set(number - 1, replacement);
    return text(lines);
  }

  /** Returns the valid model with a line inserted after line {@code number}. */
  private static String inserting(int number, String inserted) {
    List<String> lines = new ArrayList<>(LINES);
    lines.add(number, inserted);
    return text(lines);
  }

  private static ConfigException failure(String yaml) {
    return assertThrows(ConfigException.class, () -> EquationModels.parse(yaml, SOURCE));
  }

  private static void assertFailure(
      ConfigException e, int line, String field, String... fragments) {
    assertAll(
        () -> assertEquals(SOURCE, e.file(), e.getMessage()),
        () -> assertEquals(line, e.line(), e.getMessage()),
        () -> assertEquals(field, e.field(), e.getMessage()),
        () ->
            assertTrue(
                e.getMessage().startsWith(SOURCE + ":" + line + ": field '" + field + "': "),
                e.getMessage()),
        () -> {
          for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), () -> fragment + " in " + e.getMessage());
          }
        });
  }

  // ----- a valid file -----

  @Test
  void validFileBecomesAModelWithOrderedSignalsAndParameters() {
    EquationModel model = EquationModels.parse(text(LINES), SOURCE);
    assertEquals("test-model", model.name());
    assertEquals("", model.description());
    assertEquals(ModelTimeUnit.MINUTE, model.timeUnit());
    assertEquals(
        List.of(new SignalSpec("x", "m", 0, 2), new SignalSpec("y", "K", 250, 350)),
        model.states());
    assertEquals(List.of(new SignalSpec("u", "kW", 0, 10)), model.inputs());
    assertEquals(
        List.of(
            new ParameterSpec("k", "1/min", 0.5, ""),
            new ParameterSpec("c", "K/kW", 2, "heating gain")),
        model.parameters());
    assertArrayEquals(new double[] {1, 300}, model.initialState());
    assertArrayEquals(new double[] {0.5, 2}, model.nominalParameters());
    assertEquals(0.0, model.deadTime(model.nominalParameters()));
    assertTrue(model.definitionsInlined());
  }

  @Test
  void derivativesFollowTheEquationsWithDefinitionsSubstituted() {
    EquationModel model = EquationModels.parse(text(LINES), SOURCE);
    double[] derivative = new double[2];
    model.derivatives(
        new double[] {0.8, 320}, new double[] {4}, new double[] {0.3, 1.5}, derivative);
    double r = 0.3 * 0.8;
    assertArrayEquals(new double[] {-r + 4 / 10.0, 1.5 * 4 - (r + 1)}, derivative);
  }

  @Test
  void projectStateClampsOnlyStatesWithLimits() {
    EquationModel model = EquationModels.parse(text(LINES), SOURCE);
    double[] state = {-0.2, -1000};
    model.projectState(state, model.nominalParameters());
    assertArrayEquals(new double[] {0, -1000}, state);
    state = new double[] {1.7, 1000};
    model.projectState(state, model.nominalParameters());
    assertArrayEquals(new double[] {1.5, 1000}, state);
    state = new double[] {0.7, 300};
    model.projectState(state, model.nominalParameters());
    assertArrayEquals(new double[] {0.7, 300}, state);
  }

  @Test
  void initialStateIsACopy() {
    EquationModel model = EquationModels.parse(text(LINES), SOURCE);
    double[] first = model.initialState();
    first[0] = 99;
    assertNotSame(first, model.initialState());
    assertEquals(1.0, model.initialState()[0]);
  }

  @Test
  void derivativesRejectArraysOfTheWrongLength() {
    EquationModel model = EquationModels.parse(text(LINES), SOURCE);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> model.derivatives(new double[3], new double[1], new double[2], new double[2]));
    assertTrue(e.getMessage().contains("has 2 state value(s), got an array of 3"), e.getMessage());
  }

  @Test
  void deadTimeMayBeAnExpressionOfParameters() {
    EquationModel model =
        EquationModels.parse(inserting(2, "dead_time: 2 * k + 0.5 # min"), SOURCE);
    assertEquals(1.5, model.deadTime(model.nominalParameters()));
    assertEquals(4.5, model.deadTime(new double[] {2, 2}));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> model.deadTime(new double[] {-1, 2}));
    assertTrue(e.getMessage().contains("dead_time evaluates to -1.5 min"), e.getMessage());
  }

  @Test
  void optionalSectionsMayBeLeftOut() {
    String yaml =
        "name: decay\ntime_unit: h\nstates:\n  x: {unit: '', initial: 1, min: 0, max: 1}\n"
            + "inputs:\n  u: {unit: '', min: 0, max: 1}\nequations:\n  x: u - x\n";
    EquationModel model = EquationModels.parse(yaml, SOURCE);
    assertEquals(List.of(), model.parameters());
    double[] derivative = new double[1];
    model.derivatives(new double[] {0.25}, new double[] {1}, new double[0], derivative);
    assertEquals(0.75, derivative[0]);
    assertEquals(0.0, model.deadTime(new double[0]));
  }

  @Test
  void equationsMayComeInAnyOrderAndStillFollowTheStateOrder() {
    List<String> lines = new ArrayList<>(LINES);
    lines.set(14, LINES.get(15));
    lines.set(15, LINES.get(14));
    EquationModel model = EquationModels.parse(text(lines), SOURCE);
    double[] derivative = new double[2];
    model.derivatives(new double[] {1, 300}, new double[] {0}, new double[] {1, 1}, derivative);
    assertArrayEquals(new double[] {-1, -2}, derivative);
  }

  @Test
  void chainedDefinitionsThatWouldBlowUpWhenInlinedAreEvaluatedOncePerCall() {
    StringBuilder yaml =
        new StringBuilder(
            "name: chain\ntime_unit: s\nstates:\n  x: {unit: m, initial: 1, min: 0, max: 2}\n"
                + "inputs:\n  u: {unit: m, min: 0, max: 1}\ndefinitions:\n  d0: x + u\n");
    for (int i = 1; i <= 30; i++) {
      yaml.append("  d").append(i).append(": d").append(i - 1).append(" + d").append(i - 1);
      yaml.append('\n');
    }
    yaml.append("equations:\n  x: d30\n");
    EquationModel model = EquationModels.parse(yaml.toString(), SOURCE);
    assertFalse(model.definitionsInlined());
    double[] derivative = new double[1];
    model.derivatives(new double[] {0.5}, new double[] {0.25}, new double[0], derivative);
    assertEquals(0.75 * (1 << 30), derivative[0]);
  }

  @Test
  void derivativesGiveTheSameResultsFromManyThreadsAtOnce() throws Exception {
    StringBuilder chain =
        new StringBuilder(
            "name: chain\ntime_unit: s\nstates:\n  x: {unit: m, initial: 1, min: 0, max: 2}\n"
                + "inputs:\n  u: {unit: m, min: 0, max: 1}\ndefinitions:\n  d0: x * u\n");
    for (int i = 1; i <= 12; i++) {
      chain.append("  d").append(i).append(": sqrt(d").append(i - 1).append(") + d");
      chain.append(i - 1).append(" / 3\n");
    }
    chain.append("equations:\n  x: d12 - x\n");
    for (EquationModel model :
        List.of(
            EquationModels.parse(text(LINES), SOURCE),
            EquationModels.parse(chain.toString(), SOURCE))) {
      int n = model.states().size();
      double[][] states = new double[2000][];
      double[][] inputs = new double[states.length][];
      double[][] expected = new double[states.length][n];
      Random random = new Random(3);
      for (int i = 0; i < states.length; i++) {
        states[i] = random.doubles(n, 0.1, 2).toArray();
        inputs[i] = new double[] {random.nextDouble()};
        model.derivatives(states[i], inputs[i], model.nominalParameters(), expected[i]);
      }
      Callable<Boolean> worker =
          () -> {
            double[] derivative = new double[n];
            double[] parameters = model.nominalParameters();
            for (int repeat = 0; repeat < 20; repeat++) {
              for (int i = 0; i < states.length; i++) {
                model.derivatives(states[i], inputs[i], parameters, derivative);
                if (!Arrays.equals(expected[i], derivative)) {
                  return false;
                }
              }
            }
            return true;
          };
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<Boolean>> results = pool.invokeAll(List.of(worker, worker, worker, worker));
        for (Future<Boolean> result : results) {
          assertTrue(result.get(30, TimeUnit.SECONDS), model.name());
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void loadReadsAFileAndNamesItInErrors(@TempDir Path dir) throws Exception {
    Path good = dir.resolve("good.yaml");
    Files.writeString(good, text(LINES), StandardCharsets.UTF_8);
    assertEquals("test-model", EquationModels.load(good).name());

    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, replacing(16, "  y: c * u - sz"), StandardCharsets.UTF_8);
    ConfigException e = assertThrows(ConfigException.class, () -> EquationModels.load(bad));
    assertEquals(bad.toString(), e.file());
    assertTrue(e.getMessage().startsWith(bad + ":16: field 'equations.y': "), e.getMessage());

    ConfigException missing =
        assertThrows(ConfigException.class, () -> EquationModels.load(dir.resolve("none.yaml")));
    assertTrue(missing.getMessage().endsWith("file not found"), missing.getMessage());
  }

  @Test
  void missingResourceIsAConfigException() {
    ConfigException e =
        assertThrows(ConfigException.class, () -> EquationModels.loadResource("models/none.yaml"));
    assertEquals("models/none.yaml: not found on the class path", e.getMessage());
  }

  // ----- expression errors carry file, line, field, column and name -----

  @Test
  void undeclaredNameInAnEquationNamesLineFieldColumnAndSuggestion() {
    ConfigException e = failure(replacing(16, "  y: c * u - sz"));
    assertFailure(
        e,
        16,
        "equations.y",
        "column 9: undeclared name 'sz'",
        "undeclared name 'sz' (did you mean 's'?); declared",
        "declared names are states [x, y], inputs [u], parameters [k, c], definitions [r, s]",
        "in 'c * u - sz'");
  }

  @Test
  void unknownFunctionInADefinitionNamesLineFieldColumnAndKnownFunctions() {
    ConfigException e = failure(replacing(12, "  r: k * expp(x)"));
    assertFailure(
        e,
        12,
        "definitions.r",
        "column 5: unknown function 'expp'",
        "known functions are abs, cos, exp, log, max, min, pow, sin, sqrt, tanh");
  }

  @Test
  void wrongArityNamesLineFieldAndColumn() {
    ConfigException e = failure(replacing(15, "  x: -r + pow(u) / 10"));
    assertFailure(e, 15, "equations.x", "column 6: function 'pow' takes 2 arguments, got 1");
  }

  @Test
  void syntaxErrorNamesLineFieldAndColumn() {
    ConfigException e = failure(replacing(15, "  x: -r + (u / 10"));
    assertFailure(
        e,
        15,
        "equations.x",
        "column 13: expected ')' to close '(' at column 6, found the end of the expression");
  }

  @Test
  void emptyEquationIsAnError() {
    ConfigException e = failure(replacing(15, "  x:"));
    assertFailure(e, 15, "equations.x", "column 1: empty expression");
  }

  @Test
  void definitionUsedBeforeItIsDefinedIsAnError() {
    ConfigException e = failure(replacing(12, "  r: k * x * s"));
    assertFailure(
        e,
        12,
        "definitions.r",
        "column 9: 's' is a definition used before it is defined",
        "move 's' above 'r'");
  }

  @Test
  void definitionReferringToItselfIsAnError() {
    ConfigException e = failure(replacing(13, "  s: s + 1"));
    assertFailure(e, 13, "definitions.s", "column 1: 's' refers to itself");
  }

  @Test
  void deadTimeUsingAStateIsAnError() {
    ConfigException e = failure(inserting(2, "dead_time: x / 2"));
    assertFailure(e, 3, "dead_time", "column 1: 'x' is a state; dead_time may use only parameters");
  }

  // ----- names -----

  @Test
  void nameDeclaredTwiceAcrossSectionsIsAnError() {
    ConfigException parameter = failure(replacing(9, "  x: {value: 0.5, unit: 1/min}"));
    assertFailure(
        parameter,
        9,
        "parameters.x",
        "'x' is already declared as a state",
        "unique across states, inputs, parameters and definitions");
    ConfigException definition = failure(replacing(13, "  u: r + 1"));
    assertFailure(definition, 13, "definitions.u", "'u' is already declared as an input");
  }

  @Test
  void nameDeclaredTwiceInOneSectionIsAnError() {
    ConfigException e = failure(inserting(16, "  y: c * u"));
    assertEquals(17, e.line(), e.getMessage());
    assertTrue(e.getMessage().contains("Duplicate field 'y'"), e.getMessage());
  }

  @Test
  void nameThatCannotBeWrittenInAnExpressionIsAnError() {
    ConfigException e = failure(replacing(7, "  u-in: {unit: kW, min: 0, max: 10}"));
    assertFailure(e, 7, "inputs.u-in", "'u-in' cannot be used in equations");
  }

  // ----- equations per state -----

  @Test
  void missingEquationIsAnErrorAtTheEquationsSection() {
    List<String> lines = new ArrayList<>(LINES.subList(0, 15));
    ConfigException e = failure(text(lines));
    assertFailure(e, 14, "equations", "missing the equation for state 'y'");
  }

  @Test
  void equationForAnUndeclaredStateIsAnError() {
    ConfigException e = failure(inserting(16, "  yy: 1"));
    assertFailure(
        e, 17, "equations.yy", "there is no state named 'yy' (did you mean 'y'?)", "[x, y]");
  }

  // ----- values -----

  @Test
  void rangeWithMinNotBelowMaxIsAnError() {
    ConfigException e = failure(replacing(7, "  u: {unit: kW, min: 10, max: 0}"));
    assertFailure(e, 7, "inputs.u.max", "must be greater than min 10.0");
  }

  @Test
  void nonFiniteInitialValueIsAnError() {
    ConfigException e = failure(replacing(5, "  y: {unit: K, initial: 1e999, min: 250, max: 350}"));
    assertFailure(e, 5, "states.y.initial", "must be a finite number");
  }

  @Test
  void missingInitialValueIsAnError() {
    ConfigException e = failure(replacing(5, "  y: {unit: K, min: 250, max: 350}"));
    assertFailure(e, 5, "states.y.initial", "required");
  }

  @Test
  void initialValueOutsideTheClampsIsAnError() {
    ConfigException e =
        failure(replacing(4, "  x: {unit: m, initial: 1.8, min: 0, max: 2, upper_limit: 1.5}"));
    assertFailure(e, 4, "states.x.initial", "is above upper_limit 1.5");
  }

  @Test
  void unknownTimeUnitIsAnError() {
    ConfigException e = failure(replacing(2, "time_unit: minutes"));
    assertFailure(e, 2, "time_unit", "unknown time unit 'minutes'; expected one of s, min, h");
  }

  @Test
  void negativeDeadTimeIsAnError() {
    ConfigException e = failure(inserting(2, "dead_time: -1"));
    assertFailure(e, 3, "dead_time", "must be finite and >= 0, got -1.0 min");
  }

  @Test
  void equationThatIsNotFiniteAtTheInitialStateIsAnError() {
    ConfigException e = failure(replacing(15, "  x: log(x - 1)"));
    assertFailure(e, 15, "equations.x", "evaluates to -Infinity at the initial state");
    ConfigException d = failure(replacing(12, "  r: k / (x - 1)"));
    assertFailure(d, 12, "definitions.r", "evaluates to Infinity");
  }

  // ----- malformed files -----

  @Test
  void misspelledKeyIsAnErrorAtItsLine() {
    ConfigException e = failure(replacing(5, "  y: {unit: K, initail: 300, min: 250, max: 350}"));
    assertFailure(e, 5, "states.y.initail", "unknown key 'initail'", "initial");
    ConfigException top = failure(replacing(14, "equation:"));
    assertFailure(top, 14, "equation", "unknown key 'equation'", "equations");
  }

  @Test
  void invalidYamlIsAnErrorAtItsLine() {
    ConfigException e = failure(replacing(7, "  u: {unit: kW, min: 0, max: 10"));
    assertTrue(e.getMessage().startsWith(SOURCE + ":"), e.getMessage());
    assertTrue(e.getMessage().contains("not valid YAML"), e.getMessage());
    assertTrue(e.line() >= 7 && e.line() <= 8, e.getMessage());
    ConfigException indent = failure(replacing(10, "    c: {value: 2}"));
    assertEquals(10, indent.line(), indent.getMessage());
    assertTrue(
        indent.getMessage().contains("(while parsing a block mapping that starts on line 9)"),
        indent.getMessage());
  }

  @Test
  void missingSectionIsAnError() {
    ConfigException e = failure(text(LINES.subList(0, 13)));
    assertEquals("equations", e.field(), e.getMessage());
    assertTrue(e.getMessage().contains("required"), e.getMessage());
  }

  @Test
  void emptyFileIsAnError() {
    ConfigException e = failure("# nothing\n");
    assertEquals(SOURCE + ": the file is empty", e.getMessage());
  }
}
