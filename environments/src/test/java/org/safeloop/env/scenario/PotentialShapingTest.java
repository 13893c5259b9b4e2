package org.safeloop.env.scenario;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.StepResult;

/** Potential-based shaping: the same optimal policies, the reward plus exactly F. */
class PotentialShapingTest {

  /**
   * Exact value iteration on random finite MDPs with an absorbing terminal state: the shaped and
   * the unshaped problem have the same greedy policy, and Q differs by exactly phi(s) (Ng et al.,
   * 1999, theorem 1 and its corollary).
   */
  @Test
  void shapingLeavesTheOptimalPolicyOfAFiniteProblemUnchanged() {
    for (long seed = 1; seed <= 20; seed++) {
      SplittableRandom random = new SplittableRandom(seed);
      int states = 8;
      int actions = 3;
      int terminal = states - 1;
      double gamma = 0.9;
      double[][][] p = new double[states][actions][states];
      double[][][] r = new double[states][actions][states];
      double[] phi = new double[states];
      for (int s = 0; s < states; s++) {
        phi[s] = random.nextDouble(-50, 50); // large against the rewards: a real test
        for (int a = 0; a < actions; a++) {
          double sum = 0;
          for (int t = 0; t < states; t++) {
            p[s][a][t] = random.nextDouble() < 0.5 ? random.nextDouble() : 0.0;
            sum += p[s][a][t];
            r[s][a][t] = random.nextDouble(-1, 1);
          }
          if (sum == 0) {
            p[s][a][random.nextInt(states)] = sum = 1;
          }
          for (int t = 0; t < states; t++) {
            p[s][a][t] /= sum;
          }
        }
      }
      double[][] plain = qValues(p, r, null, gamma, terminal);
      double[][] shaped = qValues(p, r, phi, gamma, terminal);
      for (int s = 0; s < terminal; s++) {
        assertEquals(greedy(plain[s]), greedy(shaped[s]), "seed " + seed + ", state " + s);
        for (int a = 0; a < actions; a++) {
          assertEquals(plain[s][a] - phi[s], shaped[s][a], 1e-6, "Q_shaped = Q - phi(s)");
        }
      }
    }
  }

  /** Q by value iteration; {@code phi} null for the unshaped problem. */
  private static double[][] qValues(
      double[][][] p, double[][][] r, double[] phi, double gamma, int terminal) {
    int states = p.length;
    int actions = p[0].length;
    double[] v = new double[states];
    double[][] q = new double[states][actions];
    for (int iteration = 0; iteration < 2000; iteration++) {
      for (int s = 0; s < states; s++) {
        if (s == terminal) {
          continue; // absorbing, value 0
        }
        for (int a = 0; a < actions; a++) {
          double sum = 0;
          for (int t = 0; t < states; t++) {
            double reward = r[s][a][t];
            if (phi != null) {
              reward += PotentialShaping.shapingTerm(phi[s], phi[t], gamma, t == terminal);
            }
            sum += p[s][a][t] * (reward + (t == terminal ? 0 : gamma * v[t]));
          }
          q[s][a] = sum;
        }
      }
      for (int s = 0; s < states; s++) {
        v[s] = s == terminal ? 0 : q[s][greedy(q[s])];
      }
    }
    return q;
  }

  private static int greedy(double[] q) {
    int best = 0;
    for (int a = 1; a < q.length; a++) {
      if (q[a] > q[best]) {
        best = a;
      }
    }
    return best;
  }

  @Test
  void theShapedRewardIsTheScenariosRewardPlusGammaPhiNextMinusPhi() {
    Scenario scenario = Scenarios.load("cstr-constrained");
    PotentialShaping shaping = new PotentialShaping(2.0, 5.0, 1.5, 0.95);
    ProcessEnvironment plain = scenario.createEnvironment(true, null);
    ProcessEnvironment shaped = shaping.wrap(scenario.createEnvironment(true, null), scenario);

    assertArrayEquals(plain.reset(42).values(), shaped.reset(42).values());
    double phi = shaping.potential(scenario, 0, plain.state());
    for (int step = 1; step <= scenario.episodeSteps(); step++) {
      double[] action = {300.0 + 4.0 * Math.sin(step / 5.0)};
      StepResult a = plain.step(action);
      StepResult b = shaped.step(action);
      double next = shaping.potential(scenario, step, a.info().state());
      double f = PotentialShaping.shapingTerm(phi, next, 0.95, a.terminated());
      assertEquals(a.reward() + f, b.reward(), 1e-9, "step " + step);
      assertEquals(f, b.info().diagnostics().get("shaping"), 1e-12);
      assertArrayEquals(a.observation().values(), b.observation().values());
      phi = next;
      if (a.done()) {
        break;
      }
    }
    assertNotEquals(0.0, phi, "the potentials were exercised");
  }

  @Test
  void theMarginPotentialIsZeroFarFromTheBoundsAndGrowsTowardThem() {
    Scenario scenario = Scenarios.load("cstr-constrained"); // 321 <= T <= 327
    PotentialShaping margin = new PotentialShaping(0.0, 1.0, 1.5, 0.99);
    int t = scenario.stateSpace().indexOf("T");
    double[] state = scenario.initialState();

    state[t] = 324.0;
    assertEquals(0.0, margin.potential(scenario, 0, state));
    state[t] = 326.25; // half the margin left
    assertEquals(-0.25, margin.potential(scenario, 0, state), 1e-12);
    state[t] = 327.0; // at the bound
    assertEquals(-1.0, margin.potential(scenario, 0, state), 1e-12);
    state[t] = 321.75;
    assertEquals(-0.25, margin.potential(scenario, 0, state), 1e-12);
  }

  @Test
  void settingsOutOfRangeAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new PotentialShaping(-1, 0, 1, 0.9));
    assertThrows(IllegalArgumentException.class, () -> new PotentialShaping(1, 0, 0, 0.9));
    assertThrows(IllegalArgumentException.class, () -> new PotentialShaping(1, 0, 1, 1.5));
  }
}
