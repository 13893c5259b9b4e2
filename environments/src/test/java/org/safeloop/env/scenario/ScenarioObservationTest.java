package org.safeloop.env.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.env.Observation;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.StepResult;
import org.safeloop.env.config.ConfigException;

/** The scenario file's {@code observation} section, end to end through the simulated plant. */
class ScenarioObservationTest {
  @TempDir Path dir;

  private static final String ALL_OPTIONS =
      """
      observation:
        tracking_error: true
        error_integral: {bounds: {Ca: 0.2}}
        filter: {time_constant: 1.0}
        previous_action: true
        preview: {steps: 3}
      """;

  private static String builtIn(String name) throws IOException {
    try (InputStream in =
        ScenarioObservationTest.class
            .getClassLoader()
            .getResourceAsStream("scenarios/" + name + ".yaml")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private Scenario tracking(String observationSection) throws IOException {
    Path file = dir.resolve("tracking.yaml");
    Files.writeString(file, builtIn("cstr-tracking") + observationSection);
    return Scenarios.load(file);
  }

  private ConfigException fails(String observationSection) throws IOException {
    Path file = dir.resolve("tracking.yaml");
    String base = builtIn("cstr-tracking");
    Files.writeString(file, base + observationSection);
    return assertThrows(ConfigException.class, () -> Scenarios.load(file));
  }

  private static int lineOf(String text, String needle) {
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].contains(needle)) {
        return i + 1;
      }
    }
    throw new AssertionError(needle);
  }

  @Test
  void theBuiltInScenariosObserveOnlyMeasurementsAndSetpoints() {
    Scenario s = Scenarios.load("cstr-tracking");
    assertEquals(List.of("Ca", "T", "Ca_setpoint"), s.observationSpace().names());
    assertEquals(s.observationSpace(), s.plantObservationSpace());
    assertTrue(s.observationDesign().derivedSignals().isEmpty());
  }

  @Test
  void eachOptionAddsItsSignalsToTheObservationSpace() throws IOException {
    Scenario s = tracking(ALL_OPTIONS);
    assertEquals(
        List.of(
            "Ca",
            "T",
            "Ca_setpoint",
            "Ca_error",
            "Ca_error_integral",
            "Ca_filtered",
            "T_filtered",
            "Tc_previous",
            "Ca_setpoint_ahead_1",
            "Ca_setpoint_ahead_2",
            "Ca_setpoint_ahead_3"),
        s.observationSpace().names());
    assertEquals(List.of("Ca", "T", "Ca_setpoint"), s.plantObservationSpace().names());
    assertEquals("mol/m3*min", s.observationSpace().get(4).unit());
  }

  @Test
  void thePreviewEqualsTheSetpointScheduleAndHoldsItsLastValue() throws IOException {
    Scenario s = tracking("observation: {preview: {steps: 3}}\n");
    ProcessEnvironment env = s.createEnvironment(false, null);
    Observation o = env.reset(0);
    int first = s.observationSpace().indexOf("Ca_setpoint_ahead_1");
    for (int step = 0; step < s.episodeSteps(); step++) {
      for (int j = 1; j <= 3; j++) {
        int ahead = Math.min(step + j, s.episodeSteps() - 1);
        assertEquals(s.setpoint(0, ahead), o.value(first + j - 1), 0.0, "step " + step);
      }
      o = env.step(new double[] {300.0}).observation();
    }
  }

  @Test
  void thePreviousActionIsTheActionAppliedAfterLimitsAndRateLimits() throws IOException {
    Path file = dir.resolve("rate.yaml");
    Files.writeString(
        file,
        builtIn("cstr-tracking")
                .replace(
                    "Tc: {min: 295.0, max: 302.0}", "Tc: {min: 295.0, max: 302.0, rate_limit: 1.5}")
            + "observation: {previous_action: true}\n");
    Scenario s = Scenarios.load(file);
    ProcessEnvironment env = s.createEnvironment(false, null);
    int previous = s.observationSpace().indexOf("Tc_previous");
    assertEquals(300.0, env.reset(0).value(previous), 0.0, "after reset: the initial input");
    StepResult up = env.step(new double[] {310.0});
    assertEquals(301.5, up.info().appliedAction()[0], 0.0);
    assertEquals(301.5, up.observation().value(previous), 0.0);
    StepResult clipped = env.step(new double[] {310.0});
    assertEquals(302.0, clipped.observation().value(previous), 0.0);
  }

  @Test
  void theSameSeedGivesTheSameObservationsWithEveryOptionAndRealismOn() throws IOException {
    Scenario s = tracking(ALL_OPTIONS);
    assertEquals(episode(s, 7), episode(s, 7));
    assertTrue(!episode(s, 7).equals(episode(s, 8)), "another seed, other noise");
  }

  private static List<Observation> episode(Scenario s, long seed) {
    ProcessEnvironment env = s.createEnvironment(true, null);
    List<Observation> out = new ArrayList<>();
    out.add(env.reset(seed));
    for (int k = 0; k < s.episodeSteps(); k++) {
      out.add(env.step(new double[] {298.0 + (k % 5)}).observation());
    }
    return out;
  }

  @Test
  void aNonPositiveFilterTimeConstantNamesFileLineAndField() throws IOException {
    String section = "observation:\n  filter: {time_constant: -1.0}\n";
    ConfigException e = fails(section);
    assertEquals("observation.filter.time_constant", e.field());
    assertEquals(lineOf(builtIn("cstr-tracking") + section, "time_constant"), e.line());
    assertTrue(e.getMessage().contains("tracking.yaml:" + e.line()), e.getMessage());
  }

  @Test
  void aFilterOnAnUnmeasuredSignalNamesTheListItem() throws IOException {
    String section = "observation:\n  filter: {time_constant: 1.0, signals: [Cb]}\n";
    ConfigException e = fails(section);
    assertEquals("observation.filter.signals[0]", e.field());
    assertTrue(e.getMessage().contains("measured are [Ca, T]"), e.getMessage());
  }

  @Test
  void anIntegralBoundForAnUntrackedVariableNamesIt() throws IOException {
    String section = "observation:\n  error_integral:\n    bounds: {T: 1.0}\n";
    ConfigException e = fails(section);
    assertEquals("observation.error_integral.bounds.T", e.field());
    assertTrue(e.getMessage().contains("tracked are [Ca]"), e.getMessage());
  }

  @Test
  void aMisspelledOptionNamesItsLineAndTheAllowedKeys() throws IOException {
    String section = "observation:\n  tracking_eror: true\n";
    ConfigException e = fails(section);
    assertEquals(lineOf(builtIn("cstr-tracking") + section, "tracking_eror"), e.line());
    assertTrue(e.getMessage().contains("tracking_error"), e.getMessage());
  }

  @Test
  void aPreviewOfZeroStepsIsRefused() throws IOException {
    ConfigException e = fails("observation:\n  preview: {steps: 0}\n");
    assertEquals("observation.preview.steps", e.field());
  }
}
