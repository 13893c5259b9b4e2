package org.safeloop.experiments.identify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;

/** The fit works on a YAML equation model and with free segment starts. */
class IdentifyModelsTest {
  @Test
  void aYamlEquationModelsParametersAreRecovered() {
    // cstr-equations: the CSTR written as a YAML equation file (no realism: noise-free data).
    Scenario model = Scenarios.load("cstr-equations");
    // A milder mismatch than the other tests: this scenario starts at 330 K, close to ignition.
    Scenario truth = model.withParameters(Map.of("UA", 47500.0, "k0", 7.56e10));
    PlantData plant = PlantRuns.record(truth, 0, 200, 4, 295.0, 297.0, 10);
    ModelFit.Result r = PlantRuns.fit(model, plant, List.of("UA", "k0"), false);
    assertEquals(47500.0, r.estimate()[0], 1e-3 * 47500.0);
    assertEquals(7.56e10, r.estimate()[1], 1e-3 * 7.56e10);
    assertTrue(r.converged());
  }

  @Test
  void freeSegmentStartsRecoverTheParametersToo() {
    Scenario model = Scenarios.load("cstr-constrained");
    Scenario truth = model.withParameters(Map.of("UA", 42500.0, "k0", 7.92e10));
    PlantData plant = PlantRuns.record(truth, 30, 200, 11, 290.0, 293.0, 10);
    ModelFit.Result r = PlantRuns.fit(model, plant, List.of("UA", "k0", "Ti"), true);
    assertEquals(3 + 2 * r.segments(), r.unknowns(), "the parameters and every segment's start");
    assertEquals(42500.0, r.estimate()[0], 0.02 * 42500.0);
    assertEquals(7.92e10, r.estimate()[1], 0.02 * 7.92e10);
  }
}
