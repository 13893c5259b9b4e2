package org.safeloop.agent.ppo;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.safeloop.env.Observation;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.StepResult;
import org.safeloop.env.control.Policy;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;

/** PPO on the first-order-plus-dead-time loop, against an untuned proportional controller. */
class PpoFopdtTest {

  static double episodeReturn(ProcessEnvironment env, Policy policy, long seed) {
    policy.reset();
    Observation o = env.reset(seed);
    double total = 0;
    for (int k = 0; k < env.episodeSteps(); k++) {
      StepResult r = env.step(policy.act(o));
      total += r.reward();
      o = r.observation();
    }
    return total;
  }

  @Test
  void tracksSetpointStepsAtLeastAsWellAsAnUntunedProportionalController() {
    Scenario fopdt = Scenarios.load("fopdt");
    // Untuned P: u = 1.0 (sp - x), no integral action, clipped to the valve range.
    Policy proportional = o -> new double[] {Math.max(0.0, Math.min(1.0, o.value(1) - o.value(0)))};
    double pReturn = episodeReturn(fopdt.createEnvironment(false, null), proportional, 0);
    PpoConfig config = PpoConfig.defaults().withBatch(1024, 10, 64).withLearning(1e-3, 0.95, 0.95);
    try (PpoLag agent = new PpoLag(fopdt.createEnvironment(false, null), config, 11)) {
      agent.train(40_000, m -> {});
      agent.freezeNormalisation();
      double ppoReturn =
          episodeReturn(fopdt.createEnvironment(false, null), agent::deterministicAction, 0);
      assertTrue(ppoReturn >= pReturn, "PPO " + ppoReturn + " vs untuned P " + pReturn);
    }
  }
}
