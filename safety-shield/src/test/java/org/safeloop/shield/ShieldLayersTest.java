package org.safeloop.shield;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.safeloop.env.Observation;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.Quality;
import org.safeloop.env.StepResult;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;

/** Each layer of the shield on hand-made situations of the constrained CSTR. */
class ShieldLayersTest {
  private final Scenario scenario = Scenarios.load("cstr-constrained");

  /** Ca, T, Ca setpoint: a comfortable operating point. */
  private static PlantSnapshot plant(double ca, double temperature, double time) {
    return new PlantSnapshot(
        time,
        new double[] {ca, temperature, 0.86},
        new Quality[] {Quality.GOOD, Quality.GOOD, Quality.GOOD},
        new double[] {time, time, time});
  }

  private SafetyShield shield(String extra) {
    String text =
        """
        name: test
        model: cstr-constrained
        actions:
          Tc: {min: 290, max: 310, rate_up_per_step: 2.5, rate_down_per_step: 5.0, deadband: 0.05}
        measurements:
          Ca: {range_min: 0.0, range_max: 1.5, max_age_s: 60, frozen_samples: 4}
          T: {range_min: 250, range_max: 450, max_age_s: 60, frozen_samples: 4}
        state_constraints:
          - {name: T_high, bound: "T <= 327", horizon: 10, back_off: 0.5}
        """
            + extra;
    return Shields.parse(text, "test.yaml", scenario);
  }

  @Test
  void aSafeSmallMoveIsAcceptedUnchanged() {
    ShieldDecision d =
        shield("").decide(plant(0.877, 324.5, 0), new double[] {300.5}, new double[] {300});
    assertEquals(Verdict.ACCEPTED, d.verdict());
    assertArrayEquals(new double[] {300.5}, d.appliedAction());
    assertTrue(d.interventions().isEmpty());
    assertTrue(d.worstPredictedMargin() >= 0);
  }

  @Test
  void hardLimitsClipAndSayByHowMuch() {
    ShieldDecision d =
        shield("").decide(plant(0.877, 324.5, 0), new double[] {280}, new double[] {291});
    assertEquals(290.0, d.appliedAction()[0]);
    Intervention hard = d.interventions().get(0);
    assertEquals(Layer.HARD_LIMIT, hard.layer());
    assertEquals(-10.0, hard.margin(), 1e-12);
  }

  @Test
  void rateLimitsAreAsymmetric() {
    SafetyShield s =
        Shields.parse(
            """
            name: rates
            model: cstr-constrained
            actions:
              Tc: {min: 290, max: 310, rate_up_per_step: 2.5, rate_down_per_step: 5.0,
                   rate_up_per_minute: 4.0}
            """,
            "rates.yaml",
            scenario);
    // 4 K/min over a 26 s step is 1.733 K: tighter than 2.5 K per step, so it binds.
    double perMinuteUp = 4.0 * 26.0 / 60.0;
    PlantSnapshot p = plant(0.877, 324.5, 0);
    assertEquals(
        300 + perMinuteUp,
        s.decide(p, new double[] {310}, new double[] {300}).appliedAction()[0],
        1e-9);
    assertEquals(
        295.0, s.decide(p, new double[] {290}, new double[] {300}).appliedAction()[0], 1e-9);
  }

  @Test
  void aMoveInsideTheDeadbandIsNotMade() {
    ShieldDecision d =
        shield("").decide(plant(0.877, 324.5, 0), new double[] {300.03}, new double[] {300});
    assertEquals(300.0, d.appliedAction()[0]);
    assertEquals(Verdict.REPAIRED, d.verdict());
  }

  @Test
  void aPredictedCrossingIsRepairedTowardTheHeldAction() {
    // Hot and rising: any heating is predicted to cross 326.5 K.
    ShieldDecision d =
        shield("").decide(plant(0.84, 326.0, 0), new double[] {302.5}, new double[] {300});
    assertTrue(d.appliedAction()[0] < 302.5, "repaired below the proposal");
    assertTrue(d.worstPredictedMargin() >= 0, "the repaired action is predicted safe");
    assertTrue(
        d.interventions().stream()
            .anyMatch(i -> i.layer() == Layer.STATE_CONSTRAINT && i.subject().equals("T_high")),
        d.reason());
  }

