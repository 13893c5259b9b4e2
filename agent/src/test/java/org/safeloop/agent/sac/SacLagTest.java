package org.safeloop.agent.sac;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.safeloop.agent.TargetEnvironment;
import org.safeloop.agent.UpdateMetrics;
import org.safeloop.env.Observation;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.policy.MlpPolicy;
import org.safeloop.policy.PolicyBundle;

class SacLagTest {

  /** Small networks, a 500-step warm-up and a short discount: the target task is a bandit. */
  static SacConfig fast() {
    return SacConfig.defaults()
        .withReplay(20_000, 500, 128)
        .withLearning(1e-3, 1e-3, 0.9)
        .withSchedule(new int[] {64, 64}, 1, 1, 500);
  }

  /** Mean squared tracking error of the deterministic policy over 50 episodes. */
  static double evaluate(SacLag agent, ProcessEnvironment env) {
    double sum = 0;
    int n = 0;
    for (long seed = 10_000; seed < 10_050; seed++) {
      Observation o = env.reset(seed);
      for (int k = 0; k < env.episodeSteps(); k++) {
        var r = env.step(agent.deterministicAction(o));
        sum += -r.reward();
        n++;
        o = r.observation();
      }
    }
    return sum / n;
  }

  @Test
  void learnsTheTrivialTargetTaskToNearOptimalReturn() {
    try (SacLag agent = new SacLag(new TargetEnvironment(), fast(), 1)) {
      double before = evaluate(agent, new TargetEnvironment());
      agent.train(2_000, m -> {});
      agent.freezeNormalisation();
      double after = evaluate(agent, new TargetEnvironment());
      // A random guess has a mean squared error of about 0.2; the optimum is 0.
      assertTrue(before > 0.1, "untrained error " + before);
      assertTrue(after < 0.01, "trained error " + after);
    }
  }

  @Test
  void theSameSeedGivesBitIdenticalMetrics() {
    SacConfig config =
        fast().withReplay(5_000, 200, 64).withSchedule(new int[] {32, 32}, 1, 1, 100);
    List<UpdateMetrics> a;
    List<UpdateMetrics> b;
    try (SacLag agent = new SacLag(new TargetEnvironment(), config, 42)) {
      a = agent.train(500, m -> {});
    }
    try (SacLag agent = new SacLag(new TargetEnvironment(), config, 42)) {
      b = agent.train(500, m -> {});
    }
    assertEquals(5, a.size());
    assertEquals(301, a.get(4).update(), "gradient steps from step 200 on");
    assertTrue(Double.isFinite(a.get(4).policyLoss()));
    assertEquals(a, b);
  }

  @Test
  void theLagrangianLowersTheEpisodeCostAndRaisesTheMultiplier() {
    // Targets above 0.5 tempt the policy into a cost; with a limit of 0.05 per episode the
    // multiplier must rise and the policy give up tracking there (plain SAC stays near 0.4).
    SacConfig config = fast().withCostLimit(0.05, 0.05);
    try (SacLag agent = new SacLag(new TargetEnvironment(), config, 1)) {
      List<UpdateMetrics> metrics = agent.train(3_000, m -> {});
      double early = metrics.get(0).episodeCost();
      double late =
          metrics.subList(metrics.size() - 2, metrics.size()).stream()
              .mapToDouble(UpdateMetrics::episodeCost)
              .average()
              .orElseThrow();
      assertTrue(agent.multiplier().value() > 1, "multiplier " + agent.multiplier().value());
      assertTrue(late < early && late < 0.15, "episode cost " + early + " -> " + late);
    }
  }

  @Test
  void thePureJavaPolicyAgreesWithDjlWithin1e5() {
    try (SacLag agent = new SacLag(new TargetEnvironment(), fast(), 5)) {
      agent.train(1_000, m -> {});
      agent.freezeNormalisation();
      PolicyBundle bundle = agent.toBundle(Map.of(), "", "", Map.of());
      assertEquals("sac", bundle.algorithm());
      assertEquals(PolicyBundle.SQUASH_TANH, bundle.outputSquashing());
      MlpPolicy java = new MlpPolicy(bundle);
      for (int i = 0; i < 200; i++) {
        Observation o = Observation.good(new double[] {-1.0 + 2.0 * i / 199});
        double djl = agent.deterministicAction(o)[0];
        assertEquals(djl, java.act(o)[0], 1e-5, "target " + o.value(0));
      }
    }
  }
}
