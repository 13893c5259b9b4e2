package org.safeloop.env.estimation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.safeloop.env.Observation;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.Quality;
import org.safeloop.env.StepResult;
import org.safeloop.env.control.Policy;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;

class ExtendedKalmanFilterTest {
  private static final int SEEDS = 5;
  private static final int SETTLE_STEPS = 10;

  /**
   * Root-mean-square errors over steps 10..60 of several seeded episodes under the scenario's PI:
   * row 0 the estimate's, row 1 the raw measurement's, per state; plus counts of BAD readings and
   * of skipped updates in row 2.
   */
  private static double[][] errors(Scenario scenario, EstimatorSettings settings) {
    ProcessEnvironment env = scenario.createEnvironment(true, null);
    ExtendedKalmanFilter ekf = new ExtendedKalmanFilter(scenario, settings);
    int n = scenario.stateSpace().size();
    double[] estimate = new double[n];
    double[] raw = new double[n];
    int[] rawCount = new int[n];
    double[] counts = new double[2];
    int count = 0;
    for (long seed = 1; seed <= SEEDS; seed++) {
      Policy pid = scenario.baselineController();
      pid.reset();
      Observation o = env.reset(seed);
      ekf.reset(scenario.initialState());
      double[] truth = scenario.initialState();
      for (int k = 0; k < scenario.episodeSteps(); k++) {
        Estimate e = ekf.update(o);
        for (int i = 0; i < n; i++) {
          counts[0] += o.quality(i) == Quality.BAD ? 1 : 0;
        }
        counts[1] += e.skipped().size();
        if (k >= SETTLE_STEPS) {
          for (int i = 0; i < n; i++) {
            estimate[i] += square(e.state()[i] - truth[i]);
            if (o.quality(i) == Quality.GOOD) {
              raw[i] += square(o.value(i) - truth[i]);
              rawCount[i]++;
            }
          }
          count++;
        }
        StepResult r = env.step(pid.act(o));
        ekf.predict(r.info().appliedAction());
        o = r.observation();
        truth = r.info().state();
      }
    }
    for (int i = 0; i < n; i++) {
      estimate[i] = Math.sqrt(estimate[i] / count);
      raw[i] = Math.sqrt(raw[i] / rawCount[i]);
      System.out.printf(
          Locale.ROOT,
          "%s, %s after %d steps, %d seeds: estimate RMS error %.4g, raw measurement %.4g (%.2f"
              + " times)%n",
          scenario.name(),
          scenario.stateSpace().get(i).name(),
          SETTLE_STEPS,
          SEEDS,
          estimate[i],
          raw[i],
          raw[i] / estimate[i]);
    }
    return new double[][] {estimate, raw, counts};
  }

  private static double square(double v) {
    return v * v;
  }

  private static Scenario testScenario(String file) {
    return Scenarios.load(Path.of("src/test/resources/estimation", file));
  }

  @Test
  void onTheNoisyCstrTheConcentrationIsThreeTimesAndTheTemperatureTwiceAsCloseAsItsMeasurement() {
    Scenario s = Scenarios.load("cstr-tracking");
    double[][] e = errors(s, EstimatorSettings.fromScenario(s, true));
    assertTrue(e[1][0] / e[0][0] >= 3.0, "Ca: raw " + e[1][0] + ", estimate " + e[0][0]);
    // T carries a drifting bias and an unannounced 2 K feed-temperature step, and relaxes within
    // one control step (little memory to average over): about 2.4 times (docs/baselines.md).
    assertTrue(e[1][1] / e[0][1] >= 2.0, "T: raw " + e[1][1] + ", estimate " + e[0][1]);
  }

  @Test
  void onTheNoisyConstrainedCstrEveryStateEstimateIsThreeTimesCloserThanItsMeasurement() {
    // Sensor noise, an unannounced +3 K feed-temperature step and no sensor drift.
    Scenario s = Scenarios.load("cstr-constrained");
    double[][] e = errors(s, EstimatorSettings.fromScenario(s, true));
    for (int i = 0; i < 2; i++) {
      assertTrue(e[1][i] / e[0][i] >= 3.0, "state " + i + ": " + e[1][i] + " / " + e[0][i]);
    }
  }

