package org.safeloop.shield;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.safeloop.env.Observation;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.Quality;
import org.safeloop.env.StepResult;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;

/**
 * The shield's admissible box on the constrained CSTR: inside it nothing is corrected, just past
 * its predicted edge the shield repairs, and asking for it changes no decision.
 */
class AdmissibleActionsTest {
  private static final Scenario SCENARIO = Scenarios.load("cstr-constrained");

  /** One closed-loop step as the shield saw it. */
  private record Step(
      PlantSnapshot plant, double[] proposed, double[] previous, ShieldDecision decision) {}

  /**
   * Runs an episode whose proposals are points of the box: mostly its hot edge (+1, riding the T <=
   * 327 K constraint), sometimes a random point.
   */
  private static List<Step> episode(SafetyShield shield, long seed, List<AdmissibleActions> boxes) {
    ProcessEnvironment env = SCENARIO.createEnvironment(false, null);
    ObservationMapping mapping =
        new ObservationMapping(env.observationSpace(), shield.observationSpace());
    Random random = new Random(seed);
    Observation o = env.reset(seed);
    List<Step> steps = new ArrayList<>();
    for (int k = 0; k < SCENARIO.episodeSteps(); k++) {
      PlantSnapshot plant = mapping.snapshot(o, k * shield.controlIntervalSeconds());
      double[] previous = env.lastAppliedAction();
      AdmissibleActions box = shield.admissible(plant, previous);
      boxes.add(box);
      double u = random.nextDouble() < 0.7 ? 1.0 : 2 * random.nextDouble() - 1;
      double[] proposed = box.map(new double[] {u});
      ShieldDecision d = shield.decide(plant, proposed, previous);
      steps.add(new Step(plant, proposed, previous, d));
      StepResult r = env.step(d.appliedAction());
      o = r.observation();
      if (r.done()) {
        break;
      }
    }
    return steps;
  }

  @Test
  void everyPointOfTheBoxIsAcceptedUnchanged() {
    for (long seed = 0; seed < 3; seed++) {
      SafetyShield shield = Shields.load("cstr-constrained");
      List<AdmissibleActions> boxes = new ArrayList<>();
      List<Step> steps = episode(shield, seed, boxes);
      assertEquals(
          0,
          shield.counters().repaired() + shield.counters().fallbacks(),
          "seed " + seed + ": " + corrected(steps, boxes));
      assertEquals(steps.size(), shield.counters().accepted());
    }
  }

  private static List<String> corrected(List<Step> steps, List<AdmissibleActions> boxes) {
    List<String> out = new ArrayList<>();
    for (int k = 0; k < steps.size(); k++) {
      if (steps.get(k).decision().intervened()) {
        out.add("step " + k + " " + boxes.get(k) + ": " + steps.get(k).decision().interventions());
      }
    }
    return out;
  }

  @Test
  void justPastThePredictedEdgeTheShieldRepairs() {
    SafetyShield shield = Shields.load("cstr-constrained");
    List<AdmissibleActions> boxes = new ArrayList<>();
    List<Step> steps = episode(shield, 7, boxes);
    int probed = 0;
    for (int k = 0; k < steps.size() && probed < 5; k++) {
      AdmissibleActions box = boxes.get(k);
      double rateEdge = Math.min(310.0, steps.get(k).previous()[0] + 2.5);
      if (box.high()[0] >= rateEdge - 1e-9) {
        continue; // the state constraint does not bind here
      }
      probed++;
      // A fresh shield with the same history, then a proposal 0.02 K past the box.
      SafetyShield twin = Shields.load("cstr-constrained");
      for (int j = 0; j < k; j++) {
        Step s = steps.get(j);
        twin.decide(s.plant(), s.proposed(), s.previous());
      }
      Step s = steps.get(k);
      ShieldDecision past =
          twin.decide(s.plant(), new double[] {box.high()[0] + 0.02}, s.previous());
      assertEquals(Verdict.REPAIRED, past.verdict(), "step " + k + ": " + past.interventions());
      assertTrue(
          past.interventions().stream().anyMatch(i -> i.layer() == Layer.STATE_CONSTRAINT),
          "step " + k + ": " + past.interventions());
    }
    assertTrue(probed > 0, "the episode never rode the temperature constraint");
  }

