package org.safeloop.env.control;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import org.safeloop.env.Observation;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.SignalSpace;
import org.safeloop.env.SignalSpec;
import org.safeloop.env.StepResult;
import org.safeloop.env.mpc.EstimatingNmpc;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;

/**
 * A residual policy never moves the action further than its bound from the base controller's move
 * (nor outside the actuator), and with a zero correction it is exactly the base controller, in
 * evaluation ({@link ResidualPolicy}) and in training ({@link ResidualEnvironment}), on the PID and
 * on the NMPC ({@link EstimatingNmpc}).
 */
class ResidualPolicyProperties {
  private static final SignalSpace JACKET =
      new SignalSpace(List.of(new SignalSpec("Tc", "K", 290.0, 310.0)));

  @Provide
  Arbitrary<Double> anyCorrection() {
    return Arbitraries.oneOf(
        Arbitraries.doubles().between(-1e6, 1e6),
        Arbitraries.of(
            Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.0, -0.0, 1e300));
  }

  @Property(tries = 2000)
  void theActionStaysWithinTheBoundOfTheBaseMoveAndInsideTheActuator(
      @ForAll @DoubleRange(min = 290.0, max = 310.0) double baseMove,
      @ForAll("anyCorrection") double correction,
      @ForAll @DoubleRange(min = 0.01, max = 20.0) double bound) {
    Policy base = o -> new double[] {baseMove};
    Policy learned = o -> new double[] {correction};
    double[] a =
        new ResidualPolicy(base, learned, JACKET, new double[] {bound})
            .act(new Observation(new double[0], new org.safeloop.env.Quality[0]));

    assertTrue(a[0] >= 290.0 && a[0] <= 310.0, "outside the actuator: " + a[0]);
    // Up to the rounding of one addition (an ulp of the move).
    assertTrue(
        Math.abs(a[0] - baseMove) <= bound + Math.ulp(baseMove),
        a[0] + " is more than " + bound + " away from " + baseMove);
    if (Double.isNaN(correction)) {
      assertEquals(baseMove, a[0], 0.0, "a NaN correction counts as none");
    } else if (Math.abs(correction) <= bound
        && baseMove + correction >= 290.0
        && baseMove + correction <= 310.0) {
      assertEquals(baseMove + correction, a[0], 0.0, "a correction inside every limit is added");
    }
  }

  @Example
  void withAZeroCorrectionTheResidualPolicyIsExactlyThePid() {
    Scenario scenario = Scenarios.load("cstr-constrained");
    assertZeroCorrectionIsTheBase(scenario, scenario::baselineController, 3.0);
  }

  @Example
  void withAZeroCorrectionTheResidualPolicyOnTheNmpcIsExactlyTheNmpc() {
    // Realism on: the NMPC's filter sees noise, drift and the feed step, and is told each move.
    Scenario scenario = Scenarios.load("cstr-tracking");
    assertZeroCorrectionIsTheBase(scenario, () -> new EstimatingNmpc(scenario), 2.0);
  }

  /**
   * A residual policy on {@code base} with a zero correction gives the base's own closed-loop
   * episode (its moves and rewards, every step), with realism on.
   */
  private static void assertZeroCorrectionIsTheBase(
      Scenario scenario, Supplier<Policy> base, double bound) {
    Policy zero = o -> new double[scenario.actionSpace().size()];
    Policy residual =
        new ResidualPolicy(base.get(), zero, scenario.actionSpace(), new double[] {bound});

    List<double[]> withResidual =
        episode(scenario, residual, scenario.createEnvironment(true, null));
    List<double[]> alone = episode(scenario, base.get(), scenario.createEnvironment(true, null));

    assertEquals(scenario.episodeSteps(), alone.size());
    assertEquals(alone.size(), withResidual.size());
    for (int k = 0; k < alone.size(); k++) {
      assertArrayEquals(alone.get(k), withResidual.get(k), 0.0, "step " + k);
    }
  }

  @Example
  void theTrainingEnvironmentWithAZeroCorrectionRunsThePidsEpisode() {
    Scenario scenario = Scenarios.load("cstr-constrained");
    assertTrainingEnvironmentRunsTheBasesEpisode(scenario, scenario::baselineController, 3.0);
  }

  @Example
  void theTrainingEnvironmentWithAZeroCorrectionRunsTheNmpcsEpisode() {
    Scenario scenario = Scenarios.load("cstr-tracking");
    assertTrainingEnvironmentRunsTheBasesEpisode(scenario, () -> new EstimatingNmpc(scenario), 2.0);
  }