  @Test
  void anUnannouncedFeedStepIsCaughtAsAJumpAndFollowedWithinASample() {
    // cstr-tracking's feed temperature steps by 2 K at 13 min, the 30th control interval.
    Scenario s = Scenarios.load("cstr-tracking");
    EstimatorSettings withJumps = EstimatorSettings.fromScenario(s, true);
    Map<String, EstimatorSettings.RandomWalk> noJump = new java.util.LinkedHashMap<>();
    withJumps
        .parameters()
        .forEach(
            (k, w) -> noJump.put(k, new EstimatorSettings.RandomWalk(w.initialStd(), w.stepStd())));
    EstimatorSettings withoutJumps =
        new EstimatorSettings(
            withJumps.measurementStd(),
            withJumps.processStd(),
            withJumps.initialStd(),
            noJump,
            withJumps.sensorBiases(),
            withJumps.relativeStep());
    int early = 0;
    int caught = 0;
    double after = 0;
    double afterWithoutJumps = 0;
    for (long seed = 1; seed <= SEEDS; seed++) {
      ProcessEnvironment env = s.createEnvironment(true, null);
      ExtendedKalmanFilter ekf = new ExtendedKalmanFilter(s, withJumps);
      ExtendedKalmanFilter slow = new ExtendedKalmanFilter(s, withoutJumps);
      Policy pid = s.baselineController();
      pid.reset();
      Observation o = env.reset(seed);
      ekf.reset(s.initialState());
      slow.reset(s.initialState());
      double[] truth = s.initialState();
      for (int k = 0; k < s.episodeSteps(); k++) {
        long before = ekf.detectedJumps();
        Estimate e = ekf.update(o);
        Estimate e2 = slow.update(o);
        boolean jumped = ekf.detectedJumps() > before;
        if (k < 30) {
          early += jumped ? 1 : 0;
        } else if (k <= 32) {
          caught += jumped ? 1 : 0;
        }
        if (k >= 31 && k <= 35) {
          after += square(e.state()[1] - truth[1]);
          afterWithoutJumps += square(e2.state()[1] - truth[1]);
        }
        StepResult r = env.step(pid.act(o));
        ekf.predict(r.info().appliedAction());
        slow.predict(r.info().appliedAction());
        o = r.observation();
        truth = r.info().state();
      }
      assertEquals(0, slow.detectedJumps(), "a filter without jumps never reports one");
    }
    after = Math.sqrt(after / (5 * SEEDS));
    afterWithoutJumps = Math.sqrt(afterWithoutJumps / (5 * SEEDS));
    System.out.printf(
        Locale.ROOT,
        "feed step: caught in %d of %d episodes, %d false alarms before it; T RMS error over the"
            + " 5 samples after it %.4f K (%.4f K without jumps)%n",
        caught,
        SEEDS,
        early,
        after,
        afterWithoutJumps);
    assertEquals(SEEDS, caught, "the step is caught in every episode");
    assertTrue(early <= 1, "at most one false alarm in " + 30 * SEEDS + " updates: " + early);
    assertTrue(after < afterWithoutJumps / 2, after + " against " + afterWithoutJumps);
  }

  @Test
  void withSensorNoiseAloneEveryStateEstimateIsThreeTimesCloserThanItsMeasurement() {
    Scenario s = testScenario("cstr-noise-only.yaml");
    double[][] e = errors(s, EstimatorSettings.fromScenario(s, true));
    for (int i = 0; i < 2; i++) {
      assertTrue(e[1][i] / e[0][i] >= 3.0, "state " + i + ": " + e[1][i] + " / " + e[0][i]);
    }
  }

