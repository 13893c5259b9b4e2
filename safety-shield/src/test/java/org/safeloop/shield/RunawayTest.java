package org.safeloop.shield;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.safeloop.env.Observation;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.StepResult;
import org.safeloop.env.control.Policy;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;

/**
 * The CSTR runaway: a policy that always asks for Tc = 310 K, with and without the shield, on the
 * nominal plant, with realism, and on plants 10 % off the shield's model.
 */
class RunawayTest {
  private static final Policy ALWAYS_HOT = observation -> new double[] {310.0};

  record Outcome(double minT, double maxT, double finalT, long interventions) {
    boolean inside() {
      return minT >= 321.0 && maxT <= 327.0;
    }
  }

  static Outcome run(Scenario plant, boolean realism, SafetyShield shield, long seed) {
    ProcessEnvironment env = plant.createEnvironment(realism, null);
    Policy policy =
        shield == null
            ? ALWAYS_HOT
            : new ShieldedPolicy(ALWAYS_HOT, shield, env.observationSpace(), plant.initialInput());
    policy.reset();
    Observation o = env.reset(seed);
    double minT = Double.POSITIVE_INFINITY;
    double maxT = Double.NEGATIVE_INFINITY;
    double finalT = Double.NaN;
    for (int k = 0; k < 60; k++) {
      StepResult r = env.step(policy.act(o));
      o = r.observation();
      minT = Math.min(minT, r.info().state()[1]);
      maxT = Math.max(maxT, r.info().state()[1]);
      finalT = r.info().state()[1];
    }
    return new Outcome(minT, maxT, finalT, shield == null ? 0 : shield.counters().interventions());
  }

  /** The shipped constraint file with another back-off on the hot side. */
  static SafetyShield shieldWithHotBackOff(double backOff) throws IOException {
    String text;
    try (InputStream in =
        RunawayTest.class
            .getClassLoader()
            .getResourceAsStream("scenarios/cstr-constrained.shield.yaml")) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    String changed =
        text.replaceFirst(
            "bound: \"T <= 327\", horizon: 10, back_off: [0-9.]+",
            "bound: \"T <= 327\", horizon: 10, back_off: " + backOff);
    assertTrue(!changed.equals(text) || text.contains("back_off: " + backOff));
    return Shields.parse(
        changed, "cstr-constrained.shield.yaml", Scenarios.load("cstr-constrained"));
  }

  @Test
  void withoutTheShieldTheReactorRunsAwayToAbout384K() {
    Outcome o = run(Scenarios.load("cstr-constrained"), false, null, 0);
    assertTrue(o.maxT() > 400.0, "ignition peak " + o.maxT());
    assertEquals(384.0, o.finalT(), 2.0, "settles on the runaway branch");
  }

  @Test
  void theShieldKeepsTheTemperatureInsideItsBoundsAtEveryStep() {
    SafetyShield shield = Shields.load("cstr-constrained");
    Outcome o = run(Scenarios.load("cstr-constrained"), false, shield, 0);
    assertTrue(o.inside(), o.toString());
    ShieldCounters counters = shield.counters();
    assertEquals(60, counters.decisions());
    assertEquals(60, counters.interventions(), "every proposal of 310 K needs a correction");
    assertTrue(counters.byConstraint().get("T_high") > 0);
    assertEquals(0L, counters.byConstraint().get("T_low"));
  }

  @Test
  void theShieldHoldsWithSensorNoiseAndAFeedTemperatureStep() {
    Scenario scenario = Scenarios.load("cstr-constrained");
    assertTrue(!scenario.spec().realism().disturbances().isEmpty(), "the scenario steps Ti");
    for (long seed = 0; seed < 5; seed++) {
      Outcome o = run(scenario, true, Shields.load("cstr-constrained"), seed);
      assertTrue(o.inside(), "seed " + seed + ": " + o);
    }
  }

  @Test
  void onAPlantTenPercentOffTheModelThreeKelvinOfBackOffHoldsTheConstraint() throws IOException {
    Scenario nominal = Scenarios.load("cstr-constrained");
    for (double ua : new double[] {0.9, 1.1}) {
      for (double k0 : new double[] {0.9, 1.1}) {
        Scenario plant = nominal.withParameters(Map.of("UA", 5e4 * ua, "k0", 7.2e10 * k0));
        for (long seed = 0; seed < 3; seed++) {
          Outcome o = run(plant, true, shieldWithHotBackOff(3.0), seed);
          assertTrue(o.inside(), "UA x" + ua + ", k0 x" + k0 + ", seed " + seed + ": " + o);
        }
      }
    }
  }

  @Test
  void onTheHottestMismatchedPlantASmallBackOffIsNotEnough() throws IOException {
    // The margin is needed: with less cooling (UA -10 %) and a faster reaction (k0 +10 %) the
    // first steps, before the bias correction has seen the mismatch, overshoot a 0.5 K margin.
    Scenario plant =
        Scenarios.load("cstr-constrained").withParameters(Map.of("UA", 4.5e4, "k0", 7.92e10));
    Outcome o = run(plant, false, shieldWithHotBackOff(0.5), 0);
    assertTrue(o.maxT() > 327.0, o.toString());
    assertTrue(o.maxT() < 335.0, "but the bias correction still prevents a runaway: " + o);
  }
}