  @Test
  void badStaleFrozenAndOutOfRangeMeasurementsFallBackWithAReason() {
    double[] proposal = {301};
    double[] previous = {300};
    SafetyShield s = shield("");
    PlantSnapshot bad =
        new PlantSnapshot(
            0,
            new double[] {0.877, 324.5, 0.86},
            new Quality[] {Quality.GOOD, Quality.BAD, Quality.GOOD},
            new double[3]);
    ShieldDecision d = s.decide(bad, proposal, previous);
    assertEquals(Verdict.FALLBACK, d.verdict());
    assertArrayEquals(previous, d.appliedAction(), "hold the last safe action");
    assertTrue(d.reason().contains("T bad quality"), d.reason());
    assertTrue(
        d.interventions().stream().anyMatch(i -> i.onMeasurement() && i.subject().equals("T")),
        "a bad reading is an intervention on a measurement: " + d.interventions());

    PlantSnapshot stale =
        new PlantSnapshot(
            500,
            new double[] {0.877, 324.5, 0.86},
            new Quality[] {Quality.GOOD, Quality.GOOD, Quality.GOOD},
            new double[] {500, 400, 500});
    assertTrue(s.decide(stale, proposal, previous).reason().contains("T stale: 100.0 s old"));

    assertTrue(
        s.decide(plant(2.0, 324.5, 0), proposal, previous)
            .reason()
            .contains("Ca 2.0 above instrument range"));

    SafetyShield frozen = shield("");
    ShieldDecision last = null;
    for (int k = 0; k < 4; k++) {
      last = frozen.decide(plant(0.877 + 0.001 * k, 324.5, 26.0 * k), proposal, previous);
    }
    assertTrue(last.reason().contains("T frozen"), last.reason());
    assertEquals(Verdict.FALLBACK, last.verdict());
  }

  @Test
  void uncertainQualityCountsAsConfigured() {
    PlantSnapshot uncertain =
        new PlantSnapshot(
            0,
            new double[] {0.877, 324.5, 0.86},
            new Quality[] {Quality.UNCERTAIN, Quality.GOOD, Quality.GOOD},
            new double[3]);
    assertEquals(
        Verdict.FALLBACK,
        shield("").decide(uncertain, new double[] {300.5}, new double[] {300}).verdict());
    SafetyShield accepting =
        Shields.parse(
            """
            name: test
            model: cstr-constrained
            actions:
              Tc: {min: 290, max: 310}
            measurements:
              Ca: {uncertain: accept}
            """,
            "accept.yaml",
            scenario);
    assertEquals(
        Verdict.ACCEPTED,
        accepting.decide(uncertain, new double[] {300.5}, new double[] {300}).verdict());
  }

  @Test
  void aNanProposalOrAnExceptionalPolicyEndsInTheFallbackNotAnException() {
    ShieldDecision d =
        shield("").decide(plant(0.877, 324.5, 0), new double[] {Double.NaN}, new double[] {300});
    assertEquals(Verdict.FALLBACK, d.verdict());
    assertEquals(300.0, d.appliedAction()[0]);
    assertTrue(
        d.interventions().stream().noneMatch(Intervention::onMeasurement),
        "a bad proposal is not a bad input: " + d.interventions());
    ProcessEnvironment env = scenario.createEnvironment(false, null);
    ShieldedPolicy broken =
        new ShieldedPolicy(
            o -> {
              throw new IllegalStateException("boom");
            },
            shield(""),
            env.observationSpace(),
            scenario.initialInput());
    double[] action = broken.act(env.reset(0));
    assertEquals(300.0, action[0]);
    assertEquals(Verdict.FALLBACK, broken.lastDecision().verdict());
  }

  @Test
  void aFixedFallbackMovesTowardItsSafeActionWithinTheRateLimits() {
    SafetyShield s = shield("fallback: {type: fixed, action: {Tc: 292}}\n");
    PlantSnapshot bad =
        new PlantSnapshot(
            0,
            new double[] {Double.NaN, 324.5, 0.86},
            new Quality[] {Quality.BAD, Quality.GOOD, Quality.GOOD},
            new double[3]);
    assertEquals(
        295.0, s.decide(bad, new double[] {300}, new double[] {300}).appliedAction()[0], 1e-12);
  }

  @Test
  void thePidFallbackRunsTheScenariosLoop() {
    SafetyShield s = shield("fallback: {type: pid}\n");
    ShieldDecision d =
        s.decide(plant(0.84, 324.0, 0), new double[] {Double.NaN}, new double[] {300});
    assertEquals(Verdict.FALLBACK, d.verdict());
    // Ca below its 0.86 setpoint: the reverse-acting loop cools to raise Ca.
    assertTrue(d.appliedAction()[0] < 300.0, Arrays.toString(d.appliedAction()));
  }

