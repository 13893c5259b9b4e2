package org.safeloop.env.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.StepResult;
import org.safeloop.env.config.ConfigException;

class ScenarioFilesTest {
  @TempDir Path dir;

  private static final String VALID =
      """
      name: tank-test
      process: fopdt
      steps: 10
      time_step: 0.1
      parameters: {K: 2.0, tau: 0.5}
      setpoints:
        x:
          - {value: 0.5}
      controller:
        - {process_variable: x, input: u, kp: 1.0, ti: 0.5}
      """;

  private Path write(String text) throws IOException {
    Path file = dir.resolve("scenario.yaml");
    Files.writeString(file, text);
    return file;
  }

  private ConfigException loadFails(String text) throws IOException {
    Path file = write(text);
    return assertThrows(ConfigException.class, () -> Scenarios.load(file));
  }

  @Test
  void aValidFileLoadsWithItsOverrides() throws IOException {
    Scenario s = Scenarios.load(write(VALID));
    assertEquals("tank-test", s.name());
    assertEquals(2.0, s.nominalParameters()[0]);
    assertEquals(10, s.episodeSteps());
  }

  @Test
  void aMisspelledKeyNamesFileLineAndTheAllowedKeys() throws IOException {
    ConfigException e = loadFails(VALID.replace("time_step: 0.1", "time_stp: 0.1"));
    assertEquals(4, e.line());
    assertTrue(e.getMessage().contains("scenario.yaml:4"), e.getMessage());
    assertTrue(e.getMessage().contains("time_stp"), e.getMessage());
    assertTrue(e.getMessage().contains("time_step"), "lists allowed keys: " + e.getMessage());
  }

  @Test
  void aWrongTypeNamesTheField() throws IOException {
    ConfigException e = loadFails(VALID.replace("steps: 10", "steps: ten"));
    assertEquals("steps", e.field());
    assertEquals(3, e.line());
  }

  @Test
  void aNegativeEpisodeLengthIsCaughtByValidation() throws IOException {
    ConfigException e = loadFails(VALID.replace("steps: 10", "steps: -4"));
    assertEquals("steps", e.field());
    assertEquals(3, e.line());
  }

  @Test
  void anUnknownParameterNamesTheModelsParameters() throws IOException {
    ConfigException e = loadFails(VALID.replace("K: 2.0", "Kp: 2.0"));
    assertEquals("parameters.Kp", e.field());
    assertEquals(5, e.line());
    assertTrue(e.getMessage().contains("tau"), e.getMessage());
  }

  @Test
  void aSetpointOnAnUnknownVariableNamesItsLine() throws IOException {
    ConfigException e = loadFails(VALID.replace("  x:\n    - {value", "  y:\n    - {value"));
    assertEquals("setpoints.y", e.field());
    assertEquals(7, e.line());
  }

  @Test
  void aBadNestedValueNamesTheListItem() throws IOException {
    ConfigException e = loadFails(VALID.replace("kp: 1.0", "kp: 0.0"));
    assertEquals("controller[0].kp", e.field());
    assertEquals(10, e.line());
  }

  @Test
  void anUnknownProcessListsTheRegisteredModels() throws IOException {
    ConfigException e = loadFails(VALID.replace("process: fopdt", "process: reactor"));
    assertEquals("process", e.field());
    assertTrue(e.getMessage().contains("cstr"), e.getMessage());
  }

  @Test
  void aDeadTimeThatIsNotWholeStepsIsRefused() throws IOException {
    ConfigException e = loadFails(VALID.replace("tau: 0.5}", "tau: 0.5, theta: 0.25}"));
    assertTrue(e.getMessage().contains("whole number of control steps"), e.getMessage());
  }

  @Test
  void invalidYamlNamesTheLine() throws IOException {
    ConfigException e = loadFails(VALID.replace("setpoints:", "setpoints: [unclosed"));
    assertTrue(e.line() >= 6, "line " + e.line());
    assertTrue(e.getMessage().startsWith(dir.resolve("scenario.yaml").toString()));
  }

  @Test
  void aMissingFileSaysSo() {
    ConfigException e =
        assertThrows(ConfigException.class, () -> Scenarios.load(dir.resolve("nope.yaml")));
    assertTrue(e.getMessage().contains("file not found"));
  }

  @Test
  void aNanOrInfiniteActionIsRefusedWithTheInputsName() {
    ProcessEnvironment env = Scenarios.load("cstr-tracking").createEnvironment();
    env.reset(0);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> env.step(new double[] {Double.NaN}));
    assertTrue(e.getMessage().contains("Tc"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class, () -> env.step(new double[] {Double.POSITIVE_INFINITY}));
    assertThrows(IllegalArgumentException.class, () -> env.step(new double[] {300.0, 1.0}));
  }

  @Test
  void anActionOutsideTheActuatorLimitsIsClippedAndReported() {
    ProcessEnvironment env = Scenarios.load("cstr-tracking").createEnvironment();
    env.reset(0);
    StepResult r = env.step(new double[] {400.0});
    assertEquals(302.0, r.info().appliedAction()[0]);
    assertTrue(r.info().actionLimited());
    StepResult inside = env.step(new double[] {300.0});
    assertFalse(inside.info().actionLimited());
  }