  @Test
  void askingForTheBoxChangesNoDecision() {
    SafetyShield asked = Shields.load("cstr-constrained");
    List<Step> steps = episode(asked, 3, new ArrayList<>());
    SafetyShield notAsked = Shields.load("cstr-constrained");
    SafetyShield askedAgain = Shields.load("cstr-constrained");
    for (Step s : steps) {
      askedAgain.admissible(s.plant(), s.previous());
      askedAgain.admissible(s.plant(), s.previous());
      ShieldDecision a = askedAgain.decide(s.plant(), s.proposed(), s.previous());
      ShieldDecision b = notAsked.decide(s.plant(), s.proposed(), s.previous());
      assertArrayEquals(b.appliedAction(), a.appliedAction(), 0.0);
      assertEquals(b.verdict(), a.verdict());
    }
    assertEquals(notAsked.counters(), askedAgain.counters());
  }

  @Test
  void theBoxIsTheRateLimitsAroundThePreviousActionInsideTheHardLimits() {
    SafetyShield shield = Shields.load("cstr-constrained");
    ProcessEnvironment env = SCENARIO.createEnvironment(false, null);
    PlantSnapshot plant =
        new ObservationMapping(env.observationSpace(), shield.observationSpace())
            .snapshot(env.reset(0), 0.0);
    for (double previous = 290; previous <= 310; previous += 0.5) {
      AdmissibleActions box = shield.admissible(plant, new double[] {previous});
      assertTrue(box.low()[0] >= Math.max(290.0, previous - 5.0), "5 K per step down: " + box);
      assertTrue(box.high()[0] <= Math.min(310.0, previous + 2.5), "2.5 K per step up: " + box);
      assertEquals(previous, box.hold()[0], 0.0);
    }
    AdmissibleActions noPrevious = shield.admissible(plant, null);
    assertNull(noPrevious.hold());
    assertTrue(noPrevious.high()[0] <= 310.0 && noPrevious.low()[0] >= 290.0);
  }

  @Test
  void unusableMeasurementsLeaveTheRateBoxAndNeverThrow() {
    SafetyShield shield = Shields.load("cstr-constrained");
    int n = shield.observationSpace().size();
    double[] nan = new double[n];
    Arrays.fill(nan, Double.NaN);
    Quality[] qualities = new Quality[n];
    Arrays.fill(qualities, Quality.BAD);
    PlantSnapshot bad = new PlantSnapshot(0.0, nan, qualities, new double[n]);
    AdmissibleActions box = shield.admissible(bad, new double[] {300.0});
    assertEquals(295.0, box.low()[0], 1e-12);
    assertEquals(302.5, box.high()[0], 1e-12);
    AdmissibleActions none = shield.admissible(null, null);
    assertEquals(290.0, none.low()[0], 0.0);
    assertEquals(310.0, none.high()[0], 0.0);
  }

  @Test
  void theMapCoversTheBoxHoldsInsideTheDeadbandAndInvertsInside() {
    AdmissibleActions box =
        new AdmissibleActions(
            new double[] {295.0}, new double[] {302.5}, new double[] {300.0}, new double[] {0.01});
    assertEquals(295.0, box.map(new double[] {-1})[0], 0.0);
    assertEquals(302.5, box.map(new double[] {1})[0], 0.0);
    assertEquals(302.5, box.map(new double[] {7})[0], 0.0, "clamped");
    assertEquals(298.75, box.map(new double[] {Double.NaN})[0], 0.0, "NaN to the middle");
    double justAbove = box.unmap(new double[] {300.005})[0];
    assertEquals(300.0, box.map(new double[] {justAbove})[0], 0.0, "inside the deadband: held");
    assertEquals(0.5, box.unmap(box.map(new double[] {0.5}))[0], 1e-12);
    assertThrows(
        IllegalArgumentException.class,
        () -> new AdmissibleActions(new double[] {3}, new double[] {2}, null, new double[] {0}));
    Observation o = box.appendTo(Observation.good(new double[] {1, 2}));
    assertArrayEquals(new double[] {1, 2, 295.0, 302.5}, o.values(), 0.0);
    assertFalse(o.quality(3) != Quality.GOOD);
  }
}
