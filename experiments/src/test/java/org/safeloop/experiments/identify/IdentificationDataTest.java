package org.safeloop.experiments.identify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;

/**
 * Resampling irregular plant data onto the control interval: interpolation inside the gap limit,
 * nothing across a longer gap, bad samples left out, actions held, and the counts said.
 */
class IdentificationDataTest {
  private static final Scenario CSTR = Scenarios.load("cstr-constrained"); // 26 s steps

  private static PlantData.Series series(double[] v, boolean... good) {
    return new PlantData.Series(v, good);
  }

  @Test
  void measurementsAreInterpolatedInsideTheGapLimitAndNeverAcrossALongerGap() {
    // Samples at irregular times; a 200 s hole between 60 s and 260 s; one BAD T sample.
    double[] t = {0, 20, 60, 260, 290, 312};
    Map<String, PlantData.Series> s = new LinkedHashMap<>();
    s.put(
        "Ca",
        series(
            new double[] {0.80, 0.82, 0.86, 0.90, 0.91, 0.92}, true, true, true, true, true, true));
    s.put(
        "T",
        series(new double[] {320, 321, 999, 325, 326, 327}, true, true, false, true, true, true));
    s.put(
        "Tc",
        series(new double[] {300, 300, 301, 302, 302, 303}, true, true, true, true, true, true));
    PlantData d = new PlantData("test", "", t, null, s);

    IdentificationData r = IdentificationData.resample(d, CSTR, 78.0);

    assertEquals(13, r.steps(), "0 to 312 s in 26 s steps");
    // Step 1 at 26 s: between 20 s (0.82) and 60 s (0.86), 40 s apart: interpolated.
    assertEquals(0.82 + (6.0 / 40.0) * 0.04, r.states()[1][0], 1e-12);
    // T at 26 s: the 60 s sample is BAD, the next good one is at 260 s, 240 s after 20 s: empty.
    assertTrue(Double.isNaN(r.states()[1][1]));
    // Ca at 104 s (step 4): 60 s and 260 s are 200 s apart, more than 78 s: not bridged.
    assertTrue(Double.isNaN(r.states()[4][0]));
    // Ca at 286 s (step 11): between 260 s and 290 s.
    assertEquals(0.90 + (26.0 / 30.0) * 0.01, r.states()[11][0], 1e-12);
    // Actions are held, for at most the gap limit: 301 K from 60 s until 138 s.
    assertEquals(301.0, r.actions()[3][0], 0.0); // 78 s
    assertEquals(301.0, r.actions()[5][0], 0.0); // 130 s
    assertTrue(Double.isNaN(r.actions()[6][0])); // 156 s: 96 s after the last sample
    assertEquals(302.0, r.actions()[10][0], 0.0); // 260 s
    assertEquals(1, r.summary().badSamples());
    assertTrue(r.summary().gapValues() > 0);
    assertEquals(6, r.summary().rows());
  }

  @Test
  void aStepWithEveryStateAndActionKnownIsUsable() {
    double[] t = {0, 26, 52};
    Map<String, PlantData.Series> s = new LinkedHashMap<>();
    for (String name : List.of("Ca", "T", "Tc")) {
      s.put(name, series(new double[] {1, 2, 3}, true, true, true));
    }
    IdentificationData r =
        IdentificationData.resample(new PlantData("x", "", t, null, s), CSTR, 78);
    assertEquals(3, r.summary().usableSteps());
    assertEquals(0, r.summary().gapValues());
  }
}
