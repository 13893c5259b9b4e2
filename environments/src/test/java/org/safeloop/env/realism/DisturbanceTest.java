package org.safeloop.env.realism;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DisturbanceTest {

  private static Disturbance started(DisturbanceConfig config, long seed) {
    Disturbance d = new Disturbance(config);
    d.reset(new SplittableRandom(seed));
    return d;
  }

  private static DisturbanceConfig config(
      String type, double start, Double end, Double magnitude, Double rate, Double std) {
    return new DisturbanceConfig("Ti", type, start, end, magnitude, rate, std, null, null, null);
  }

  @Test
  void stepIsZeroBeforeStartMagnitudeUntilEndAndRemovedAfter() {
    Disturbance step = started(config("step", 10.0, 20.0, 5.0, null, null), 1);
    assertEquals(0.0, step.offsetAt(0.0));
    assertEquals(0.0, step.offsetAt(9.999));
    assertEquals(5.0, step.offsetAt(10.0));
    assertEquals(5.0, step.offsetAt(19.999));
    assertEquals(0.0, step.offsetAt(20.0));
    assertEquals("Ti", step.parameter());
  }

  @Test
  void rampRisesAtConfiguredSlopeAndHoldsAfterEnd() {
    Disturbance ramp = started(config("ramp", 2.0, 6.0, null, -0.5, null), 2);
    assertEquals(0.0, ramp.offsetAt(1.0));
    assertEquals(0.0, ramp.offsetAt(2.0));
    assertEquals(-1.0, ramp.offsetAt(4.0), 1e-12);
    assertEquals(-2.0, ramp.offsetAt(6.0), 1e-12);
    assertEquals(-2.0, ramp.offsetAt(100.0), 1e-12);
  }

  @Test
  void offsetIsClippedIntoItsBounds() {
    DisturbanceConfig bounded =
        new DisturbanceConfig("Ti", "ramp", 0.0, null, null, 1.0, null, null, -1.0, 3.0);
    Disturbance ramp = started(bounded, 3);
    assertEquals(2.0, ramp.offsetAt(2.0), 1e-12);
    assertEquals(3.0, ramp.offsetAt(50.0));
  }

  @Test
  void sinePeaksAtAQuarterPeriodAndStopsAtEnd() {
    DisturbanceConfig sine =
        new DisturbanceConfig("Ti", "sine", 1.0, 9.0, 2.0, null, null, 4.0, null, null);
    Disturbance d = started(sine, 4);
    assertEquals(0.0, d.offsetAt(0.5));
    assertEquals(0.0, d.offsetAt(1.0), 1e-12);
    assertEquals(2.0, d.offsetAt(2.0), 1e-12);
    assertEquals(-2.0, d.offsetAt(4.0), 1e-12);
    assertEquals(0.0, d.offsetAt(9.0));
  }

  @Test
  void randomWalkVarianceGrowsAsStdSquaredTimesElapsedTime() {
    double std = 0.4;
    double start = 1.0;
    int paths = 20_000;
    Disturbance walk = new Disturbance(config("random_walk", start, null, null, null, std));
    SplittableRandom master = new SplittableRandom(5);
    double sumAt3 = 0;
    double sumSqAt3 = 0;
    double sumSqAt11 = 0;
    for (int p = 0; p < paths; p++) {
      walk.reset(master);
      for (int k = 0; k <= 20; k++) {
        double t = k * 0.5;
        double offset = walk.offsetAt(t + 1.0);
        if (k == 0) {
          assertEquals(0.0, offset);
        }
        if (k == 4) {
          sumAt3 += offset;
          sumSqAt3 += offset * offset;
        }
        if (k == 20) {
          sumSqAt11 += offset * offset;
        }
      }
    }
    double tolerance = 4 * Math.sqrt(2.0 / paths);
    double expectedAt3 = std * std * (3.0 - start);
    double expectedAt11 = std * std * (11.0 - start);
    assertEquals(expectedAt3, sumSqAt3 / paths, expectedAt3 * tolerance);
    assertEquals(expectedAt11, sumSqAt11 / paths, expectedAt11 * tolerance);
    assertEquals(0.0, sumAt3 / paths, 4 * Math.sqrt(expectedAt3 / paths));
  }

  @Test
  void randomWalkVarianceDoesNotDependOnHowOftenItIsCalled() {
    double std = 0.4;
    int paths = 20_000;
    Disturbance walk = new Disturbance(config("random_walk", 0.0, null, null, null, std));
    SplittableRandom master = new SplittableRandom(6);
    double sumSq = 0;
    for (int p = 0; p < paths; p++) {
      walk.reset(master);
      // One call after the whole interval, as if the control step were 4 time units.
      double offset = walk.offsetAt(4.0);
      sumSq += offset * offset;
    }
    double expected = std * std * 4.0;
    assertEquals(expected, sumSq / paths, expected * 4 * Math.sqrt(2.0 / paths));
  }

  @Test
  void randomWalkIsZeroBeforeStartHeldAfterEndAndStaysInsideItsBounds() {
    DisturbanceConfig bounded =
        new DisturbanceConfig("Caf", "random_walk", 5.0, 500.0, null, null, 1.0, null, -0.5, 0.2);
    Disturbance walk = started(bounded, 7);
    double t = 0;
    for (; t < 5.0; t += 0.1) {
      assertEquals(0.0, walk.offsetAt(t));
    }
    boolean reachedMin = false;
    boolean reachedMax = false;
    for (; t < 500.0; t += 0.1) {
      double offset = walk.offsetAt(t);
      assertTrue(offset >= -0.5 && offset <= 0.2, () -> "offset " + offset);
      reachedMin |= offset == -0.5;
      reachedMax |= offset == 0.2;
    }
    assertTrue(reachedMin && reachedMax);
    double held = walk.offsetAt(500.0);
    assertEquals(held, walk.offsetAt(600.0));
    assertEquals(held, walk.offsetAt(700.0));
  }

  @Test
  void randomWalkSameSeedReproducesExactlyAndDifferentSeedsDiffer() {
    DisturbanceConfig c = config("random_walk", 0.0, null, null, null, 1.0);
    Disturbance a = started(c, 8);
    Disturbance b = started(c, 8);
    Disturbance other = started(c, 9);
    int differences = 0;
    for (int k = 1; k <= 1000; k++) {
      double offset = a.offsetAt(k * 0.1);
      assertEquals(offset, b.offsetAt(k * 0.1));
      if (offset != other.offsetAt(k * 0.1)) {
        differences++;
      }
    }
    assertEquals(1000, differences);
  }

  @Test
  void randomWalkRejectsTimeGoingBack() {
    Disturbance walk = started(config("random_walk", 0.0, null, null, null, 1.0), 10);
    walk.offsetAt(2.0);
    assertThrows(IllegalArgumentException.class, () -> walk.offsetAt(1.0));
    assertThrows(IllegalArgumentException.class, () -> walk.offsetAt(Double.NaN));
  }

  @Test
  void offsetBeforeResetFails() {
    Disturbance step = new Disturbance(DisturbanceConfig.step("Ti", 0.0, 1.0));
    assertThrows(IllegalStateException.class, () -> step.offsetAt(0.0));
  }

  @Test
  void resetAdvancesTheCallersGeneratorEquallyWhateverTheType() {
    SplittableRandom forStep = new SplittableRandom(11);
    SplittableRandom forWalk = new SplittableRandom(11);
    new Disturbance(DisturbanceConfig.step("Ti", 0.0, 1.0)).reset(forStep);
    new Disturbance(DisturbanceConfig.randomWalk("Ti", 0.0, 1.0)).reset(forWalk);
    assertEquals(forStep.nextLong(), forWalk.nextLong());
    assertNotEquals(DisturbanceConfig.ramp("Ti", 0.0, 1.0), DisturbanceConfig.step("Ti", 0.0, 1.0));
  }
}