  @Test
  void rateLimitsBoundTheMovePerStep() {
    ProcessEnvironment env = Scenarios.load("four-tank").createEnvironment();
    env.reset(0);
    StepResult r = env.step(new double[] {10.0, 0.1});
    assertEquals(5.0 + 3.0, r.info().appliedAction()[0], 1e-12);
    assertEquals(5.0 - 3.0, r.info().appliedAction()[1], 1e-12);
    assertTrue(r.info().actionLimited());
  }

  @Test
  void theEquationModelScenarioBehavesLikeTheBuiltInModel() {
    ProcessEnvironment builtIn = Scenarios.load("cstr-tracking").createEnvironment(false, null);
    ProcessEnvironment yaml = Scenarios.load("cstr-equations").createEnvironment(false, null);
    builtIn.reset(5);
    yaml.reset(5);
    for (int k = 0; k < 60; k++) {
      double[] u = {295.0 + (k * 37 % 8)};
      StepResult a = builtIn.step(u);
      StepResult b = yaml.step(u);
      for (int i = 0; i < 2; i++) {
        double x = a.info().state()[i];
        assertEquals(x, b.info().state()[i], 1e-11 * Math.abs(x), "state " + i + " at " + k);
      }
      assertEquals(a.reward(), b.reward(), 1e-9 * Math.abs(a.reward()) + 1e-12);
    }
  }

  @Test
  void anEmptyInputEntryNamesTheInputRatherThanFailingInside() throws IOException {
    ConfigException e = loadFails(VALID.replace("setpoints:", "inputs: {u: ~}\nsetpoints:"));
    assertEquals("inputs.u", e.field(), e.getMessage());
    assertEquals(6, e.line());
    assertTrue(e.getMessage().contains("is empty"), e.getMessage());
  }

  @Test
  void anEmptyMeasuredEntryStillObservesTheStateWithTheModelsRange() throws IOException {
    Scenario s = Scenarios.load(write(VALID.replace("setpoints:", "measured: {x: ~}\nsetpoints:")));
    assertEquals("x", s.observationSpace().get(0).name());
  }

  @Test
  void anEpisodeLengthAboveTheBoundIsRefusedBeforeAnythingIsAllocated() throws IOException {
    ConfigException e = loadFails(VALID.replace("steps: 10", "steps: 2147483647"));
    assertEquals("steps", e.field());
    assertTrue(e.getMessage().contains("between 1 and 100000"), e.getMessage());
    ConfigException substeps =
        loadFails(
            VALID.replace("time_step: 0.1", "time_step: 0.1\nintegrator: {substeps: 1000000}"));
    assertEquals("integrator.substeps", substeps.field(), substeps.getMessage());
  }

  @Test
  void aFractionalOrQuotedEpisodeLengthIsRefusedRatherThanCoerced() throws IOException {
    ConfigException fraction = loadFails(VALID.replace("steps: 10", "steps: 60.5"));
    assertEquals("steps", fraction.field());
    assertEquals(3, fraction.line());
    ConfigException quoted = loadFails(VALID.replace("steps: 10", "steps: \"60\""));
    assertEquals("steps", quoted.field());
    assertTrue(quoted.getMessage().contains("the text '60'"), quoted.getMessage());
  }

  @Test
  void aPhysicallyImpossibleParameterIsRefusedAtLoad() throws IOException {
    ConfigException tau = loadFails(VALID.replace("tau: 0.5", "tau: -0.5"));
    assertEquals("parameters.tau", tau.field());
    assertEquals(5, tau.line());
    assertTrue(tau.getMessage().contains("must be above 0 min (time constant)"), tau.getMessage());
    Path cstr = dir.resolve("cstr.yaml");
    Files.writeString(
        cstr, "name: c\nprocess: cstr\nsteps: 10\ntime_step: 0.1\nparameters: {V: 0}\n");
    ConfigException volume = assertThrows(ConfigException.class, () -> Scenarios.load(cstr));
    assertEquals("parameters.V", volume.field(), volume.getMessage());
  }

  @Test
  void aModelFileGivenAsAScenarioSaysHowAScenarioRefersToIt() throws IOException {
    Path model = dir.resolve("tank.yaml");
    try (var in = getClass().getClassLoader().getResourceAsStream("models/heated-tank.yaml")) {
      Files.write(model, in.readAllBytes());
    }
    ConfigException e = assertThrows(ConfigException.class, () -> Scenarios.load(model));
    assertEquals(
        model + ": this is a model file; a scenario refers to it with `process:`", e.getMessage());
  }

  @Test
  void anOverlongScenarioNameIsRefused() throws IOException {
    ConfigException e = loadFails(VALID.replace("name: tank-test", "name: " + "n".repeat(101)));
    assertEquals("name", e.field());
    assertEquals(1, e.line());
  }
}
