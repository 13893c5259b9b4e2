package org.safeloop.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LagrangeMultiplierTest {

  @Test
  void risesWhileTheCostExceedsTheLimitAndFallsBackToZeroBelowIt() {
    LagrangeMultiplier lambda = new LagrangeMultiplier(0.0, 5.0, 0.1);
    double previous = lambda.value();
    for (int i = 0; i < 10; i++) {
      double value = lambda.update(8.0);
      assertTrue(value > previous, "rises above the limit");
      previous = value;
    }
    assertEquals(3.0, lambda.value(), 1e-12, "10 steps of 0.1 x (8 - 5)");
    for (int i = 0; i < 15; i++) {
      double value = lambda.update(2.0);
      assertTrue(value < previous || value == 0.0, "falls below the limit");
      previous = value;
    }
    assertEquals(0.0, lambda.value(), 0.0, "never negative");
    assertEquals(0.0, lambda.update(Double.NaN), 0.0, "no finished episode: unchanged");
  }

  @Test
  void aCostAtTheLimitLeavesItUnchanged() {
    LagrangeMultiplier lambda = new LagrangeMultiplier(1.5, 5.0, 0.1);
    assertEquals(1.5, lambda.update(5.0), 0.0);
  }

  @Test
  void refusesNegativeSettings() {
    assertThrows(IllegalArgumentException.class, () -> new LagrangeMultiplier(-1, 0, 0.1));
    assertThrows(IllegalArgumentException.class, () -> new LagrangeMultiplier(0, 0, 0));
  }
}
