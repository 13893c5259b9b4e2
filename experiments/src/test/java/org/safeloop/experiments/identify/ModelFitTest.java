package org.safeloop.experiments.identify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;

/** The fit recovers a mismatched plant's parameters with honest intervals. */
class ModelFitTest {
  private static final Scenario MODEL = Scenarios.load("cstr-constrained");

  @Test
  void recoversUaAndK0OfAMismatchedCstrWithTheFeedTemperatureEstimated() {
    Scenario truth = MODEL.withParameters(Map.of("UA", 5.0e4 * 0.85, "k0", 7.2e10 * 1.10));
    PlantData plant = PlantRuns.record(truth, 30, 300, 11, 290.0, 293.0, 10);
    ModelFit.Result r = PlantRuns.fit(MODEL, plant, List.of("UA", "k0", "Ti"), false);
    assertEquals(42500.0, r.estimate()[0], 0.02 * 42500.0);
    assertEquals(7.92e10, r.estimate()[1], 0.02 * 7.92e10);
    assertTrue(r.converged());
    // The residuals are down to the sensor noise (0.002 mol/m3, 0.1 K) once Ti is estimated.
    assertTrue(r.residualRms()[0] < 0.003 && r.residualRms()[1] < 0.15, r.residualRms()[1] + " K");
  }
}
