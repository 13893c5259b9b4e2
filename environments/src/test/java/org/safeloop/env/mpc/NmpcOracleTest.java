package org.safeloop.env.mpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeout;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.Arrays;
import org.hipparchus.optim.InitialGuess;
import org.hipparchus.optim.MaxEval;
import org.hipparchus.optim.SimpleBounds;
import org.hipparchus.optim.nonlinear.scalar.GoalType;
import org.hipparchus.optim.nonlinear.scalar.ObjectiveFunction;
import org.hipparchus.optim.nonlinear.scalar.noderiv.BOBYQAOptimizer;
import org.junit.jupiter.api.Test;
import org.safeloop.env.Observation;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.StepResult;
import org.safeloop.env.control.Policy;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;

class NmpcOracleTest {

  private static EpisodeRun run(Scenario scenario, Policy policy) {
    return EpisodeRun.of(scenario.createEnvironment(false, null), policy, 1);
  }

  /** The inputs a policy applies over one noise-free episode of a single-input scenario. */
  private static double[] appliedInputs(Scenario scenario, Policy policy) {
    ProcessEnvironment env = scenario.createEnvironment(false, null);
    policy.reset();
    Observation o = env.reset(1);
    double[] inputs = new double[scenario.episodeSteps()];
    for (int k = 0; k < inputs.length; k++) {
      StepResult r = env.step(policy.act(o));
      inputs[k] = r.info().appliedAction()[0];
      o = r.observation();
    }
    return inputs;
  }

  private static double returnOf(Scenario scenario, double[] inputs) {
    ProcessEnvironment env = scenario.createEnvironment(false, null);
    env.reset(1);
    double total = 0;
    for (double u : inputs) {
      total += env.step(new double[] {u}).reward();
    }
    return total;
  }

  /**
   * The best return reachable on a deterministic single-input scenario: every input of the episode
   * optimised at once (open loop is as good as closed loop without noise), by BOBYQA from {@code
   * start}. A local optimum in principle; on cstr-tracking starts from the PID's and from the
   * oracle's inputs reach the same value.
   */
  private static double wholeEpisodeOptimum(Scenario scenario, double[] start) {
    var spec = scenario.actionSpace().get(0);
    int n = start.length;
    double[] scaled = new double[n];
    for (int k = 0; k < n; k++) {
      scaled[k] = (start[k] - spec.min()) / spec.span();
    }
    double[] lower = new double[n];
    double[] upper = new double[n];
    Arrays.fill(upper, 1.0);
    double[] inputs = new double[n];
    return -new BOBYQAOptimizer(2 * n + 1, 0.1, 1e-3)
        .optimize(
            new MaxEval(20_000),
            new ObjectiveFunction(
                x -> {
                  for (int k = 0; k < n; k++) {
                    inputs[k] = spec.min() + x[k] * spec.span();
                  }
                  return -returnOf(scenario, inputs);
                }),
            GoalType.MINIMIZE,
            new InitialGuess(scaled),
            new SimpleBounds(lower, upper))
        .getValue();
  }

  @Test
  void oracleBeatsTheScenarioPidOnCstrTrackingWithinThirtySeconds() {
    Scenario cstr = Scenarios.load("cstr-tracking");
    double pid = run(cstr, cstr.baselineController()).totalReward();
    NmpcOracle oracle = new NmpcOracle(cstr);
    // CPU time of this thread: the build machine is shared, so wall time would measure the others.
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long cold = threads.getCurrentThreadCpuTime();
    double oracleReturn =
        assertTimeout(Duration.ofSeconds(30), () -> run(cstr, oracle).totalReward());
    double coldMillis = (threads.getCurrentThreadCpuTime() - cold) / 1e6 / cstr.episodeSteps();
    double warmMillis = Double.POSITIVE_INFINITY;
    for (int episode = 0; episode < 3; episode++) {
      long warm = threads.getCurrentThreadCpuTime();
      run(cstr, oracle);
      warmMillis =
          Math.min(
              warmMillis, (threads.getCurrentThreadCpuTime() - warm) / 1e6 / cstr.episodeSteps());
    }
    System.out.printf(
        "cstr-tracking: PID %.4f, NMPC oracle %.4f (%.1f evaluations/step, %.2f ms CPU/step in"
            + " the first episode, %.2f ms CPU/step warm)%n",
        pid,
        oracleReturn,
        oracle.evaluations() / (double) cstr.episodeSteps(),
        coldMillis,
        warmMillis);
    assertTrue(oracleReturn > pid, "oracle " + oracleReturn + " vs PID " + pid);
  }

  @Test
  void oracleComesWithinOnePerCentOfTheWholeEpisodeOptimumOnCstrTracking() {
    Scenario cstr = Scenarios.load("cstr-tracking");
    double oracle = run(cstr, new NmpcOracle(cstr)).totalReward();
    // Started from the PID's inputs, so the reference owes nothing to the oracle.
    double best = wholeEpisodeOptimum(cstr, appliedInputs(cstr, cstr.baselineController()));
    System.out.printf(
        "cstr-tracking: NMPC oracle %.4f, whole-episode optimum %.4f, gap %.2f %%%n",
        oracle, best, 100 * (best - oracle) / Math.abs(best));
    assertTrue(oracle <= best + 1e-3 * Math.abs(best), "the optimum bounds the oracle");
    assertTrue(oracle >= best - 0.01 * Math.abs(best), "gap to " + best);
  }

