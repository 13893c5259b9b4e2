package org.safeloop.agent.ppo;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.safeloop.agent.baseline.LoopTuning;
import org.safeloop.agent.baseline.PiTuner;
import org.safeloop.agent.baseline.PiTuningRule;
import org.safeloop.agent.baseline.StepTest;
import org.safeloop.env.Observation;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.StepResult;
import org.safeloop.env.control.PidConfig;
import org.safeloop.env.control.PidPolicy;
import org.safeloop.env.control.Policy;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;

/**
 * PPO on the first-order-plus-dead-time loop against a PI tuned by the project's rule (SIMC from a
 * step test on the model), over several training seeds and noisy evaluation episodes.
 *
 * <p>Measured on this scenario (returns, higher is better; mean over the ten evaluation episodes
 * below, sensor noise on):
 *
 * <pre>
 *   untuned P (u = sp - x)                                  -89.5
 *   SIMC PI, tauc = theta_eff = 0.35 min (PiTuner default)  -31.8   Kc 0.71, Ti 0.50
 *   scenario's hand-set PI                                  -29.7   Kc 0.83, Ti 0.50
 *   SIMC PI, best tauc of 0, 0.05 .. 0.35 (tauc 0.05)       -27.5   Kc 1.25, Ti 0.50
 *   PI by grid search on this very reward (Kc 1.5, Ti 0.95) -24.8   (not a tuning rule)
 *   PPO, 10,240 steps, seeds 11 / 12 / 13 / 14              -24.8 / -24.0 / -24.2 / -24.8
 *   PPO, 40,960 steps, seeds 11 / 12 / 13                   -23.6 / -23.7 / -23.9
 *   NMPC oracle (perfect model and preview)                 -19.9
 *   PPO untrained                                           -45 to -46
 *   PPO, 5,120 steps, seeds 11 / 14                         -27.6 / -29.9 (not yet learned)
 * </pre>
 *
 * At 10,240 steps every seed beat the best rule-tuned PI by 9.5 to 12.4 % (2.6 to 3.4 in return);
 * the test asks for 5 %, half the smallest measured margin, so that it fails when learning
 * regresses toward PI performance but not on the noise of another machine's floating point. Each
 * episode with sensor noise differs from the next by at most 0.2 in return. The figures are
 * deterministic on one machine (same seeds, same returns in every run). Cost: three trainings of 10
 * updates of 1,024 steps and 8 step tests, 4-5 s a seed on quiet cores, 55-65 s for the test when
 * the two cores are shared with other builds (the single 40,960-step run it replaces took 40-70 s).
 */
class PpoFopdtTest {
  /** Training steps per seed: 10 updates of 1,024 steps. */
  private static final long TRAINING_STEPS = 10_240;

  /** Training seeds; 11 is the seed the earlier single-seed version of this test used. */
  private static final long[] TRAINING_SEEDS = {11, 12, 13};

  /** Evaluation episodes (sensor noise on), the same for the agent and every PI. */
  private static final long FIRST_EVALUATION_SEED = 100;

  private static final int EVALUATION_EPISODES = 10;

  /** The agent must be this much better than the best PI, as a share of the PI's return. */
  private static final double REQUIRED_MARGIN = 0.05;

  static double episodeReturn(ProcessEnvironment env, Policy policy, long seed) {
    policy.reset();
    Observation o = env.reset(seed);
    double total = 0;
    for (int k = 0; k < env.episodeSteps(); k++) {
      StepResult r = env.step(policy.act(o));
      policy.applied(r.info().appliedAction());
      total += r.reward();
      o = r.observation();
    }
    return total;
  }

  /** Mean return over the evaluation episodes, with the scenario's sensor noise on. */
  static double meanReturn(Scenario scenario, Policy policy) {
    ProcessEnvironment env = scenario.createEnvironment(true, null);
    double sum = 0;
    for (int e = 0; e < EVALUATION_EPISODES; e++) {
      sum += episodeReturn(env, policy, FIRST_EVALUATION_SEED + e);
    }
    return sum / EVALUATION_EPISODES;
  }

  static PidPolicy pi(Scenario scenario, PidConfig config) {
    return new PidPolicy(
        List.of(config),
        scenario.observationSpace(),
        scenario.actionSpace(),
        scenario.controlInterval(),
        scenario.initialInput());
  }

  @Test
  void beatsTheBestSimcTunedPiOnEverySeedOverNoisyEvaluationEpisodes() {
    Scenario fopdt = Scenarios.load("fopdt");

    // The rule's recommended tauc (the effective dead time) is tuned for robustness; a control
    // engineer after performance would lower it. Take the best of the sweep and of the hand-set PI.
    LoopTuning recommended = PiTuner.tune(fopdt);
    double thetaEff = recommended.closedLoopTimeConstant();
    double bestPi = meanReturn(fopdt, pi(fopdt, fopdt.controllerTunings().get(0)));
    String bestPiName = "hand-set " + fopdt.controllerTunings().get(0);
    for (int i = 0; i <= 7; i++) {
      double tauc = thetaEff * i / 7;
      LoopTuning t = PiTuner.tune(fopdt, StepTest.forLoop(fopdt), PiTuningRule.SIMC, tauc);
      double r = meanReturn(fopdt, pi(fopdt, t.config()));
      if (r > bestPi) {
        bestPi = r;
        bestPiName = String.format(Locale.ROOT, "SIMC tauc %.3f %s", tauc, t.config());
      }
    }
    double required = bestPi + REQUIRED_MARGIN * Math.abs(bestPi);

    PpoConfig config = PpoConfig.defaults().withBatch(1024, 10, 64).withLearning(1e-3, 0.95, 0.95);
    StringBuilder figures =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "best PI %.3f (%s); required %.3f; PPO",
                bestPi,
                bestPiName,
                required));
    double worst = Double.POSITIVE_INFINITY;
    for (long seed : TRAINING_SEEDS) {
      try (PpoLag agent = new PpoLag(fopdt.createEnvironment(false, null), config, seed)) {
        agent.train(TRAINING_STEPS, m -> {});
        agent.freezeNormalisation();
        double ppo = meanReturn(fopdt, agent::deterministicAction);
        figures.append(String.format(Locale.ROOT, " seed %d %.3f", seed, ppo));
        worst = Math.min(worst, ppo);
      }
    }
    System.out.println("fopdt: " + figures);
    assertTrue(worst >= required, figures.toString());
  }
}
