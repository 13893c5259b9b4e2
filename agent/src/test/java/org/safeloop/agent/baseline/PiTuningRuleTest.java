package org.safeloop.agent.baseline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.safeloop.env.control.PidConfig;

class PiTuningRuleTest {

  @Test
  void simcCapsTheIntegralTimeOfALagDominantProcess() {
    Fopdt lagDominant = new Fopdt(2.0, 10.0, 1.0);
    PidConfig simc = PiTuningRule.SIMC.tune(lagDominant, "y", "u", 1.0);
    assertEquals(10.0 / (2.0 * (1.0 + 1.0)), simc.kp(), 1e-12);
    assertEquals(4 * (1.0 + 1.0), simc.ti(), 1e-12);
  }

  @Test
  void lambdaRuleCancelsTheProcessLag() {
    Fopdt lagDominant = new Fopdt(2.0, 10.0, 1.0);
    PidConfig lambda = PiTuningRule.LAMBDA.tune(lagDominant, "y", "u", 1.0);
    assertEquals(2.5, lambda.kp(), 1e-12);
    assertEquals(10.0, lambda.ti(), 1e-12);
  }

  @Test
  void reverseActingProcessGetsANegativeGain() {
    PidConfig config = PiTuningRule.SIMC.tune(new Fopdt(-0.5, 1.0, 0.2), "Ca", "Tc");
    assertEquals(1.0 / (-0.5 * (0.2 + 0.2)), config.kp(), 1e-12);
    assertEquals(1.0, config.ti(), 1e-12);
  }

  @Test
  void defaultClosedLoopTimeConstantIsTheDeadTime() {
    Fopdt process = new Fopdt(1.0, 0.5, 0.3);
    assertEquals(
        PiTuningRule.SIMC.tune(process, "x", "u", 0.3), PiTuningRule.SIMC.tune(process, "x", "u"));
    assertEquals(0.5 / 0.6, PiTuningRule.SIMC.tune(process, "x", "u").kp(), 1e-12);
  }

  @Test
  void noDeadTimeAndNoClosedLoopTimeConstantIsRefusedAsAnInfiniteGain() {
    Fopdt firstOrder = new Fopdt(1.0, 0.5, 0.0);
    assertThrows(
        IllegalArgumentException.class, () -> PiTuningRule.SIMC.tune(firstOrder, "x", "u"));
    // Half a sample of effective delay makes it well posed.
    assertEquals(
        0.5 / 0.1, PiTuningRule.SIMC.tune(firstOrder.withSamplingDelay(0.1), "x", "u").kp(), 1e-12);
  }
}
