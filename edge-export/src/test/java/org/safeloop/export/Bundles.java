package org.safeloop.export;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.safeloop.env.SignalSpace;
import org.safeloop.env.SignalSpec;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;
import org.safeloop.policy.MlpWeights;
import org.safeloop.policy.Normalisation;
import org.safeloop.policy.PolicyBundle;
import org.safeloop.shield.AdmissibleActions;

/**
 * Bundles of every kind SafeLoop ships, built as the trainer builds them (same squashing, hidden
 * activation, config keys and signal spaces) with seeded random weights of trained magnitude: PPO
 * and PPO-Lag (clipped Gaussian mean), SAC and SAC-Lag (tanh), a residual on the PID, a policy that
 * maps into the shield's admissible box, and one that reads derived observations.
 */
final class Bundles {
  private Bundles() {}

  /** One kind: its label for test names and the bundle. */
  record Kind(String label, PolicyBundle bundle) {
    @Override
    public String toString() {
      return label;
    }
  }

  static List<Kind> everyShippedKind(Path dir) throws IOException {
    Scenario tracking = Scenarios.load("cstr-tracking");
    Scenario constrained = Scenarios.load("cstr-constrained");
    Scenario tanks = Scenarios.load("four-tank");
    List<Kind> kinds = new ArrayList<>();
    kinds.add(new Kind("ppo", plain(tracking, "ppo", PolicyBundle.SQUASH_CLIP, 1)));
    kinds.add(new Kind("ppo-lag", plain(constrained, "ppo-lag", PolicyBundle.SQUASH_CLIP, 2)));
    kinds.add(new Kind("sac", plain(tanks, "sac", PolicyBundle.SQUASH_TANH, 3)));
    kinds.add(new Kind("sac-lag", plain(constrained, "sac-lag", PolicyBundle.SQUASH_TANH, 4)));
    kinds.add(new Kind("residual on pid", residual(constrained, 5)));
    kinds.add(new Kind("shield action mapping", shieldMapped(constrained, 6)));
    kinds.add(new Kind("derived observations", derived(dir, 7)));
    kinds.add(new Kind("relu", relu(tracking, 8)));
    return kinds;
  }

  /** A plain policy of the trainer's default shape (64 x 64 tanh). */
  static PolicyBundle plain(Scenario s, String algorithm, String squash, long seed) {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("scenario", s.name());
    config.put(PolicyBundle.SCENARIO_SOURCE, s.name());
    return bundle(
        algorithm,
        config,
        s.observationSpace().signals(),
        s.actionSpace().signals(),
        network("tanh", s.observationSpace().size(), s.actionSpace().size(), seed),
        squash,
        seed);
  }

  static PolicyBundle residual(Scenario s, long seed) {
    PolicyBundle plain = plain(s, "ppo-lag", PolicyBundle.SQUASH_CLIP, seed);
    Map<String, Object> config = new LinkedHashMap<>(plain.config());
    config.put(PolicyBundle.RESIDUAL_BASE, "pid");
    config.put(PolicyBundle.RESIDUAL_BOUND, List.of(2.5));
    return plain.with(config, plain.network());
  }

  /** A residual on a base controller this version does not know. */
  static PolicyBundle residualOn(String base, Scenario s) {
    PolicyBundle r = residual(s, 9);
    Map<String, Object> config = new LinkedHashMap<>(r.config());
    config.put(PolicyBundle.RESIDUAL_BASE, base);
    return r.with(config, r.network());
  }

  static PolicyBundle shieldMapped(Scenario s, long seed) {
    List<SignalSpec> box = AdmissibleActions.signals(s.actionSpace());
    List<SignalSpec> observations = new ArrayList<>(s.observationSpace().signals());
    observations.addAll(box);
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("scenario", s.name());
    config.put(PolicyBundle.ACTION_MAPPING, "shield");
    config.put(PolicyBundle.SHIELD_OBSERVATIONS, box.stream().map(SignalSpec::name).toList());
    config.put(PolicyBundle.SHIELD_SOURCE, "cstr-constrained");
    return bundle(
        "ppo-lag",
        config,
        observations,
        s.actionSpace().signals(),
        network("tanh", observations.size(), s.actionSpace().size(), seed),
        PolicyBundle.SQUASH_CLIP,
        seed);
  }

  /**
   * A policy on cstr-tracking reading a tracking error, the previous action and a set-point
   * preview.
   */
  static PolicyBundle derived(Path dir, long seed) throws IOException {
    Path file = dir.resolve("tracking-derived.yaml");
    try (InputStream in =
        Bundles.class.getClassLoader().getResourceAsStream("scenarios/cstr-tracking.yaml")) {
      Files.write(file, in.readAllBytes());
    }
    Files.writeString(
        file,
        "observation: {tracking_error: true, previous_action: true, preview: {steps: 2}}\n",
        StandardOpenOption.APPEND);
    Scenario s = Scenarios.load(file);
    SignalSpace space = s.observationSpace();
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("scenario", s.name());
    config.put(PolicyBundle.SCENARIO_SOURCE, file.toString());
    config.put(PolicyBundle.DERIVED_OBSERVATIONS, s.observationDesign().derivedSignals());
    config.put(PolicyBundle.OBSERVATION_DESIGN, s.observationDesign().toRecord());
    return bundle(
        "ppo-lag",
        config,
        space.signals(),
        s.actionSpace().signals(),
        network("tanh", space.size(), s.actionSpace().size(), seed),
        PolicyBundle.SQUASH_CLIP,
        seed);
  }

  static PolicyBundle relu(Scenario s, long seed) {
    PolicyBundle p = plain(s, "sac", PolicyBundle.SQUASH_TANH, seed);
    MlpWeights tanh = p.network();
    return p.with(p.config(), new MlpWeights("relu", tanh.weights(), tanh.biases()));
  }

  private static PolicyBundle bundle(
      String algorithm,
      Map<String, Object> config,
      List<SignalSpec> observations,
      List<SignalSpec> actions,
      MlpWeights network,
      String squash,
      long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int n = observations.size();
    double[] mean = new double[n];
    double[] std = new double[n];
    for (int i = 0; i < n; i++) {
      // Running statistics of range-scaled observations: a process sits in part of its range.
      mean[i] = 0.4 * (random.nextDouble() - 0.5);
      std[i] = 0.05 + 0.5 * random.nextDouble();
    }
    return new PolicyBundle(
        algorithm,
        config,
        observations,
        actions,
        new Normalisation(mean, std, 5.0),
        network,
        squash,
        "a".repeat(64),
        "",
        seed,
        Map.of("recent_return", -40.0));
  }

  /** Two hidden layers of 64 with weights of the scale PyTorch's default initialisation gives. */
  static MlpWeights network(String activation, int inputs, int outputs, long seed) {
    SplittableRandom random = new SplittableRandom(seed * 7919);
    int[] widths = {inputs, 64, 64, outputs};
    List<float[][]> weights = new ArrayList<>();
    List<float[]> biases = new ArrayList<>();
    for (int l = 0; l + 1 < widths.length; l++) {
      double bound = 1.0 / Math.sqrt(widths[l]);
      float[][] w = new float[widths[l + 1]][widths[l]];
      float[] b = new float[widths[l + 1]];
      for (int r = 0; r < w.length; r++) {
        for (int c = 0; c < w[r].length; c++) {
          w[r][c] = (float) (bound * (2 * random.nextDouble() - 1));
        }
        b[r] = (float) (bound * (2 * random.nextDouble() - 1));
      }
      weights.add(w);
      biases.add(b);
    }
    return new MlpWeights(activation, weights, biases);
  }
}