  @Test
  void oracleGivesTheSameReturnTwice() {
    Scenario cstr = Scenarios.load("cstr-tracking");
    NmpcOracle oracle = new NmpcOracle(cstr);
    double first = run(cstr, oracle).totalReward();
    assertEquals(cstr.episodeSteps(), oracle.step());
    double again = run(cstr, oracle).totalReward(); // reset() restarts its step count
    double fresh = run(cstr, new NmpcOracle(cstr)).totalReward();
    assertEquals(first, again, 0.0);
    assertEquals(first, fresh, 0.0);
  }

  @Test
  void withoutPreviewTheOracleEarnsLessOnCstrTrackingThanWithIt() {
    Scenario cstr = Scenarios.load("cstr-tracking");
    NmpcOracle blind = new NmpcOracle(cstr, NmpcSettings.defaults(), 0);
    assertEquals(0, blind.previewSteps());
    double without = run(cstr, blind).totalReward();
    double with = run(cstr, new NmpcOracle(cstr)).totalReward();
    System.out.printf("cstr-tracking: oracle %.4f, oracle without preview %.4f%n", with, without);
    // Two set-point steps met unprepared cost at least a step's tracking penalty each.
    assertTrue(without < with - 10.0, "without preview " + without + ", with " + with);
  }

  @Test
  void aNegativePreviewIsRefused() {
    Scenario fopdt = Scenarios.load("fopdt");
    assertThrows(
        IllegalArgumentException.class, () -> new NmpcOracle(fopdt, NmpcSettings.defaults(), -1));
  }

  @Test
  void oracleWaitsOutTheDeadTimeAndBeatsThePidOnTheFopdtScenario() {
    Scenario fopdt = Scenarios.load("fopdt");
    double pid = run(fopdt, fopdt.baselineController()).totalReward();
    double oracle = run(fopdt, new NmpcOracle(fopdt)).totalReward();
    System.out.printf("fopdt: PID %.4f, NMPC oracle %.4f%n", pid, oracle);
    assertTrue(oracle > pid, "oracle " + oracle + " vs PID " + pid);
  }

  @Test
  void oracleKeepsEveryMoveWithinTheRateLimitsOfTheFourTankPumps() {
    Scenario fourTank = Scenarios.load("four-tank");
    double[] rate = fourTank.rateLimits();
    ProcessEnvironment env = fourTank.createEnvironment(false, null);
    NmpcOracle oracle = new NmpcOracle(fourTank);
    Observation o = env.reset(1);
    double[] previous = fourTank.initialInput();
    double total = 0;
    for (int k = 0; k < fourTank.episodeSteps(); k++) {
      double[] action = oracle.act(o);
      for (int i = 0; i < action.length; i++) {
        assertTrue(Math.abs(action[i] - previous[i]) <= rate[i] + 1e-12, "move at step " + k);
      }
      StepResult r = env.step(action);
      assertFalse(r.info().actionLimited(), "the environment had to limit step " + k);
      total += r.reward();
      previous = action;
      o = r.observation();
    }
    double pid = run(fourTank, fourTank.baselineController()).totalReward();
    System.out.printf("four-tank: PID %.4f, NMPC oracle %.4f%n", pid, total);
    assertTrue(total > pid, "oracle " + total + " vs PID " + pid);
  }

  @Test
  void oneFreeMoveOfOneInputIsRefusedBecauseBobyqaNeedsTwoVariables() {
    Scenario fopdt = Scenarios.load("fopdt");
    NmpcSettings settings = NmpcSettings.defaults().withHorizon(10, 1);
    assertThrows(IllegalArgumentException.class, () -> new NmpcOracle(fopdt, settings));
  }

  @Test
  void controlHorizonFreesTheFirstMovesAndHoldsTheLastToTheEnd() {
    assertEquals(
        "[0, 1, 2, 3, 4]",
        Arrays.toString(NmpcSettings.defaults().withHorizon(10, 5).blockStarts()));
  }

  @Test
  void onTheConstrainedReactorTheOracleStaysInsideTheTemperatureLimits() {
    Scenario scenario = Scenarios.load("cstr-constrained");
    EpisodeRun oracle = run(scenario, new NmpcOracle(scenario));
    int t = scenario.stateSpace().indexOf("T");
    double worst = 0;
    for (double[] state : oracle.states()) {
      worst = Math.max(worst, Math.max(321.0 - state[t], state[t] - 327.0));
    }
    // An exact penalty: the optimum stays inside (the model is the plant, noise-free).
    assertTrue(worst <= 1e-9, "the oracle left 321-327 K by " + worst + " K");
    assertTrue(oracle.totalReward() > run(scenario, scenario.baselineController()).totalReward());
  }
}
