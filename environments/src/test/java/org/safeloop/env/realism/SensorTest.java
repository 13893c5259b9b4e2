package org.safeloop.env.realism;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.safeloop.env.Quality;

class SensorTest {
  private static final int SAMPLES = 100_000;
  private static final double DT = 0.1;

  private static SensorConfig.Builder config() {
    return SensorConfig.builder();
  }

  private static Sensor sensor(SensorConfig config, long seed) {
    Sensor sensor = new Sensor(config, DT);
    sensor.reset(new SplittableRandom(seed));
    return sensor;
  }

  @Test
  void perfectSensorReportsTrueValueWithGoodQuality() {
    Sensor sensor = sensor(SensorConfig.none(), 1);
    for (int i = 0; i < 1000; i++) {
      double truth = Math.sin(i * 0.01) * 100;
      assertEquals(new Reading(truth, Quality.GOOD), sensor.measure(truth));
    }
    assertTrue(SensorConfig.none().isPerfect());
  }

  @Test
  void noiseHasConfiguredStandardDeviationAndZeroMean() {
    Sensor sensor = sensor(config().noiseStd(0.5).build(), 2);
    double sum = 0;
    double sumSq = 0;
    for (int i = 0; i < SAMPLES; i++) {
      Reading r = sensor.measure(10.0);
      assertEquals(Quality.GOOD, r.quality());
      double e = r.value() - 10.0;
      sum += e;
      sumSq += e * e;
    }
    double mean = sum / SAMPLES;
    double std = Math.sqrt(sumSq / SAMPLES - mean * mean);
    assertEquals(0.5, std, 0.5 * 0.02);
    assertEquals(0.0, mean, 4 * 0.5 / Math.sqrt(SAMPLES));
  }

  @Test
  void biasShiftsEveryReadingByTheSameAmount() {
    Sensor sensor = sensor(config().bias(-1.5).build(), 3);
    for (int i = 0; i < 100; i++) {
      assertEquals(i - 1.5, sensor.measure(i).value(), 1e-12);
    }
  }

  @Test
  void linearDriftIsZeroAtResetAndGrowsAtConfiguredRatePerTimeUnit() {
    Sensor exact = sensor(config().driftRate(0.25).build(), 4);
    for (int k = 0; k < 1000; k++) {
      assertEquals(0.25 * k * DT, exact.measure(0.0).value(), 1e-9);
    }
    // With noise on top, a least-squares slope recovers the rate within its standard error.
    Sensor noisy = sensor(config().driftRate(0.25).noiseStd(1.0).build(), 5);
    double sumT = 0;
    double sumY = 0;
    double sumTt = 0;
    double sumTy = 0;
    for (int k = 0; k < SAMPLES; k++) {
      double t = k * DT;
      double y = noisy.measure(0.0).value();
      sumT += t;
      sumY += y;
      sumTt += t * t;
      sumTy += t * y;
    }
    double sxx = sumTt - sumT * sumT / SAMPLES;
    double slope = (sumTy - sumT * sumY / SAMPLES) / sxx;
    assertEquals(0.25, slope, 4 * 1.0 / Math.sqrt(sxx));
  }

  @Test
  void randomWalkDriftVarianceGrowsAsStdSquaredTimesTime() {
    double walkStd = 0.3;
    int paths = 4000;
    int steps = 50;
    double sumSqAt25 = 0;
    double sumSqAt50 = 0;
    SplittableRandom master = new SplittableRandom(6);
    Sensor sensor = new Sensor(config().driftRandomWalk(walkStd).build(), DT);
    for (int p = 0; p < paths; p++) {
      sensor.reset(master);
      for (int k = 0; k <= steps; k++) {
        double drift = sensor.measure(0.0).value();
        if (k == 0) {
          assertEquals(0.0, drift);
        } else if (k == 25) {
          sumSqAt25 += drift * drift;
        } else if (k == steps) {
          sumSqAt50 += drift * drift;
        }
      }
    }
    // The sample variance of n normals has relative standard error sqrt(2 / n), about 2.2 % here.
    double tolerance = 4 * Math.sqrt(2.0 / paths);
    double expected25 = walkStd * walkStd * 25 * DT;
    double expected50 = walkStd * walkStd * 50 * DT;
    assertEquals(expected25, sumSqAt25 / paths, expected25 * tolerance);
    assertEquals(expected50, sumSqAt50 / paths, expected50 * tolerance);
  }

  @Test
  void randomWalkDriftIncrementsHaveVarianceStdSquaredTimesDt() {
    Sensor sensor = sensor(config().driftRandomWalk(2.0).build(), 7);
    double previous = sensor.measure(0.0).value();
    double sumSq = 0;
    for (int i = 0; i < SAMPLES; i++) {
      double current = sensor.measure(0.0).value();
      sumSq += (current - previous) * (current - previous);
      previous = current;
    }
    assertEquals(4.0 * DT, sumSq / SAMPLES, 4.0 * DT * 0.02);
  }