  @Test
  void withFrequentDropoutsEveryBadReadingIsReportedAndTheEstimateStillBeatsTheGoodReadings() {
    Scenario s = testScenario("cstr-dropouts.yaml");
    double[][] e = errors(s, EstimatorSettings.fromScenario(s, true));
    assertTrue(e[2][0] > 100, "the file drops about a fifth of the readings: " + e[2][0]);
    assertEquals(e[2][0], e[2][1], "one skipped update per BAD reading");
    assertTrue(e[1][0] / e[0][0] >= 2.0, "Ca: raw " + e[1][0] + ", estimate " + e[0][0]);
  }

  @Test
  void aBadOrNonFiniteReadingIsReportedAndNeverUsed() {
    Scenario s = Scenarios.load("cstr-tracking");
    ExtendedKalmanFilter ekf = new ExtendedKalmanFilter(s, EstimatorSettings.fromScenario(s, true));
    ExtendedKalmanFilter temperatureOnly =
        new ExtendedKalmanFilter(s, EstimatorSettings.fromScenario(s, true));
    ekf.reset(s.initialState());
    temperatureOnly.reset(s.initialState());
    // A BAD value far off and a GOOD-quality NaN must leave the estimate exactly where the other
    // measurement alone puts it.
    Estimate bad =
        ekf.update(
            new Observation(
                new double[] {1e6, 330.2, 0.85},
                new Quality[] {Quality.BAD, Quality.GOOD, Quality.GOOD}));
    Estimate nan =
        temperatureOnly.update(
            new Observation(
                new double[] {Double.NaN, 330.2, 0.85},
                new Quality[] {Quality.GOOD, Quality.GOOD, Quality.GOOD}));
    assertEquals(List.of(new Estimate.SkippedMeasurement("Ca", "quality BAD")), bad.skipped());
    assertEquals(List.of(new Estimate.SkippedMeasurement("Ca", "value NaN")), nan.skipped());
    assertArrayEquals(bad.state(), nan.state(), 0.0);
    assertEquals(0.8, bad.state()[0], 0.01, "Ca stays at its prior");
    assertEquals(330.2, bad.state()[1], 0.05, "T follows its measurement");

    Estimate none =
        ekf.update(
            new Observation(
                new double[] {0.8, 330.0, 0.85},
                new Quality[] {Quality.UNCERTAIN, Quality.BAD, Quality.GOOD}));
    assertEquals(2, none.skipped().size());
    assertFalse(none.allUsed());
    assertArrayEquals(bad.state(), none.state(), 0.0, "no usable reading: the prediction stands");
  }

  @Test
  void onAScalarFirstOrderProcessTheGainConvergesToTheSteadyStateRiccatiSolution() {
    // dx/dt = (K u - x) / tau sampled every dt: x' = a x + (1 - a) K u, a = exp(-dt / tau).
    Scenario s = Scenarios.load("first-order");
    double a = Math.exp(-s.controlInterval() / 0.5);
    double q = 0.01 * 0.01;
    double r = 0.05 * 0.05;
    EstimatorSettings settings =
        new EstimatorSettings(
            Map.of("x", 0.05), Map.of("x", 0.01), Map.of("x", 1.0), Map.of(), Map.of(), 1e-6);
    ExtendedKalmanFilter ekf = new ExtendedKalmanFilter(s, settings);
    ekf.reset(new double[] {0.0});
    double[][] gain = null;
    for (int k = 0; k < 200; k++) {
      ekf.update(Observation.good(new double[] {0.3 + 0.01 * Math.sin(k), 0.7}));
      gain = ekf.lastGain();
      ekf.predict(new double[] {0.5});
    }
    // Prior covariance P solves P = a^2 P r / (P + r) + q, i.e. P^2 + (r (1 - a^2) - q) P - q r =
    // 0.
    double b = r * (1 - a * a) - q;
    double prior = (-b + Math.sqrt(b * b + 4 * q * r)) / 2;
    double expectedGain = prior / (prior + r);
    System.out.printf(
        Locale.ROOT,
        "first-order: steady-state gain %.8f (Riccati %.8f), prior variance %.6g (Riccati %.6g)%n",
        gain[0][0],
        expectedGain,
        ekf.covariance()[0][0],
        prior);
    assertEquals(expectedGain, gain[0][0], 1e-7);
    assertEquals(prior, ekf.covariance()[0][0], 1e-9);
  }

