package org.safeloop.experiments.evaluate;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.safeloop.agent.baseline.SetpointStepMetrics;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.StepResult;
import org.safeloop.env.control.Policy;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.experiments.simulate.EpisodeRecorder;
import org.safeloop.experiments.simulate.EpisodeSummary;
import org.safeloop.experiments.simulate.Episodes;
import org.safeloop.shield.Layer;
import org.safeloop.shield.SafetyShield;
import org.safeloop.shield.ShieldedPolicy;
import org.safeloop.shield.Shields;

/**
 * Closed-loop evaluation of a policy on a scenario: runs episodes from fixed seeds, optionally
 * through a shield (as deployed), writes each trajectory as CSV and summarises return, tracking
 * (IAE, ISE, overshoot and settling time after set-point steps, on the true values), constraint
 * violations, shield interventions by layer and actuator travel. Thread-safe (stateless); each call
 * makes its own environments and policies.
 */
public final class Evaluator {
  /** The settling band of set-point steps: 2 % of the step. */
  public static final double SETTLING_BAND = 0.02;

  /**
   * How to evaluate.
   *
   * @param episodes number of episodes, at least 1
   * @param firstSeed seed of the first episode; episode {@code i} uses {@code firstSeed + i}
   * @param realism sensor effects, disturbances and parameter uncertainty on
   * @param shield constraint file or built-in shield name to act through, or null
   * @param trajectories folder for the per-episode CSV files, or null for none
   */
  public record Settings(
      int episodes, long firstSeed, boolean realism, String shield, Path trajectories) {

    /** Checks the episode count. */
    public Settings {
      if (episodes < 1) {
        throw new IllegalArgumentException("episodes must be at least 1, got " + episodes);
      }
    }
  }

  private Evaluator() {}

  /**
   * Evaluates {@code source} on {@code scenario}.
   *
   * @throws IllegalArgumentException when the oracle is asked for a noisy or shielded evaluation,
   *     which it cannot do faithfully
   */
  public static EvaluationSummary evaluate(
      Scenario scenario, PolicySource source, Settings settings) {
    if (source.oracle() && (settings.realism() || settings.shield() != null)) {
      throw new IllegalArgumentException(
          "the NMPC oracle reads the true state and assumes nothing changes its moves: evaluate it"
              + " with realism off and without a shield");
    }
    SafetyShield shield = settings.shield() == null ? null : Shields.load(settings.shield());
    List<String> tracked = scenario.trackedVariables();
    int[] trackedState = new int[tracked.size()];
    for (int k = 0; k < tracked.size(); k++) {
      trackedState[k] = scenario.stateSpace().indexOf(tracked.get(k));
    }
    int inputs = scenario.actionSpace().size();
    int n = settings.episodes();
    double dt = scenario.controlInterval();
    List<Double> completedReturns = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    double[] iae = new double[tracked.size()];
    double[] ise = new double[tracked.size()];
    double[] travel = new double[inputs];
    List<List<EvaluationSummary.SetpointStep>> steps = new ArrayList<>();
    for (int k = 0; k < tracked.size(); k++) {
      steps.add(new ArrayList<>());
    }
    long violating = 0;
    double magnitude = 0;
    long interventions = 0;
    long totalSteps = 0;
    long started = System.nanoTime();
    for (int e = 0; e < n; e++) {
      long seed = settings.firstSeed() + e;
      ProcessEnvironment env = scenario.createEnvironment(settings.realism(), null);
      Policy inner = source.newPolicy(shield, env.observationSpace(), scenario.initialInput());
      ShieldedPolicy shielded =
          shield == null
              ? null
              : new ShieldedPolicy(inner, shield, env.observationSpace(), scenario.initialInput());
      Policy policy = shielded == null ? inner : shielded;
      EpisodeTrace trace = new EpisodeTrace(scenario, trackedState);
      EpisodeRecorder recorder =
          settings.trajectories() == null
              ? null
              : new EpisodeRecorder(
                  env,
                  settings.trajectories().resolve(source.label() + "__episode-" + seed + ".csv"),
                  shielded != null);
      EpisodeSummary summary;
      int[] intervened = new int[1];
      try {
        summary =
            Episodes.run(
                env,
                policy,
                seed,
                scenario.episodeSteps(),
                r -> {
                  trace.add(r);
                  if (shielded != null && shielded.lastDecision().intervened()) {
                    intervened[0]++;
                  }
                  if (recorder != null) {
                    recorder.record(r, shielded == null ? null : shielded.lastDecision());
                  }
                });
      } finally {
        if (recorder != null) {
          recorder.close();
        }
      }
      if (summary.failed()) {
        // No return and no tracking figures from a model failure: the episode counts as failed.
        failures.add("seed " + seed + ": " + summary.failure());
        continue;
      }
      completedReturns.add(summary.totalReward());
      violating += summary.violatingSteps();
      magnitude += summary.totalCost();
      interventions += intervened[0];
      totalSteps += summary.steps();
      for (int k = 0; k < tracked.size(); k++) {
        iae[k] += trace.iae(k, dt);
        ise[k] += trace.ise(k, dt);
        steps.get(k).addAll(trace.setpointSteps(k, e, dt));
      }
      double[] episodeTravel = trace.travel(inputs);
      for (int i = 0; i < inputs; i++) {
        travel[i] += episodeTravel[i];
      }
    }
    double seconds = (System.nanoTime() - started) * 1e-9;
    double[] returns = completedReturns.stream().mapToDouble(Double::doubleValue).toArray();
    int completed = returns.length;
    for (int k = 0; k < tracked.size(); k++) {
      iae[k] = completed == 0 ? Double.NaN : iae[k] / completed;
      ise[k] = completed == 0 ? Double.NaN : ise[k] / completed;
    }
    for (int i = 0; i < inputs; i++) {
      travel[i] = completed == 0 ? Double.NaN : travel[i] / completed;
    }

    Map<String, EvaluationSummary.Tracking> tracking = new LinkedHashMap<>();
    for (int k = 0; k < tracked.size(); k++) {
      List<EvaluationSummary.SetpointStep> s = steps.get(k);
      double[] settling =
          s.stream().mapToDouble(EvaluationSummary.SetpointStep::settlingTime).toArray();
      double overshoot =
          s.stream().mapToDouble(EvaluationSummary.SetpointStep::overshoot).max().orElse(0);
      tracking.put(
          tracked.get(k),
          new EvaluationSummary.Tracking(
              scenario.stateSpace().get(trackedState[k]).unit(),
              iae[k],
              ise[k],
              List.copyOf(s),
              Stats.median(settling),
              overshoot));
    }
    Map<String, Long> byLayer = new TreeMap<>();
    if (shield != null) {
      for (Map.Entry<Layer, Long> entry : shield.counters().byLayer().entrySet()) {
        byLayer.put(entry.getKey().name().toLowerCase(java.util.Locale.ROOT), entry.getValue());
      }
    }
    Map<String, Double> actuatorTravel = new LinkedHashMap<>();
    for (int i = 0; i < inputs; i++) {
      actuatorTravel.put(scenario.actionSpace().get(i).name(), travel[i]);
    }
    return new EvaluationSummary(
        source.label(),
        scenario.name(),
        n,
        settings.firstSeed(),
        settings.realism(),
        shield != null,
        scenario.episodeSteps(),
        Stats.mean(returns),
        Stats.median(returns),
        Stats.mad(returns),
        returns,
        tracking,
        violating,
        magnitude,
        interventions,
        totalSteps == 0 ? 0 : (double) interventions / totalSteps,
        byLayer,
        actuatorTravel,
        seconds / n,
        failures.size(),
        failures);
  }

