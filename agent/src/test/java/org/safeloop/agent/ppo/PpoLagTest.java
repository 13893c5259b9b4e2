package org.safeloop.agent.ppo;

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

class PpoLagTest {

  static PpoConfig fast() {
    return PpoConfig.defaults().withBatch(512, 10, 64).withLearning(1e-3, 0.9, 0.95);
  }

  /** Mean squared tracking error of the deterministic policy over 50 episodes. */
  static double evaluate(PpoLag agent, ProcessEnvironment env) {
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
    ProcessEnvironment env = new TargetEnvironment();
    try (PpoLag agent = new PpoLag(env, fast(), 1)) {
      double before = evaluate(agent, new TargetEnvironment());
      agent.train(20_000, m -> {});
      agent.freezeNormalisation();
      double after = evaluate(agent, new TargetEnvironment());
      // A random guess has a mean squared error of about 0.2; the optimum is 0.
      assertTrue(before > 0.1, "untrained error " + before);
      assertTrue(after < 0.01, "trained error " + after);
    }
  }

  @Test
  void theSameSeedGivesBitIdenticalMetrics() {
    List<UpdateMetrics> a;
    List<UpdateMetrics> b;
    PpoConfig config = PpoConfig.defaults().withBatch(256, 4, 64);
    try (PpoLag agent = new PpoLag(new TargetEnvironment(), config, 42)) {
      a = agent.train(768, m -> {});
    }
    try (PpoLag agent = new PpoLag(new TargetEnvironment(), config, 42)) {
      b = agent.train(768, m -> {});
    }
    assertEquals(3, a.size());
    assertEquals(a, b);
  }

  @Test
  void aBudgetThatIsNotAWholeNumberOfRolloutsRunsExactlyTheStepsAskedAndStaysDeterministic() {
    PpoConfig config = PpoConfig.defaults().withBatch(256, 2, 64);
    List<UpdateMetrics> a;
    List<UpdateMetrics> b;
    try (PpoLag agent = new PpoLag(new TargetEnvironment(), config, 7)) {
      a = agent.train(100, m -> {});
      // Below one rollout: one short update of the 100 steps asked, not a whole rollout of 256.
      assertEquals(1, a.size());
      assertEquals(100, a.get(0).environmentSteps());
      a = new java.util.ArrayList<>(a);
      a.addAll(agent.train(300, m -> {}));
      assertEquals(
          List.of(100L, 356L, 400L), a.stream().map(UpdateMetrics::environmentSteps).toList());
    }
    try (PpoLag agent = new PpoLag(new TargetEnvironment(), config, 7)) {
      b = new java.util.ArrayList<>(agent.train(100, m -> {}));
      b.addAll(agent.train(300, m -> {}));
    }
    assertEquals(a, b);
    assertTrue(a.stream().allMatch(m -> Double.isFinite(m.policyLoss())), a.toString());
  }

  @Test
  void theLagrangianKeepsTheEpisodeCostNearItsLimit() {
    // Targets above 0.5 tempt the policy into a cost; with a limit of 0.05 per episode the
    // multiplier must rise and the policy give up tracking there.
    PpoConfig config = fast().withCostLimit(0.05, 0.5);
    try (PpoLag agent = new PpoLag(new TargetEnvironment(), config, 3)) {
      List<UpdateMetrics> metrics = agent.train(30_000, m -> {});
      double late =
          metrics.subList(metrics.size() - 5, metrics.size()).stream()
              .mapToDouble(UpdateMetrics::episodeCost)
              .average()
              .orElseThrow();
      double early = metrics.get(0).episodeCost();
      assertTrue(agent.multiplier().value() > 0, "the multiplier rose");
      assertTrue(late < early && late < 0.15, "episode cost " + early + " -> " + late);
    }
  }

  /** The target task behind a cap at 0.3 (a shield's repair, without a penalty). */
  static final class Capped extends org.safeloop.env.ForwardingEnvironment {
    Capped() {
      super(new TargetEnvironment());
    }

    @Override
    public org.safeloop.env.StepResult step(double[] action) {
      return super.step(new double[] {Math.min(0.3, action[0])});
    }
  }

  /** Mean amount by which the deterministic policy asks for more than the cap lets through. */
  static double excessOverCap(PpoLag agent) {
    double sum = 0;
    int n = 0;
    for (int i = 0; i <= 80; i++) {
      double target = -0.8 + 1.6 * i / 80.0;
      sum +=
          Math.max(
              0.0, agent.deterministicAction(Observation.good(new double[] {target}))[0] - 0.3);
      n++;
    }
    return sum / n;
  }

  @Test
  void learningFromTheAppliedActionKeepsProposalsInsideWhatTheRepairLetsThrough() {
    // Above the cap every proposal earns the same reward: learning from the sample gives no
    // reason to stop asking for the target, learning from the applied action pulls the mean to
    // the cap.
    double fromSample;
    double fromApplied;
    try (PpoLag agent = new PpoLag(new Capped(), fast(), 4)) {
      agent.train(10_240, m -> {});
      fromSample = excessOverCap(agent);
    }
    try (PpoLag agent = new PpoLag(new Capped(), fast().withLearnFromApplied(true), 4)) {
      agent.train(10_240, m -> {});
      fromApplied = excessOverCap(agent);
    }
    assertTrue(
        fromApplied < 0.5 * fromSample,
        "excess over the cap: from the sample " + fromSample + ", from the applied " + fromApplied);
  }

  @Test
  void learningFromTheAppliedActionIsDeterministic() {
    PpoConfig config = PpoConfig.defaults().withBatch(256, 4, 64).withLearnFromApplied(true);
    List<UpdateMetrics> a;
    List<UpdateMetrics> b;
    try (PpoLag agent = new PpoLag(new Capped(), config, 42)) {
      a = agent.train(768, m -> {});
    }
    try (PpoLag agent = new PpoLag(new Capped(), config, 42)) {
      b = agent.train(768, m -> {});
    }
    assertEquals(a, b);
  }

  @Test
  void thePureJavaPolicyAgreesWithDjlWithin1e5() {
    ProcessEnvironment env = new TargetEnvironment();
    try (PpoLag agent = new PpoLag(env, fast(), 5)) {
      agent.train(2_048, m -> {});
      agent.freezeNormalisation();
      PolicyBundle bundle = agent.toBundle(Map.of(), "", "", Map.of());
      MlpPolicy java = new MlpPolicy(bundle);
      for (int i = 0; i <= 200; i++) {
        Observation o = Observation.good(new double[] {-1.0 + i / 100.0});
        double djl = agent.deterministicAction(o)[0];
        assertEquals(djl, java.act(o)[0], 1e-5, "target " + o.value(0));
      }
    }
  }

  @Test
  void trainingHoldsNoMoreNativeArraysAfterTheFirstUpdate() {
    PpoConfig config = PpoConfig.defaults().withBatch(256, 2, 64);
    try (PpoLag agent = new PpoLag(new TargetEnvironment(), config, 9)) {
      agent.train(256, m -> {});
      int afterWarmup = agent.liveArrays();
      agent.train(256 * 5, m -> {});
      assertEquals(afterWarmup, agent.liveArrays(), "native arrays leaked per update");
      for (int i = 0; i < 100; i++) {
        agent.deterministicAction(Observation.good(new double[] {0.1}));
      }
      assertEquals(afterWarmup, agent.liveArrays(), "native arrays leaked per inference");
    }
  }
}
