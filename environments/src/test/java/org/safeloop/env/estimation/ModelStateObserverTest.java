package org.safeloop.env.estimation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.env.Observation;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.Quality;
import org.safeloop.env.SignalSpace;
import org.safeloop.env.StepResult;
import org.safeloop.env.control.Policy;
import org.safeloop.env.observation.ObservationBuilder;
import org.safeloop.env.observation.ObservationDesign;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;

/**
 * {@code observation.estimate}: the scenario's extended Kalman filter as observations, the same in
 * simulation and wherever the plant's signals are read (the bridge rebuilds the design from the
 * bundle's record).
 */
class ModelStateObserverTest {
  /** The built-in cstr-tracking with {@code observation: {estimate: true}}. */
  private static Scenario withEstimates(Path dir) throws IOException {
    String yaml;
    try (InputStream in = Scenarios.class.getResourceAsStream("/scenarios/cstr-tracking.yaml")) {
      yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    Path file = dir.resolve("cstr-tracking-estimate.yaml");
    Files.writeString(
        file,
        yaml.replace("name: cstr-tracking", "name: cstr-tracking-estimate")
            + "\nobservation:\n  estimate: true\n");
    return Scenarios.load(file);
  }

  @Test
  void theObservationCarriesEveryStateAndEachDisturbedOrUncertainParameter(@TempDir Path dir)
      throws IOException {
    Scenario scenario = withEstimates(dir);
    List<String> derived = scenario.observationDesign().derivedSignals();
    // cstr-tracking's realism makes UA uncertain and steps the feed temperature Ti (model order).
    assertEquals(List.of("Ca_estimate", "T_estimate", "UA_estimate", "Ti_estimate"), derived);
    SignalSpace space = scenario.observationSpace();
    assertEquals("mol/m3", space.get(space.indexOf("Ca_estimate")).unit());
    var ti = space.get(space.indexOf("Ti_estimate"));
    assertTrue(ti.min() < 350 && ti.max() > 350, ti.toString());
    assertThrows(IllegalStateException.class, () -> scenario.observationDesign().newBuilder());
  }

  @Test
  void theEstimatesAreCloserToTheTruthThanTheMeasurementsAndFollowTheFeedStep(@TempDir Path dir)
      throws IOException {
    Scenario scenario = withEstimates(dir);
    SignalSpace space = scenario.observationSpace();
    int ca = space.indexOf("Ca");
    int caEstimate = space.indexOf("Ca_estimate");
    int tiEstimate = space.indexOf("Ti_estimate");
    ProcessEnvironment env = scenario.createEnvironment(true, null);
    double estimateError = 0;
    double rawError = 0;
    int count = 0;
    double lastTi = Double.NaN;
    for (long seed = 1; seed <= 3; seed++) {
      Policy pid = scenario.baselineController();
      pid.reset();
      Observation o = env.reset(seed);
      double[] truth = scenario.initialState();
      for (int k = 0; k < scenario.episodeSteps(); k++) {
        if (k >= 10 && o.quality(ca) == Quality.GOOD) {
          estimateError += Math.pow(o.value(caEstimate) - truth[0], 2);
          rawError += Math.pow(o.value(ca) - truth[0], 2);
          count++;
        }
        StepResult r = env.step(pid.act(o));
        o = r.observation();
        truth = r.info().state();
        lastTi = o.value(tiEstimate);
      }
    }
    double ratio = Math.sqrt(rawError / count) / Math.sqrt(estimateError / count);
    System.out.printf(Locale.ROOT, "Ca: raw RMS error / estimate RMS error = %.2f%n", ratio);
    assertTrue(ratio >= 3.0, "Ca estimate only " + ratio + " times better than the measurement");
    // The feed temperature steps up from its nominal 350 K; the filter's estimate follows it.
    assertTrue(lastTi > 350.5, "Ti estimate at the end " + lastTi);
  }

  @Test
  void theBridgesRebuiltDesignGivesTheSameEstimatesAndMarksABadReading(@TempDir Path dir)
      throws IOException {
    Scenario scenario = withEstimates(dir);
    ObservationDesign trained = scenario.observationDesign();
    Map<String, Object> record = trained.toRecord();
    ObservationDesign rebuilt =
        ObservationDesign.fromRecord(
            record, scenario.plantObservationSpace(), scenario.actionSpace());
    assertEquals(trained.space().names(), rebuilt.space().names());
    ObservationBuilder a = scenario.newObservationBuilder();
    ObservationBuilder b = rebuilt.newBuilder(new ModelStateObserver(scenario));
    double[] applied = scenario.initialInput();
    for (int k = 0; k < 20; k++) {
      Quality q = k == 12 ? Quality.BAD : Quality.GOOD;
      Observation plant =
          new Observation(
              new double[] {0.8 + 0.002 * k, 330 - 0.1 * k, 0.85},
              new Quality[] {q, Quality.GOOD, Quality.GOOD});
      Observation x = a.observe(plant, applied, null);
      Observation y = b.observe(plant, applied, null);
      assertArrayEquals(x.values(), y.values(), 0.0);
      int at = trained.space().indexOf("Ca_estimate");
      assertEquals(k == 12 ? Quality.UNCERTAIN : Quality.GOOD, y.quality(at), "step " + k);
      applied = new double[] {299.0 + 0.1 * k};
    }
  }
}