  /** The true tracked values, set points and applied inputs of one episode. */
  private static final class EpisodeTrace {
    private final int[] trackedState;
    private final double[] initialTracked;
    private final double[] initialInput;
    private final List<double[]> values = new ArrayList<>();
    private final List<double[]> setpoints = new ArrayList<>();
    private final List<double[]> inputs = new ArrayList<>();

    EpisodeTrace(Scenario scenario, int[] trackedState) {
      this.trackedState = trackedState;
      double[] x0 = scenario.initialState();
      this.initialTracked = new double[trackedState.length];
      for (int k = 0; k < trackedState.length; k++) {
        initialTracked[k] = x0[trackedState[k]];
      }
      this.initialInput = scenario.initialInput();
    }

    void add(StepResult r) {
      double[] state = r.info().state();
      double[] v = new double[trackedState.length];
      for (int k = 0; k < trackedState.length; k++) {
        v[k] = state[trackedState[k]];
      }
      values.add(v);
      setpoints.add(r.info().setpoints());
      inputs.add(r.info().appliedAction());
    }

    double iae(int k, double dt) {
      double sum = 0;
      for (int t = 0; t < values.size(); t++) {
        sum += Math.abs(values.get(t)[k] - setpoints.get(t)[k]) * dt;
      }
      return sum;
    }

    double ise(int k, double dt) {
      double sum = 0;
      for (int t = 0; t < values.size(); t++) {
        double e = values.get(t)[k] - setpoints.get(t)[k];
        sum += e * e * dt;
      }
      return sum;
    }

    double[] travel(int n) {
      double[] total = new double[n];
      double[] previous = initialInput;
      for (double[] u : inputs) {
        for (int i = 0; i < n; i++) {
          total[i] += Math.abs(u[i] - previous[i]);
        }
        previous = u;
      }
      return total;
    }

    /**
     * Finds every set-point step (the first segment counts as a step from the initial value) and
     * measures the response until the next step or the end of the episode.
     */
    List<EvaluationSummary.SetpointStep> setpointSteps(int k, int episode, double dt) {
      List<EvaluationSummary.SetpointStep> out = new ArrayList<>();
      int start = 0;
      while (start < values.size()) {
        double target = setpoints.get(start)[k];
        int end = start;
        while (end < values.size() && setpoints.get(end)[k] == target) {
          end++;
        }
        double from = start == 0 ? initialTracked[k] : values.get(start - 1)[k];
        double size = target - from;
        if (Double.isFinite(size) && Math.abs(size) > 1e-12 * Math.max(1, Math.abs(target))) {
          double[] times = new double[end - start];
          double[] output = new double[end - start];
          for (int t = start; t < end; t++) {
            times[t - start] = (t - start + 1) * dt;
            output[t - start] = values.get(t)[k];
          }
          SetpointStepMetrics m =
              SetpointStepMetrics.of(times, output, from, target, SETTLING_BAND);
          out.add(
              new EvaluationSummary.SetpointStep(
                  episode, start * dt, from, target, m.overshoot(), m.settlingTime()));
        }
        start = end;
      }
      return out;
    }
  }
}
