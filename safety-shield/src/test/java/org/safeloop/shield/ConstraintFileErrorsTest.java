package org.safeloop.shield;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.safeloop.env.config.ConfigException;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;

/**
 * A malformed constraint file fails when it is loaded, naming the file, the line and the field of
 * the first problem.
 */
class ConstraintFileErrorsTest {
  private static final Scenario MODEL = Scenarios.load("cstr-constrained");
  private static final String FILE = "bad.shield.yaml";

  private static final String VALID =
      """
      name: test
      model: cstr-constrained
      actions:
        Tc:
          min: 290.0
          max: 310.0
          rate_up_per_step: 2.5
          rate_down_per_minute: 12.0
      measurements:
        T: {range_min: 250.0, range_max: 450.0, max_age_s: 60.0}
      state_constraints:
        - {name: T_high, bound: "T <= 327", horizon: 10, back_off: 1.5}
        - {name: T_low, variable: T, min: 321.0, horizon: 10}
      fallback:
        type: fixed
        action: {Tc: 300.0}
      """;

  /** Replaces the one line of {@link #VALID} that contains {@code line} by {@code replacement}. */
  private static String changed(String line, String replacement) {
    assertEquals(1, VALID.split(java.util.regex.Pattern.quote(line), -1).length - 1, line);
    return VALID.replace(line, replacement);
  }

  /** Returns the 1-based line of the only line of {@code text} that contains {@code snippet}. */
  private static int lineOf(String text, String snippet) {
    List<String> lines = text.lines().toList();
    int found = 0;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(snippet)) {
        assertEquals(0, found, "'" + snippet + "' is on more than one line");
        found = i + 1;
      }
    }
    assertTrue(found > 0, "'" + snippet + "' is on no line");
    return found;
  }

  private static void assertRejected(String text, String lineWith, String field) {
    ConfigException e =
        assertThrows(ConfigException.class, () -> Shields.parse(text, FILE, MODEL), text);
    assertEquals(FILE, e.file(), e.getMessage());
    assertEquals(lineOf(text, lineWith), e.line(), e.getMessage());
    assertEquals(field, e.field(), e.getMessage());
    assertTrue(
        e.getMessage().startsWith(FILE + ":" + e.line() + ": field '" + field + "'"),
        e.getMessage());
  }

  @Test
  void theValidFileBuilds() {
    SafetyShield shield = Shields.parse(VALID, FILE, MODEL);
    assertEquals(290.0, shield.actionSpace().get(0).min());
  }

  @Test
  void anActionTheModelDoesNotHaveIsRejected() {
    String text = changed("    rate_down_per_minute: 12.0\n", "  Tj: {min: 280.0, max: 320.0}\n");
    assertRejected(text, "Tj:", "actions.Tj");
  }

  @Test
  void aMeasurementTheModelDoesNotHaveIsRejected() {
    String text = changed("  T: {range_min", "  Tr: {range_min");
    assertRejected(text, "Tr:", "measurements.Tr");
  }

  @Test
  void aStateConstraintOnAVariableTheModelDoesNotHaveIsRejected() {
    assertRejected(
        changed("variable: T, min: 321.0", "variable: Tj, min: 321.0"),
        "variable: Tj",
        "state_constraints[1].variable");
    assertRejected(
        changed("bound: \"T <= 327\"", "bound: \"Tr <= 327\""),
        "Tr <= 327",
        "state_constraints[0].variable");
  }

  @Test
  void anActionLowerLimitAboveTheUpperIsRejected() {
    String text = changed("    min: 290.0\n    max: 310.0\n", "    min: 310.0\n    max: 290.0\n");
    assertRejected(text, "max: 290.0", "actions.Tc.max");
  }

  @Test
  void aStateLowerBoundAboveTheUpperIsRejectedAsFieldsAndAsBoundText() {
    assertRejected(
        changed("variable: T, min: 321.0,", "variable: T, min: 327.0, max: 321.0,"),
        "max: 321.0",
        "state_constraints[1].min");
    assertRejected(
        changed("bound: \"T <= 327\"", "bound: \"327 <= T <= 321\""),
        "327 <= T <= 321",
        "state_constraints[0].bound");
  }

  @Test
  void aNegativeRateLimitIsRejected() {
    assertRejected(
        changed("rate_up_per_step: 2.5", "rate_up_per_step: -2.5"),
        "rate_up_per_step",
        "actions.Tc.rate_up_per_step");
    assertRejected(
        changed("rate_down_per_minute: 12.0", "rate_down_per_minute: -12.0"),
        "rate_down_per_minute",
        "actions.Tc.rate_down_per_minute");
  }

  @Test
  void aHorizonOfZeroStepsIsRejected() {
    assertRejected(
        changed("min: 321.0, horizon: 10", "min: 321.0, horizon: 0"),
        "horizon: 0",
        "state_constraints[1].horizon");
  }

  @ParameterizedTest
  @CsvSource({
    "rate_up_per_step: 2.5, rate_up_per_stp: 2.5, actions.Tc.rate_up_per_stp",
    "'T: {range_min', 'T: {range_mn', measurements.T.range_mn",
    "'back_off: 1.5', 'back_of: 1.5', state_constraints[0].back_of",
    "'state_constraints:', 'state_constraint:', state_constraint",
    "'  type: fixed', '  typ: fixed', fallback.typ",
  })
  void aMisspelledKeyIsRejectedNamingIt(String key, String misspelled, String field) {
    assertRejected(changed(key, misspelled), misspelled, field);
  }

  @Test
  void aFixedFallbackOutsideTheHardLimitsIsRejected() {
    assertRejected(
        changed("action: {Tc: 300.0}", "action: {Tc: 315.0}"),
        "action: {Tc: 315.0}",
        "fallback.action.Tc");
    assertRejected(
        changed("action: {Tc: 300.0}", "action: {Tc: 289.99}"),
        "action: {Tc: 289.99}",
        "fallback.action.Tc");
  }

  @Test
  void aHorizonOrPredictionSubstepsAboveTheBoundIsRejected() {
    assertRejected(
        changed("min: 321.0, horizon: 10", "min: 321.0, horizon: 1000000"),
        "horizon: 1000000",
        "state_constraints[1].horizon");
    String substeps = VALID + "repair: {prediction_substeps: 100000}\n";
    assertRejected(substeps, "prediction_substeps", "repair.prediction_substeps");
  }

  @Test
  void backOffsThatLeaveNoBandBetweenALowerAndAnUpperBoundAreRejected() {
    // T <= 327 backed off by 1.5 and T >= 321 backed off by 5: above 326, below 325.5.
    String text = changed("min: 321.0, horizon: 10}", "min: 321.0, horizon: 10, back_off: 5.0}");
    assertRejected(text, "back_off: 5.0", "state_constraints[1].back_off");
    ConfigException e =
        assertThrows(ConfigException.class, () -> Shields.parse(text, FILE, MODEL), text);
    assertTrue(e.getMessage().contains("no band is left for T"), e.getMessage());
  }

  @Test
  void aBackOffThatPushesABoundOutOfTheInstrumentRangeIsRejected() {
    assertRejected(
        changed("back_off: 1.5}", "back_off: 100.0}"),
        "back_off: 100.0",
        "state_constraints[0].back_off");
  }

  @Test
  void aPhysicallyImpossibleModelParameterIsRejected() {
    String text =
        VALID.replace(
            "model: cstr-constrained\n", "model: cstr-constrained\nparameters: {V: -1.0}\n");
    assertRejected(text, "V: -1.0", "parameters.V");
  }
}