  @Test
  void dropoutRateMatchesProbabilityWithinFourSigmaAndDroppedReadingsAreNanAndBad() {
    double p = 0.03;
    Sensor sensor = sensor(config().dropoutProbability(p).build(), 8);
    int dropped = 0;
    for (int i = 0; i < SAMPLES; i++) {
      Reading r = sensor.measure(5.0);
      if (r.quality() == Quality.BAD) {
        assertTrue(Double.isNaN(r.value()));
        dropped++;
      } else {
        assertEquals(new Reading(5.0, Quality.GOOD), r);
      }
    }
    double sigma = Math.sqrt(SAMPLES * p * (1 - p));
    assertEquals(SAMPLES * p, dropped, 4 * sigma);
  }

  @Test
  void stuckEpisodesRepeatTheLastValueForConfiguredSamplesWithGoodQuality() {
    double p = 0.01;
    int stuckSteps = 7;
    // Noise makes every fresh value distinct, so a repeated value can only come from a freeze.
    Sensor sensor =
        sensor(config().noiseStd(1.0).stuckProbability(p).stuckSteps(stuckSteps).build(), 9);
    List<Integer> runs = new ArrayList<>();
    double previous = sensor.measure(0.0).value();
    int run = 1;
    int frozenSamples = 0;
    for (int i = 0; i < SAMPLES; i++) {
      Reading r = sensor.measure(0.0);
      assertEquals(Quality.GOOD, r.quality());
      if (r.value() == previous) {
        run++;
        frozenSamples++;
      } else {
        runs.add(run);
        run = 1;
      }
      previous = r.value();
    }
    // A value reported fresh and then held for k back-to-back episodes shows 1 + k * stuckSteps
    // times in a row.
    int episodes = 0;
    for (int length : runs) {
      assertEquals(0, (length - 1) % stuckSteps, () -> "run of " + length + " samples");
      episodes += (length - 1) / stuckSteps;
    }
    assertTrue(episodes > 0);
    // Episodes start with probability p on each sample that is not already frozen.
    double freeSamples = SAMPLES - frozenSamples + episodes;
    double sigma = Math.sqrt(freeSamples * p * (1 - p));
    assertEquals(freeSamples * p, episodes, 4 * sigma);
  }

  @Test
  void saturatesAtRangeEndsWithUncertainQuality() {
    Sensor sensor = sensor(config().noiseStd(0.1).rangeMin(0.0).rangeMax(1.0).build(), 10);
    int uncertainHigh = 0;
    for (int i = 0; i < SAMPLES; i++) {
      Reading r = sensor.measure(1.0); // true value exactly at the top: half the noise exceeds it
      assertTrue(r.value() <= 1.0);
      assertEquals(r.value() == 1.0, r.quality() == Quality.UNCERTAIN);
      if (r.quality() == Quality.UNCERTAIN) {
        uncertainHigh++;
      }
    }
    assertEquals(SAMPLES / 2.0, uncertainHigh, 4 * Math.sqrt(SAMPLES * 0.25));
    assertEquals(new Reading(0.0, Quality.UNCERTAIN), sensor(configRange(), 11).measure(-7.0));
    assertEquals(new Reading(1.0, Quality.UNCERTAIN), sensor(configRange(), 11).measure(1e9));
    assertEquals(new Reading(0.5, Quality.GOOD), sensor(configRange(), 11).measure(0.5));
  }

  private static SensorConfig configRange() {
    return config().rangeMin(0.0).rangeMax(1.0).build();
  }

  @Test
  void quantisedReadingsLieOnGridAnchoredAtRangeMinWithinHalfAStep() {
    double q = 0.1;
    Sensor sensor = sensor(config().rangeMin(0.05).rangeMax(10.0).quantization(q).build(), 12);
    SplittableRandom truths = new SplittableRandom(13);
    for (int i = 0; i < SAMPLES; i++) {
      double truth = truths.nextDouble(0.05, 10.0);
      double value = sensor.measure(truth).value();
      double steps = (value - 0.05) / q;
      assertEquals(Math.rint(steps), steps, 1e-9);
      assertTrue(Math.abs(value - truth) <= q / 2 + 1e-12);
      assertTrue(value >= 0.05 && value <= 10.0);
    }
  }

  @Test
  void quantisationNeverReportsAboveTheRange() {
    // 1.05 is not on the grid 0, 0.1, ...: the highest code inside the range is 1.0.
    Sensor sensor = sensor(config().rangeMin(0.0).rangeMax(1.05).quantization(0.1).build(), 14);
    assertEquals(new Reading(1.0, Quality.UNCERTAIN), sensor.measure(2.0));
    assertEquals(1.0, sensor.measure(1.04).value(), 1e-12);
  }

