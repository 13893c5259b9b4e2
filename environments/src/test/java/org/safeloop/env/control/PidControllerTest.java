package org.safeloop.env.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PidControllerTest {

  /** Simulates a first-order process y' = (K u - y)/tau with explicit Euler at step dt. */
  private static double firstOrder(double y, double u, double dt) {
    return y + dt * (1.0 * u - y) / 0.5;
  }

  @Test
  void outputNeverLeavesItsLimits() {
    PidController pid = new PidController(PidConfig.pi("x", "u", 50.0, 0.1), 0.1, 0.0, 1.0);
    for (int k = 0; k < 200; k++) {
      double out = pid.update(k % 20 < 10 ? 5.0 : -5.0, 0.0);
      assertTrue(out >= 0.0 && out <= 1.0, "output " + out);
    }
  }

  @Test
  void antiWindupLetsTheLoopRecoverAtOnceAfterSaturation() {
    PidController pid = new PidController(PidConfig.pi("x", "u", 2.0, 0.5), 0.1, 0.0, 1.0);
    // An unreachable setpoint holds the output at its top limit for a long time.
    for (int k = 0; k < 500; k++) {
      pid.update(5.0, 0.9);
    }
    assertEquals(1.0, pid.lastOutput(), 0.0);
    assertTrue(pid.integralTerm() < 2.0, "integral wound up to " + pid.integralTerm());
    // When the setpoint comes back below the measurement the output leaves the limit at once.
    double out = pid.update(0.5, 0.9);
    assertTrue(out < 1.0, "output still saturated: " + out);
  }

  @Test
  void piLoopRemovesTheOffsetOnAFirstOrderProcess() {
    double dt = 0.01;
    PidController pid = new PidController(PidConfig.pi("x", "u", 2.5, 0.5), dt, 0.0, 1.0);
    pid.reset(0.0);
    double y = 0.0;
    for (int k = 0; k < 1000; k++) {
      double u = pid.update(0.7, y);
      y = firstOrder(y, u, dt);
    }
    assertEquals(0.7, y, 1e-4);
  }

  @Test
  void derivativeActsOnTheMeasurementSoASetpointStepCausesNoKick() {
    PidConfig config = new PidConfig("x", "u", 1.0, null, 1.0, 10.0, null, 0.5);
    PidController pid = new PidController(config, 0.1, -100.0, 100.0);
    pid.update(0.0, 0.0);
    pid.update(0.0, 0.0);
    double afterStep = pid.update(1.0, 0.0);
    assertEquals(0.5 + 1.0, afterStep, 1e-12, "only the proportional part moves");
    double afterMeasurementMove = pid.update(1.0, 0.1);
    assertTrue(afterMeasurementMove < 0.5 + 0.9 - 0.1, "derivative opposes the measured rise");
  }

  @Test
  void aBadMeasurementFreezesTheOutput() {
    PidController pid = new PidController(PidConfig.pi("x", "u", 2.0, 0.5), 0.1, 0.0, 1.0);
    double before = pid.update(0.7, 0.2);
    double integral = pid.integralTerm();
    assertEquals(before, pid.update(0.7, Double.NaN), 0.0);
    assertEquals(integral, pid.integralTerm(), 0.0);
  }

  @Test
  void resetStartsBumplesslyFromTheGivenOutput() {
    PidController pid = new PidController(PidConfig.pi("x", "u", 2.0, 0.5), 0.1, 0.0, 1.0);
    pid.reset(0.37);
    assertEquals(0.37, pid.update(0.5, 0.5), 1e-12);
  }

  @Test
  void trackingTheAppliedOutputPullsTheIntegralTowardIt() {
    PidController tracked = new PidController(PidConfig.pi("x", "u", 1.0, 1.0), 0.1, 0.0, 1.0);
    PidController free = new PidController(PidConfig.pi("x", "u", 1.0, 1.0), 0.1, 0.0, 1.0);
    for (int k = 0; k < 50; k++) {
      tracked.update(0.8, 0.2);
      tracked.track(0.3); // something downstream holds the actuator at 0.3
      free.update(0.8, 0.2);
    }
    assertTrue(tracked.integralTerm() < free.integralTerm());
  }

  @Test
  void retuneKeepsTheOutputUnchangedAtTheSwitch() {
    PidController retuned = new PidController(PidConfig.pi("x", "u", 1.0, 1.0), 0.1, -10.0, 10.0);
    PidController kept = new PidController(PidConfig.pi("x", "u", 1.0, 1.0), 0.1, -10.0, 10.0);
    for (int k = 0; k < 20; k++) {
      retuned.update(0.8, 0.2 + 0.01 * k);
      kept.update(0.8, 0.2 + 0.01 * k);
    }
    retuned.retune(PidConfig.pi("x", "u", 5.0, 0.2));
    // Same setpoint and measurement as the last sample: the new gain must not kick the output.
    assertEquals(kept.update(0.8, 0.39), retuned.update(0.8, 0.39), 1e-12);
    assertEquals(5.0, retuned.config().kp(), 0.0);
  }

  @Test
  void retunedLoopActsWithItsNewGainAfterTheSwitch() {
    PidController pid = new PidController(PidConfig.pi("x", "u", 1.0, 1.0), 0.1, -10.0, 10.0);
    pid.update(0.5, 0.5);
    double before = pid.update(0.5, 0.5);
    pid.retune(PidConfig.pi("x", "u", 4.0, 1.0));
    // A measurement step of -0.1 moves the output by kp * 0.1 with the new kp (plus the integral
    // step kp dt / ti * e of the previous sample, zero here).
    assertEquals(before + 4.0 * 0.1, pid.update(0.5, 0.4), 1e-12);
  }

  @Test
  void retuneFromPidToPiHandsTheDerivativeStateToTheIntegral() {
    PidConfig old = new PidConfig("x", "u", 2.0, 1.0, 0.5, 10.0, null, 0.0);
    PidController pid = new PidController(old, 0.1, -10.0, 10.0);
    for (int k = 0; k < 10; k++) {
      pid.update(1.0, 0.05 * k); // a rising measurement builds up a derivative state
    }
    double last = pid.lastOutput();
    pid.retune(PidConfig.pi("x", "u", 3.0, 0.5));
    // Same measurement again: the only move is the integral step the last sample already took.
    double lastError = 1.0 - 0.05 * 9;
    assertEquals(last + 2.0 * 0.1 / 1.0 * lastError, pid.update(1.0, 0.05 * 9), 1e-12);
  }

  @Test
  void retuneToTheSameTuningChangesNothing() {
    PidConfig config = new PidConfig("x", "u", 2.0, 1.0, 0.5, 10.0, null, 0.0);
    PidController retuned = new PidController(config, 0.1, -10.0, 10.0);
    PidController kept = new PidController(config, 0.1, -10.0, 10.0);
    for (int k = 0; k < 30; k++) {
      double measurement = Math.sin(0.3 * k);
      if (k == 15) {
        retuned.retune(config);
      }
      assertEquals(kept.update(0.5, measurement), retuned.update(0.5, measurement), 1e-12);
    }
  }

  @Test
  void retuneRefusesAnotherLoop() {
    PidController pid = new PidController(PidConfig.pi("x", "u", 1.0, 1.0), 0.1, 0.0, 1.0);
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> pid.retune(PidConfig.pi("y", "u", 1.0, 1.0)));
  }
}
