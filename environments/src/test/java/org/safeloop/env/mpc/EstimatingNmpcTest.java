package org.safeloop.env.mpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.safeloop.env.Observation;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.StepResult;
import org.safeloop.env.control.Policy;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;

class EstimatingNmpcTest {

  @Test
  void withoutPreviewTheNmpcMovesAsTheOracleUntilTheOraclesHorizonSeesTheSetpointStep() {
    // cstr-tracking steps its set point at step 20; the oracle's 10-step horizon reaches it at
    // step 11. Fed the true state and nominal parameters, the no-preview optimiser agrees before.
    Scenario s = Scenarios.load("cstr-tracking");
    ProcessEnvironment env = s.createEnvironment(false, null);
    NmpcOracle oracle = new NmpcOracle(s);
    NmpcOracle noPreview = new NmpcOracle(s);
    Observation o = env.reset(1);
    int setpoint = s.observationSpace().indexOf("Ca_setpoint");
    boolean differedAfter = false;
    for (int k = 0; k < 14; k++) {
      double[] state = env.state();
      double[] move = oracle.act(o);
      double[] held =
          noPreview.actFrom(
              state, new double[2], 2.0, s.nominalParameters(), new double[] {o.value(setpoint)});
      if (k <= 10) {
        assertArrayEquals(move, held, 1e-12, "step " + k);
      } else {
        differedAfter |= Math.abs(move[0] - held[0]) > 1e-6;
      }
      o = env.step(move).observation();
    }
    assertTrue(differedAfter, "with the step in view the oracle anticipates it");
  }

  @Test
  void withAPreviewTheNmpcLowersTheJacketBeforeTheSetpointStepThatItMeetsUnpreparedWithoutOne() {
    // cstr-tracking raises the Ca set point from 0.85 to 0.90 mol/m3 at step 20: a cooler reactor,
    // so a lower jacket. A 5-step preview shows the step from step 15 on; until then the two
    // controllers solve the same problem, after it only the previewing one knows what comes.
    Scenario s = Scenarios.load("cstr-tracking");
    double[] blind = jacketMoves(s, new EstimatingNmpc(s), 20);
    EstimatingNmpc previewing = EstimatingNmpc.withPreview(s, 5);
    assertEquals(5, previewing.previewSteps());
    double[] seeing = jacketMoves(s, previewing, 20);

    for (int k = 0; k < 15; k++) {
      assertEquals(blind[k], seeing[k], 0.0, "step " + k + ": the step is not in view yet");
    }
    double lead = 0;
    for (int k = 15; k < 20; k++) {
      lead = Math.max(lead, blind[k] - seeing[k]);
    }
    System.out.printf(
        Locale.ROOT,
        "cstr-tracking, realism off: Tc at steps 15-19 without preview %s, with 5 steps %s%n",
        Arrays.toString(Arrays.copyOfRange(blind, 15, 20)),
        Arrays.toString(Arrays.copyOfRange(seeing, 15, 20)));
    assertTrue(lead > 0.1, "the preview lowers the jacket ahead of the step by " + lead + " K");
  }

  /** The jacket temperature moves of the first {@code steps} steps of a noise-free episode. */
  private static double[] jacketMoves(Scenario s, Policy policy, int steps) {
    ProcessEnvironment env = s.createEnvironment(false, null);
    policy.reset();
    Observation o = env.reset(1);
    double[] moves = new double[steps];
    for (int k = 0; k < steps; k++) {
      moves[k] = policy.act(o)[0];
      StepResult r = env.step(new double[] {moves[k]});
      policy.applied(r.info().appliedAction());
      o = r.observation();
    }
    return moves;
  }

  @Test
  void onTheNoisyCstrTheNmpcBeatsThePidAndUsesEveryReading() {
    Scenario s = Scenarios.load("cstr-tracking");
    EstimatingNmpc nmpc = new EstimatingNmpc(s);
    double nmpcReturn = episode(s, nmpc, 1, null);
    double pidReturn = episode(s, s.baselineController(), 1, null);
    System.out.printf(
        Locale.ROOT,
        "cstr-tracking, realism on, seed 1: nmpc %.2f, pid %.2f%n",
        nmpcReturn,
        pidReturn);
    assertTrue(nmpcReturn > pidReturn, nmpcReturn + " against the PID's " + pidReturn);
    assertEquals(0, nmpc.skippedReadings(), "this scenario has no dropouts");
  }

  @Test
  void theSameSeedGivesTheSameMoves() {
    Scenario s = Scenarios.load("cstr-tracking").withEpisodeSteps(15);
    List<Double> first = new ArrayList<>();
    List<Double> second = new ArrayList<>();
    EstimatingNmpc nmpc = new EstimatingNmpc(s);
    episode(s, nmpc, 7, first);
    episode(s, nmpc, 7, second);
    assertEquals(first, second);
    List<Double> other = new ArrayList<>();
    episode(s, nmpc, 8, other);
    assertNotEquals(first, other, "another seed, other noise, other moves");
  }

  private static double episode(Scenario s, Policy policy, long seed, List<Double> moves) {
    ProcessEnvironment env = s.createEnvironment(true, null);
    policy.reset();
    Observation o = env.reset(seed);
    double total = 0;
    for (int k = 0; k < s.episodeSteps(); k++) {
      double[] u = policy.act(o);
      if (moves != null) {
        moves.add(u[0]);
      }
      StepResult r = env.step(u);
      total += r.reward();
      o = r.observation();
    }
    return total;
  }
}