  @Test
  void quantisationWithoutRangeUsesGridThroughZero() {
    Sensor sensor = sensor(config().quantization(0.5).build(), 15);
    assertEquals(-1.5, sensor.measure(-1.4).value());
    assertEquals(2.0, sensor.measure(2.2).value());
  }

  @Test
  void nonFiniteTrueValueGivesBadReading() {
    Sensor sensor = sensor(config().noiseStd(0.1).rangeMin(0.0).rangeMax(1.0).build(), 16);
    assertEquals(Quality.BAD, sensor.measure(Double.NaN).quality());
    assertTrue(Double.isNaN(sensor.measure(Double.POSITIVE_INFINITY).value()));
    assertEquals(Quality.BAD, sensor.measure(Double.NEGATIVE_INFINITY).quality());
  }

  @Test
  void nanTrueValueDoesNotShiftTheNoiseStream() {
    SensorConfig noisy = config().noiseStd(1.0).build();
    Sensor clean = sensor(noisy, 17);
    Sensor interrupted = sensor(noisy, 17);
    for (int i = 0; i < 100; i++) {
      Reading expected = clean.measure(3.0);
      Reading actual = interrupted.measure(i % 10 == 0 ? Double.NaN : 3.0);
      if (i % 10 != 0) {
        assertEquals(expected, actual);
      }
    }
  }

  private static SensorConfig everything() {
    return config()
        .noiseStd(0.2)
        .bias(0.1)
        .driftRate(1e-4)
        .driftRandomWalk(0.005)
        .dropoutProbability(0.02)
        .stuckProbability(0.01)
        .stuckSteps(5)
        .rangeMin(-3.0)
        .rangeMax(3.0)
        .quantization(0.01)
        .build();
  }

  @Test
  void sameSeedReproducesEveryReadingExactlyAndDifferentSeedsDiffer() {
    Sensor a = sensor(everything(), 42);
    Sensor b = sensor(everything(), 42);
    Sensor c = sensor(everything(), 43);
    int differences = 0;
    for (int i = 0; i < 10_000; i++) {
      double truth = 2.5 * Math.sin(i * 0.001);
      Reading ra = a.measure(truth);
      assertEquals(ra, b.measure(truth));
      if (!ra.equals(c.measure(truth))) {
        differences++;
      }
    }
    assertTrue(differences > 9_000, "only " + differences + " readings differ");
  }

  @Test
  void resetWithTheSameSeedReplaysTheEpisode() {
    Sensor sensor = new Sensor(everything(), DT);
    List<Reading> first = new ArrayList<>();
    sensor.reset(new SplittableRandom(44));
    for (int i = 0; i < 1000; i++) {
      first.add(sensor.measure(1.0));
    }
    sensor.reset(new SplittableRandom(44));
    for (int i = 0; i < 1000; i++) {
      assertEquals(first.get(i), sensor.measure(1.0));
    }
  }

  @Test
  void enablingDropoutLeavesTheNoiseSamplesUnchanged() {
    Sensor noiseOnly = sensor(config().noiseStd(1.0).build(), 45);
    Sensor withDropout = sensor(config().noiseStd(1.0).dropoutProbability(0.2).build(), 45);
    int kept = 0;
    for (int i = 0; i < 1000; i++) {
      Reading expected = noiseOnly.measure(0.0);
      Reading actual = withDropout.measure(0.0);
      if (actual.quality() != Quality.BAD) {
        assertEquals(expected, actual);
        kept++;
      }
    }
    assertTrue(kept > 700);
  }

  @Test
  void resetAdvancesTheCallersGeneratorEquallyWhateverIsEnabled() {
    SplittableRandom forPerfect = new SplittableRandom(46);
    SplittableRandom forEverything = new SplittableRandom(46);
    new Sensor(SensorConfig.none(), DT).reset(forPerfect);
    new Sensor(everything(), DT).reset(forEverything);
    assertEquals(forPerfect.nextLong(), forEverything.nextLong());
  }

  @Test
  void measuringBeforeResetFailsAndNonPositiveDtIsRejected() {
    Sensor sensor = new Sensor(SensorConfig.none(), DT);
    assertThrows(IllegalStateException.class, () -> sensor.measure(1.0));
    assertThrows(IllegalArgumentException.class, () -> new Sensor(SensorConfig.none(), 0.0));
    assertThrows(IllegalArgumentException.class, () -> new Sensor(SensorConfig.none(), Double.NaN));
    assertFalse(everything().isPerfect());
    assertNotEquals(SensorConfig.none(), everything());
  }
}
