package org.safeloop.experiments.export;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.safeloop.env.Observation;
import org.safeloop.env.SignalSpec;
import org.safeloop.env.control.Policy;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.experiments.evaluate.EvaluationSummary;
import org.safeloop.experiments.evaluate.Evaluator;
import org.safeloop.experiments.evaluate.PolicySource;
import org.safeloop.export.OnnxVerification;
import org.safeloop.policy.BundlePolicies;
import org.safeloop.policy.Int8Quantizer;
import org.safeloop.policy.MlpPolicy;
import org.safeloop.policy.PolicyBundle;

/**
 * The closed-loop side of an edge export: observations for int8 calibration from the training
 * scenario, the largest action error of a quantised policy, and closed-loop evaluations of a
 * bundle's network run by the pure-Java forward pass or by another runtime (ONNX Runtime), all
 * through {@link Evaluator} as {@code safeloop evaluate} runs them. Seeds: calibration episodes
 * start at {@code seed + }{@value #CALIBRATION_SEED_OFFSET}, evaluation episodes at {@code seed +
 * }{@value #EVALUATION_SEED_OFFSET} (the first seed {@code safeloop evaluate} uses by default), and
 * drawn observations use {@code seed} itself, so that no figure is measured on the calibration
 * data. Stateless and thread-safe.
 */
public final class EdgeExports {
  /** Added to the seed for the first calibration episode. */
  public static final long CALIBRATION_SEED_OFFSET = 2_000_000L;

  /** Added to the seed for the first evaluation episode. */
  public static final long EVALUATION_SEED_OFFSET = 1_000_000L;

  private EdgeExports() {}

  /**
   * Where and how a policy runs in closed loop.
   *
   * @param scenario the scenario (the bundle's training scenario for calibration)
   * @param shield the shield to act through (file or built-in name), or null for none
   * @param episodes episodes to run
   * @param seed the export's seed (see the class comment for the offsets)
   */
  public record ClosedLoop(Scenario scenario, String shield, int episodes, long seed) {

    /** Checks the episode count. */
    public ClosedLoop {
      if (episodes < 1) {
        throw new IllegalArgumentException("episodes must be at least 1, got " + episodes);
      }
    }
  }

  /**
   * Runs the full-precision policy in closed loop with realism on and records every observation its
   * network reads (the shield's box appended for a bundle that maps into it).
   *
   * @return the observations, raw, in the bundle's observation order
   */
  public static List<double[]> calibration(PolicyBundle bundle, ClosedLoop where) {
    List<double[]> seen = new ArrayList<>();
    evaluate(
        bundle,
        "calibration",
        b -> new Recording(new MlpPolicy(b), seen),
        where,
        where.seed() + CALIBRATION_SEED_OFFSET);
    return seen;
  }

  /**
   * Quantises a bundle to int8, calibrated on {@link #calibration} observations.
   *
   * @param bundle the full-precision bundle
   * @param bundleSha256 its file's SHA-256, recorded as the source
   * @param where the training scenario and the calibration's episodes and seed
   */
  public static Int8Quantizer.Result quantize(
      PolicyBundle bundle, String bundleSha256, ClosedLoop where) {
    List<double[]> observations = calibration(bundle, where);
    Map<String, Object> provenance = new LinkedHashMap<>();
    provenance.put("source_bundle_sha256", bundleSha256);
    provenance.put("calibration_scenario", where.scenario().name());
    provenance.put("calibration_episodes", where.episodes());
    provenance.put("calibration_first_seed", where.seed() + CALIBRATION_SEED_OFFSET);
    provenance.put("calibration_realism", true);
    provenance.put("calibration_shield", where.shield() == null ? "none" : where.shield());
    return Int8Quantizer.quantize(bundle, observations, provenance);
  }

  /**
   * Evaluates a bundle in closed loop (realism on) with its network run by {@code network}.
   *
   * @param label names the policy in the summary
   * @param network runs the bundle's network (e.g. {@link MlpPolicy#MlpPolicy}, or an ONNX Runtime
   *     policy shared by the episodes)
   */
  public static EvaluationSummary closedLoop(
      PolicyBundle bundle,
      String label,
      Function<PolicyBundle, ? extends Policy> network,
      ClosedLoop where) {
    return evaluate(bundle, label, network, where, where.seed() + EVALUATION_SEED_OFFSET);
  }