  @Test
  void countersAddUpByVerdictLayerAndConstraint() {
    SafetyShield s = shield("");
    s.decide(plant(0.877, 324.5, 0), new double[] {300.5}, new double[] {300});
    s.decide(plant(0.84, 326.0, 26), new double[] {302.5}, new double[] {300.5});
    s.decide(plant(0.84, 326.0, 52), new double[] {320}, new double[] {300.5});
    ShieldCounters c = s.counters();
    assertEquals(3, c.decisions());
    assertEquals(c.decisions(), c.accepted() + c.repaired() + c.fallbacks());
    assertEquals(1, c.accepted());
    assertTrue(c.byLayer().get(Layer.HARD_LIMIT) >= 1);
    assertEquals(2L, c.byConstraint().get("T_high"));
  }

  @Test
  void theShieldedEnvironmentReportsAndChargesInterventions() {
    ShieldedEnvironment env =
        new ShieldedEnvironment(
            scenario.createEnvironment(false, null),
            Shields.load("cstr-constrained"),
            new ShieldPenalty(1.0, 2.0, 5.0));
    assertEquals(
        java.util.List.of("T_range", ShieldedEnvironment.INTERVENTION_COST), env.constraintNames());
    env.reset(0);
    StepResult calm = env.step(new double[] {300});
    assertEquals(0.0, calm.info().diagnostics().get("shield_intervened"));
    assertEquals(0.0, calm.costs()[1]);
    StepResult hot = env.step(new double[] {310});
    assertEquals(1.0, hot.info().diagnostics().get("shield_intervened"));
    assertTrue(hot.info().diagnostics().get("shield_correction") > 0.3);
    assertEquals(5.0, hot.costs()[1]);
    assertEquals(310.0, hot.info().requestedAction()[0]);
    assertTrue(hot.info().appliedAction()[0] < 303);
    ProcessEnvironment bare = scenario.createEnvironment(false, null);
    bare.reset(0);
    bare.step(new double[] {300});
    double bareReward = bare.step(hot.info().appliedAction()).reward();
    double correction = hot.info().diagnostics().get("shield_correction");
    assertEquals(bareReward - 1.0 - 2.0 * correction, hot.reward(), 1e-9, "the penalty is charged");
    assertFalse(
        Double.isNaN(env.step(new double[] {Double.NaN}).reward()), "NaN proposals fall back");
  }

  @Test
  void theShieldedEnvironmentRefusesAShieldForOtherActions() {
    ProcessEnvironment tanks = Scenarios.load("four-tank").createEnvironment();
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new ShieldedEnvironment(tanks, Shields.load("cstr-constrained"), ShieldPenalty.none()));
  }

  @Test
  void aShieldedPolicyLooksLikeAPolicy() {
    ProcessEnvironment env = scenario.createEnvironment(false, null);
    ShieldedPolicy p =
        new ShieldedPolicy(
            scenario.baselineController(),
            Shields.load("cstr-constrained"),
            env.observationSpace(),
            scenario.initialInput());
    Observation o = env.reset(0);
    for (int k = 0; k < 60; k++) {
      StepResult r = env.step(p.act(o));
      o = r.observation();
      assertEquals(0.0, r.totalCost(), "the PID under the shield never leaves 321-327 K");
    }
  }

  @Test
  void tooManyFallbacksInTheWindowReportTheShieldDegradedUntilTheyAge() {
    SafetyShield s = shield("degraded_when: {fallback_fraction: 0.5, window: 4}\n");
    PlantSnapshot bad =
        new PlantSnapshot(
            0,
            new double[] {0.877, Double.NaN, 0.86},
            new Quality[] {Quality.GOOD, Quality.BAD, Quality.GOOD},
            new double[3]);
    assertFalse(s.decide(bad, new double[] {300}, new double[] {300}).degraded(), "1 of 4");
    assertFalse(s.decide(bad, new double[] {300}, new double[] {300}).degraded(), "2 of 4");
    assertTrue(s.decide(bad, new double[] {300}, new double[] {300}).degraded(), "3 of 4 > 0.5");
    assertTrue(s.counters().degraded());
    boolean degraded = true;
    for (int k = 0; k < 4; k++) {
      degraded =
          s.decide(
                  plant(0.877 + 0.001 * k, 324.5, 26.0 * k), new double[] {300}, new double[] {300})
              .degraded();
    }
    assertFalse(degraded, "the fallbacks left the window");
    assertFalse(s.counters().degraded());
  }
}
