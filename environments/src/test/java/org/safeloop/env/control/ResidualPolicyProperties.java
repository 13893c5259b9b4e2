package org.safeloop.env.control;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
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
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;

/**
 * A residual policy never moves the action further than its bound from the base controller's move
 * (nor outside the actuator), and with a zero correction it is exactly the base controller, in
 * evaluation ({@link ResidualPolicy}) and in training ({@link ResidualEnvironment}).
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
    Policy zero = o -> new double[scenario.actionSpace().size()];
    Policy residual =
        new ResidualPolicy(
            scenario.baselineController(), zero, scenario.actionSpace(), new double[] {3.0});

    List<double[]> withResidual =
        episode(scenario, residual, scenario.createEnvironment(true, null));
    List<double[]> pidAlone =
        episode(scenario, scenario.baselineController(), scenario.createEnvironment(true, null));

    assertEquals(pidAlone.size(), withResidual.size());
    for (int k = 0; k < pidAlone.size(); k++) {
      assertArrayEquals(pidAlone.get(k), withResidual.get(k), 0.0, "step " + k);
    }
  }

  @Example
  void theTrainingEnvironmentWithAZeroCorrectionRunsThePidsEpisode() {
    Scenario scenario = Scenarios.load("cstr-constrained");
    ProcessEnvironment residual =
        new ResidualEnvironment(
            scenario.createEnvironment(true, null),
            scenario.baselineController(),
            new double[] {3.0});
    assertEquals(-3.0, residual.actionSpace().get(0).min());
    assertEquals(3.0, residual.actionSpace().get(0).max());
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
    List<double[]> pidAlone =
        episode(scenario, scenario.baselineController(), scenario.createEnvironment(true, null));

    assertEquals(pidAlone.size(), trained.size());
    for (int k = 0; k < pidAlone.size(); k++) {
      assertArrayEquals(pidAlone.get(k), trained.get(k), 0.0, "step " + k);
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
