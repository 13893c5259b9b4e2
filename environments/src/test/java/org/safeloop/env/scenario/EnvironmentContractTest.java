package org.safeloop.env.scenario;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.safeloop.env.Observation;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.Quality;
import org.safeloop.env.SignalSpec;
import org.safeloop.env.StepResult;

/** The contract every environment keeps, checked on every built-in scenario. */
class EnvironmentContractTest {

  static Stream<String> scenarios() {
    return Scenarios.builtInNames().stream();
  }

  private static boolean dropoutConfigured(Scenario s) {
    return s.spec().realism().sensors().values().stream().anyMatch(c -> c.dropoutProbability() > 0);
  }

  @ParameterizedTest
  @MethodSource("scenarios")
  void specsAreConsistent(String name) {
    Scenario s = Scenarios.load(name);
    ProcessEnvironment env = s.createEnvironment();
    assertFalse(env.actionSpace().signals().isEmpty());
    assertEquals(env.stateSpace().size(), s.model().states().size());
    for (SignalSpec spec : env.observationSpace().signals()) {
      assertTrue(spec.min() < spec.max());
    }
    for (String tracked : env.setpointNames()) {
      assertTrue(env.observationSpace().indexOf(tracked) >= 0, tracked + " is observed");
      assertTrue(env.observationSpace().indexOf(tracked + "_setpoint") >= 0);
    }
    Observation first = env.reset(1);
    assertEquals(env.observationSpace().size(), first.size());
    assertEquals(env.actionSpace().size(), env.lastAppliedAction().length);
  }

  @ParameterizedTest
  @MethodSource("scenarios")
  void sameSeedAndActionsGiveTheSameEpisode(String name) {
    List<StepResult> a = randomEpisode(Scenarios.load(name).createEnvironment(), 42);
    List<StepResult> b = randomEpisode(Scenarios.load(name).createEnvironment(), 42);
    assertEquals(a.size(), b.size());
    for (int k = 0; k < a.size(); k++) {
      assertEquals(a.get(k).observation(), b.get(k).observation(), "step " + k);
      assertEquals(a.get(k).reward(), b.get(k).reward(), 0.0);
      assertArrayEquals(a.get(k).costs(), b.get(k).costs(), 0.0);
    }
  }

  @ParameterizedTest
  @MethodSource("scenarios")
  void realismDependsOnTheSeed(String name) {
    Scenario s = Scenarios.load(name);
    if (s.spec().realism().sensors().isEmpty()) {
      return;
    }
    ProcessEnvironment env = s.createEnvironment();
    assertNotEquals(env.reset(1), env.reset(2), "noise differs between seeds");
  }

  @ParameterizedTest
  @MethodSource("scenarios")
  void observationsFiniteCostsNonNegativeAndTruncationAtEpisodeLength(String name) {
    Scenario s = Scenarios.load(name);
    List<StepResult> episode = randomEpisode(s.createEnvironment(), 7);
    assertEquals(s.episodeSteps(), episode.size());
    for (int k = 0; k < episode.size(); k++) {
      StepResult r = episode.get(k);
      Observation o = r.observation();
      for (int i = 0; i < o.size(); i++) {
        if (!dropoutConfigured(s)) {
          assertTrue(Double.isFinite(o.value(i)), name + " observation " + i + " at " + k);
        } else if (!Double.isFinite(o.value(i))) {
          assertEquals(Quality.BAD, o.quality(i));
        }
      }
      assertTrue(Double.isFinite(r.reward()));
      assertTrue(r.reward() <= 0.0, "quadratic costs make rewards non-positive");
      for (double c : r.costs()) {
        assertTrue(c >= 0.0, "cost " + c);
      }
      assertEquals(s.constraints().size(), r.costs().length);
      assertFalse(r.terminated());
      assertEquals(k == episode.size() - 1, r.truncated(), "truncated only at the end");
    }
  }

  @ParameterizedTest
  @MethodSource("scenarios")
  void stepAfterTheEndOfAnEpisodeIsRefused(String name) {
    ProcessEnvironment env = Scenarios.load(name).createEnvironment();
    randomEpisode(env, 3);
    assertThrows(IllegalStateException.class, () -> env.step(env.lastAppliedAction()));
  }

  @ParameterizedTest
  @MethodSource("scenarios")
  void appliedActionsStayInsideActuatorLimits(String name) {
    ProcessEnvironment env = Scenarios.load(name).createEnvironment();
    for (StepResult r : randomEpisode(env, 11)) {
      double[] applied = r.info().appliedAction();
      for (int i = 0; i < applied.length; i++) {
        SignalSpec a = env.actionSpace().get(i);
        assertTrue(applied[i] >= a.min() && applied[i] <= a.max());
      }
    }
  }

  /** An episode of uniformly random actions over a range twice the actuator limits. */
  static List<StepResult> randomEpisode(ProcessEnvironment env, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    env.reset(seed);
    List<StepResult> out = new ArrayList<>();
    while (true) {
      double[] action = new double[env.actionSpace().size()];
      for (int i = 0; i < action.length; i++) {
        SignalSpec a = env.actionSpace().get(i);
        action[i] = a.min() - 0.5 * a.span() + 2.0 * a.span() * random.nextDouble();
      }
      StepResult r = env.step(action);
      out.add(r);
      if (r.done()) {
        return out;
      }
    }
  }
}
