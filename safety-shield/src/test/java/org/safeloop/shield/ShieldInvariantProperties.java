package org.safeloop.shield;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import org.safeloop.env.PredictiveModel;
import org.safeloop.shield.GeneratedShieldFile.Bound;
import org.safeloop.shield.ShieldEpisode.Decided;

/**
 * The guarantees of {@link SafetyShield}, checked on shields built from random constraint files and
 * fed adversarial control steps (see {@link ShieldArbitraries}).
 */
class ShieldInvariantProperties {

  /** The shield's own prediction model: the model scenario at nominal parameters. */
  private static final PredictiveModel MODEL =
      GeneratedShieldFile.MODEL.predictiveModel(
          GeneratedShieldFile.MODEL.nominalParameters(), null);

  @Provide
  Arbitrary<ShieldEpisode> episodes() {
    return ShieldArbitraries.episodes(ShieldArbitraries.files(false), 3);
  }

  @Provide
  Arbitrary<ShieldEpisode> episodesWithoutBiasCorrection() {
    return ShieldArbitraries.episodes(ShieldArbitraries.files(true), 3);
  }

  @Property(tries = 10000)
  void appliedActionIsAlwaysFiniteAndInsideTheHardLimits(
      @ForAll("episodes") ShieldEpisode episode) {
    SafetyShield shield = episode.file().build();
    double min = shield.actionSpace().get(0).min();
    double max = shield.actionSpace().get(0).max();
    assertEquals(episode.file().tcMin(), min);
    assertEquals(episode.file().tcMax(), max);
    for (Decided d : episode.run(shield)) {
      double[] applied = d.decision().appliedAction();
      assertEquals(1, applied.length, d::toString);
      assertTrue(
          Double.isFinite(applied[0]) && applied[0] >= min && applied[0] <= max, d::toString);
      assertTrue(
          d.decision().verdict() == Verdict.ACCEPTED || !d.decision().reason().isEmpty(),
          () -> "an intervention without a reason: " + d);
      // The catch-all in decide keeps the contract, but reaching it is a bug.
      assertFalse(d.decision().reason().contains("internal error"), d::toString);
      Statistics.label("verdict").collect(d.decision().verdict());
    }
  }

  @Property(tries = 10000)
  void appliedActionIsWithinTheRateLimitsOfAPreviousActionInsideTheHardLimits(
      @ForAll("episodes") ShieldEpisode episode) {
    SafetyShield shield = episode.file().build();
    double min = shield.actionSpace().get(0).min();
    double max = shield.actionSpace().get(0).max();
    double up = episode.file().rateUp(shield.controlIntervalSeconds());
    double down = episode.file().rateDown(shield.controlIntervalSeconds());
    for (Decided d : episode.run(shield)) {
      double[] previous = d.previous();
      if (previous == null || previous.length != 1 || !(previous[0] >= min && previous[0] <= max)) {
        Statistics.label("previous inside the hard limits").collect(false);
        continue;
      }
      Statistics.label("previous inside the hard limits").collect(true);
      double applied = d.decision().appliedAction()[0];
      // Compared with previous + limit, the band a rate limiter clips to, not applied - previous,
      // whose rounding can exceed the limit by an ulp for an action exactly at it.
      assertTrue(
          applied <= previous[0] + up && applied >= previous[0] - down,
          () -> "rate limits +" + up + "/-" + down + " per step: " + d);
    }
  }

  @Property(tries = 10000)
  void anAcceptedActionIsTheProposalAndIsPredictedToKeepEveryConstraint(
      @ForAll("episodesWithoutBiasCorrection") ShieldEpisode episode) {
    SafetyShield shield = episode.file().build();
    List<Bound> bounds = episode.file().constraints();
    for (Decided d : episode.run(shield)) {
      ShieldDecision decision = d.decision();
      Statistics.label("verdict").collect(decision.verdict());
      if (decision.verdict() == Verdict.FALLBACK) {
        continue;
      }
      double[] applied = decision.appliedAction();
      if (decision.verdict() == Verdict.ACCEPTED) {
        assertArrayEquals(d.proposed(), applied, d::toString);
      }
      if (bounds.isEmpty()) {
        assertEquals(Double.POSITIVE_INFINITY, decision.worstPredictedMargin(), d::toString);
        continue;
      }
      double worst = worstPredictedMargin(d.plant(), applied, bounds);
      assertTrue(worst >= 0, () -> "predicted margin " + worst + " for " + d);
      assertEquals(worst, decision.worstPredictedMargin(), 1e-9, d::toString);
    }
    // The property says little unless the generators reach accepted and repaired decisions.
    Statistics.label("verdict")
        .coverage(
            c -> {
              c.check(Verdict.ACCEPTED).percentage(p -> p >= 3);
              c.check(Verdict.REPAIRED).percentage(p -> p >= 5);
            });
  }

  /**
   * Predicts {@code applied} held over each constraint's horizon from the measured state with the
   * plain model, and returns the smallest margin to the tightened bounds.
   */
  static double worstPredictedMargin(PlantSnapshot plant, double[] applied, List<Bound> bounds) {
    double[] state = new double[GeneratedShieldFile.STATES.size()];
    for (int s = 0; s < state.length; s++) {
      state[s] =
          plant.value(GeneratedShieldFile.SIGNALS.indexOf(GeneratedShieldFile.STATES.get(s)));
    }
    double worst = Double.POSITIVE_INFINITY;
    for (Bound b : bounds) {
      double[][] path = MODEL.predict(state, applied, b.horizon());
      for (double[] predicted : path) {
        worst = Math.min(worst, b.margin(predicted[b.stateIndex()]));
      }
    }
    return worst;
  }

  @Property(tries = 10000)
  void theSameInputsGiveTheSameDecisionsOnAFreshShieldAndOnAResetOne(
      @ForAll("episodes") ShieldEpisode episode) {
    SafetyShield shield = episode.file().build();
    List<Decided> first = episode.run(shield);
    assertSameDecisions(first, ShieldEpisode.replay(episode.file().build(), first));
    // reset() forgets the episode, so the same inputs must give the same decisions again.
    shield.reset();
    assertSameDecisions(first, ShieldEpisode.replay(shield, first));
  }

  static void assertSameDecisions(List<Decided> expected, List<Decided> actual) {
    assertEquals(expected.size(), actual.size());
    for (int k = 0; k < expected.size(); k++) {
      ShieldDecision a = expected.get(k).decision();
      ShieldDecision b = actual.get(k).decision();
      String where = "step " + k + ": " + expected.get(k) + " vs " + actual.get(k);
      assertArrayEquals(a.appliedAction(), b.appliedAction(), where);
      assertArrayEquals(a.proposedAction(), b.proposedAction(), where);
      assertEquals(a.verdict(), b.verdict(), where);
      assertEquals(a.reason(), b.reason(), where);
      // Records compare double components with Double.compare, so NaN margins match.
      assertEquals(a.interventions(), b.interventions(), where);
      assertEquals(0, Double.compare(a.worstPredictedMargin(), b.worstPredictedMargin()), where);
      assertEquals(a.degraded(), b.degraded(), where);
    }
  }
}