  /**
   * A zero correction in {@link ResidualEnvironment} on {@code base} gives the base's own episode
   * (its moves and rewards), with realism on.
   */
  private static void assertTrainingEnvironmentRunsTheBasesEpisode(
      Scenario scenario, Supplier<Policy> base, double bound) {
    ProcessEnvironment residual =
        new ResidualEnvironment(
            scenario.createEnvironment(true, null), base.get(), new double[] {bound});
    assertEquals(-bound, residual.actionSpace().get(0).min());
    assertEquals(bound, residual.actionSpace().get(0).max());
    assertEquals("K", residual.actionSpace().get(0).unit());

    List<double[]> trained = new ArrayList<>();
    residual.reset(11L);
    for (int k = 0; k < residual.episodeSteps(); k++) {
      StepResult r = residual.step(new double[] {0.0});
      trained.add(row(r));
      if (r.terminated() || r.truncated()) {
        break;
      }
    }
    List<double[]> alone = episode(scenario, base.get(), scenario.createEnvironment(true, null));

    assertEquals(alone.size(), trained.size());
    for (int k = 0; k < alone.size(); k++) {
      assertArrayEquals(alone.get(k), trained.get(k), 0.0, "step " + k);
    }
  }

  /**
   * Over a closed loop, where the NMPC's estimate and warm start depend on every move the residual
   * made before, each move stays within the bound of the NMPC's move of that step.
   */
  @Property(tries = 25)
  void onTheNmpcEveryMoveOfAClosedLoopStaysWithinTheBoundOfTheNmpcsMove(
      @ForAll("anyCorrection") double first,
      @ForAll @DoubleRange(min = -5.0, max = 5.0) double drift,
      @ForAll @DoubleRange(min = 0.05, max = 5.0) double bound) {
    Scenario scenario = Scenarios.load("cstr-tracking");
    SignalSpace actions = scenario.actionSpace();
    EstimatingNmpc nmpc = new EstimatingNmpc(scenario);
    double[] baseMove = new double[1];
    Policy recordedBase =
        new Policy() {
          @Override
          public double[] act(Observation o) {
            baseMove[0] = nmpc.act(o)[0];
            return new double[] {baseMove[0]};
          }

          @Override
          public void applied(double[] appliedAction) {
            nmpc.applied(appliedAction);
          }

          @Override
          public void reset() {
            nmpc.reset();
          }
        };
    int[] step = {0};
    // A first, possibly adversarial, correction, then a ramp that crosses the bound.
    Policy learned = o -> new double[] {step[0]++ == 0 ? first : drift * step[0]};
    Policy residual = new ResidualPolicy(recordedBase, learned, actions, new double[] {bound});

    ProcessEnvironment env = scenario.createEnvironment(true, null);
    residual.reset();
    Observation o = env.reset(17L);
    for (int k = 0; k < 8; k++) { // an NMPC step costs ~10 ms
      double[] a = residual.act(o);
      assertTrue(a[0] >= 295.0 && a[0] <= 302.0, "outside the actuator: " + a[0]);
      assertTrue(
          Math.abs(a[0] - baseMove[0]) <= bound + Math.ulp(baseMove[0]),
          "step " + k + ": " + a[0] + " is more than " + bound + " away from " + baseMove[0]);
      StepResult r = env.step(a);
      residual.applied(r.info().appliedAction());
      o = r.observation();
    }
  }

  @Example
  void aBoundThatIsNotPositiveIsRefused() {
    Policy p = o -> new double[] {0.0};
    for (double b : new double[] {0.0, -1.0, Double.NaN, Double.POSITIVE_INFINITY}) {
      assertThrows(
          IllegalArgumentException.class,
          () -> new ResidualPolicy(p, p, JACKET, new double[] {b}),
          "bound " + b);
    }
    assertThrows(
        IllegalArgumentException.class,
        () -> new ResidualPolicy(p, p, JACKET, new double[] {1.0, 1.0}));
  }

  /** One episode from seed 11: each step's applied action and reward. */
  private static List<double[]> episode(Scenario scenario, Policy policy, ProcessEnvironment env) {
    List<double[]> rows = new ArrayList<>();
    policy.reset();
    Observation o = env.reset(11L);
    for (int k = 0; k < env.episodeSteps(); k++) {
      StepResult r = env.step(policy.act(o));
      policy.applied(r.info().appliedAction());
      rows.add(row(r));
      o = r.observation();
      if (r.terminated() || r.truncated()) {
        break;
      }
    }
    return rows;
  }

  private static double[] row(StepResult r) {
    double[] a = r.info().appliedAction();
    return new double[] {a[0], r.reward()};
  }
}