  private static EvaluationSummary evaluate(
      PolicyBundle bundle,
      String label,
      Function<PolicyBundle, ? extends Policy> network,
      ClosedLoop where,
      long firstSeed) {
    Scenario scenario = where.scenario();
    bundle.requireCompatible(
        scenario.observationSpace(), scenario.actionSpace(), "scenario " + scenario.name());
    PolicySource source =
        new PolicySource(
            label, bundle, false, () -> BundlePolicies.of(bundle, () -> scenario, network));
    return Evaluator.evaluate(
        scenario,
        source,
        new Evaluator.Settings(where.episodes(), firstSeed, true, where.shield(), null));
  }

  /**
   * The largest difference between two policies' network actions.
   *
   * @param observations how many the figure is over
   * @param maxAbsolute per action, in its unit
   * @param maxRelative the largest as a fraction of its action's range
   * @param actions the actions (the bundle's network actions)
   */
  public record ActionError(
      int observations, double[] maxAbsolute, double maxRelative, List<SignalSpec> actions) {

    /** Copies the array. */
    public ActionError {
      maxAbsolute = maxAbsolute.clone();
      actions = List.copyOf(actions);
    }

    @Override
    public double[] maxAbsolute() {
      return maxAbsolute.clone();
    }

    /** Returns e.g. {@code Tc 0.0123 K (0.18 % of range)} for each action. */
    public String describe() {
      List<String> parts = new ArrayList<>();
      for (int i = 0; i < actions.size(); i++) {
        SignalSpec a = actions.get(i);
        parts.add(
            String.format(
                Locale.ROOT,
                "%s %.4g%s (%.3f %% of range)",
                a.name(),
                maxAbsolute[i],
                a.unit().isEmpty() || a.unit().equals("1") ? "" : " " + a.unit(),
                100 * maxAbsolute[i] / a.span()));
      }
      return String.join(", ", parts);
    }
  }

  /**
   * The largest action error of {@code candidate} against {@code reference} on observations drawn
   * uniformly over every observation's range (seeded, as the ONNX verification draws them).
   */
  public static ActionError actionError(
      PolicyBundle reference, PolicyBundle candidate, long seed, int count) {
    return actionError(
        reference, candidate, OnnxVerification.uniformDraws(reference.observations(), seed, count));
  }

  /** The largest action error of {@code candidate} against {@code reference} on these inputs. */
  public static ActionError actionError(
      PolicyBundle reference, PolicyBundle candidate, List<double[]> observations) {
    MlpPolicy a = new MlpPolicy(reference);
    MlpPolicy b = new MlpPolicy(candidate);
    List<SignalSpec> actions = reference.networkActions();
    double[] x = new double[actions.size()];
    double[] y = new double[actions.size()];
    double[] max = new double[actions.size()];
    double relative = 0;
    for (double[] o : observations) {
      a.act(o, x);
      b.act(o, y);
      for (int i = 0; i < x.length; i++) {
        double e = Math.abs(x[i] - y[i]);
        max[i] = Math.max(max[i], e);
        relative = Math.max(relative, e / actions.get(i).span());
      }
    }
    return new ActionError(observations.size(), max, relative, actions);
  }

  /**
   * Wraps a network's policy so that every observation it reads is added to {@code seen} (raw, in
   * the bundle's observation order), e.g. to measure an int8 policy's error on the observations a
   * closed loop really meets.
   */
  public static Policy recording(Policy network, List<double[]> seen) {
    return new Recording(network, seen);
  }

  /** Records the raw observations its network reads, then acts as it. */
  private record Recording(Policy inner, List<double[]> seen) implements Policy {
    @Override
    public double[] act(Observation observation) {
      seen.add(observation.values());
      return inner.act(observation);
    }

    @Override
    public void applied(double[] appliedAction) {
      inner.applied(appliedAction);
    }

    @Override
    public void reset() {
      inner.reset();
    }
  }
}