  @Test
  void theSameSeedGivesTheSameEstimates() {
    Scenario s = Scenarios.load("cstr-tracking");
    assertEquals(List.of(run(s)), List.of(run(s)));
  }

  private static List<Double> run(Scenario s) {
    ProcessEnvironment env = s.createEnvironment(true, null);
    ExtendedKalmanFilter ekf = new ExtendedKalmanFilter(s, EstimatorSettings.fromScenario(s, true));
    Policy pid = s.baselineController();
    Observation o = env.reset(42);
    ekf.reset(s.initialState());
    List<Double> out = new ArrayList<>();
    for (int k = 0; k < 20; k++) {
      Estimate e = ekf.update(o);
      for (double v : e.state()) {
        out.add(v);
      }
      StepResult step = env.step(pid.act(o));
      ekf.predict(step.info().appliedAction());
      o = step.observation();
    }
    return out;
  }

  @Test
  void theRealismSectionGivesTheNoiseModel() {
    EstimatorSettings settings =
        EstimatorSettings.fromScenario(Scenarios.load("cstr-tracking"), true);
    assertEquals(Map.of("Ca", 0.002, "T", 0.1), settings.measurementStd());
    assertEquals(List.of("UA", "Ti"), List.copyOf(settings.parameters().keySet()));
    // Ti only steps (by 2 K): a slow walk and a jump of the step's size; UA is only uncertain.
    assertEquals(
        new EstimatorSettings.RandomWalk(
            3.5e-4, 2.0 * EstimatorSettings.Tuning.SMOOTH.walkFraction(), 2.0),
        settings.parameters().get("Ti"));
    assertEquals(0.0, settings.parameters().get("UA").jumpStd());
    assertEquals(0.015, settings.processStd().get("T"), 1e-12, "3e-4 of the 50 K range");
    // The policies' tuning: walks of 5 % of the offset, no jump, Q 1e-3 of the range.
    EstimatorSettings fast =
        EstimatorSettings.fromScenario(
            Scenarios.load("cstr-tracking"), true, EstimatorSettings.Tuning.FAST);
    assertEquals(new EstimatorSettings.RandomWalk(3.5e-4, 0.1, 0.0), fast.parameters().get("Ti"));
    assertEquals(0.05, fast.processStd().get("T"), 1e-12);
    assertEquals(settings.measurementStd(), fast.measurementStd());
    assertEquals(settings.sensorBiases(), fast.sensorBiases());
    assertEquals(5e4 * 0.02 / Math.sqrt(3), settings.parameters().get("UA").initialStd(), 1e-9);
    assertEquals(List.of("T"), List.copyOf(settings.sensorBiases().keySet()));

    EstimatorSettings off = EstimatorSettings.fromScenario(Scenarios.load("cstr-tracking"), false);
    assertEquals(0.3e-4, off.measurementStd().get("Ca"), 1e-12, "a perfect sensor gets the floor");
    assertTrue(off.parameters().isEmpty() && off.sensorBiases().isEmpty());
  }

  @Test
  void settingsThatMissAMeasuredSignalAreRefusedNamingIt() {
    Scenario s = Scenarios.load("first-order");
    EstimatorSettings settings =
        new EstimatorSettings(
            Map.of(), Map.of("x", 0.01), Map.of("x", 1.0), Map.of(), Map.of(), 1e-6);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new ExtendedKalmanFilter(s, settings));
    assertTrue(e.getMessage().contains("'x'"), e.getMessage());
  }
}
