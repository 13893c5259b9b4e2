package org.safeloop.experiments.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.safeloop.env.Observation;
import org.safeloop.env.ProcessEnvironment;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;
import org.safeloop.experiments.identify.IdentificationData;
import org.safeloop.experiments.identify.ModelFit;
import org.safeloop.experiments.identify.PlantData;

/**
 * Measures {@code safeloop identify}'s fit: the constrained CSTR with 15 % less cooling and a 10 %
 * faster reaction as the truth, recorded with sensor noise while an operator moves the jacket
 * between 290 and 293 K every 10 steps (after the feed-temperature step), fitted for 1, 2 and 3
 * parameters (UA; UA, k0; UA, k0, Ti) on growing numbers of samples. One thread, as identify runs.
 */
public final class IdentifyBenchmark {
  /**
   * One measured fit.
   *
   * @param samples control steps of data
   * @param free the fitted parameters
   * @param wallSeconds wall time of the fit (median of the repeats)
   * @param cpuSeconds CPU time of the fitting thread (median of the repeats)
   * @param iterations Levenberg-Marquardt iterations of the final pass
   * @param evaluations model evaluations (residual vectors) of both passes
   * @param relativeErrors each estimate's relative error against the truth
   */
  public record Row(
      int samples,
      List<String> free,
      double wallSeconds,
      double cpuSeconds,
      int iterations,
      int evaluations,
      double[] relativeErrors) {}

  private static final Map<String, Double> TRUTH =
      Map.of("UA", 5.0e4 * 0.85, "k0", 7.2e10 * 1.10, "Ti", 353.0);

  private IdentifyBenchmark() {}

  /** Fits every parameter set on every sample count, {@code repeats} times each. */
  public static List<Row> measure(int[] sampleCounts, int repeats, long seed) {
    Scenario model = Scenarios.load("cstr-constrained");
    Scenario truth = model.withParameters(Map.of("UA", TRUTH.get("UA"), "k0", TRUTH.get("k0")));
    int most = Arrays.stream(sampleCounts).max().orElseThrow();
    PlantData all = record(truth, most, seed);
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    List<Row> rows = new ArrayList<>();
    for (int n : sampleCounts) {
      IdentificationData data = IdentificationData.resample(first(all, n), model, 3 * 26.0);
      for (List<String> free :
          List.of(List.of("UA"), List.of("UA", "k0"), List.of("UA", "k0", "Ti"))) {
        double[] wall = new double[repeats];
        double[] cpu = new double[repeats];
        ModelFit.Result r = null;
        for (int k = 0; k < repeats; k++) {
          long c0 = threads.getCurrentThreadCpuTime();
          long t0 = System.nanoTime();
          r =
              ModelFit.fit(
                  model, data, data.steps(), new ModelFit.Settings(free, false, 20, 100), e -> {});
          wall[k] = (System.nanoTime() - t0) * 1e-9;
          cpu[k] = (threads.getCurrentThreadCpuTime() - c0) * 1e-9;
        }
        double[] errors = new double[free.size()];
        for (int i = 0; i < errors.length; i++) {
          // With Ti fixed at the model's 350 K the 3 K warmer feed biases UA: shown, not hidden.
          errors[i] = r.estimate()[i] / TRUTH.get(free.get(i)) - 1.0;
        }
        rows.add(
            new Row(n, free, median(wall), median(cpu), r.iterations(), r.evaluations(), errors));
      }
    }
    return rows;
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
  }

  private static PlantData record(Scenario truth, int steps, long seed) {
    int warmUp = 30;
    Scenario s = truth.withEpisodeSteps(warmUp + steps);
    ProcessEnvironment env = s.createEnvironment(true, null);
    Observation o = env.reset(seed);
    for (int k = 0; k < warmUp; k++) {
      o = env.step(new double[] {290.0}).observation();
    }
    SplittableRandom operator = new SplittableRandom(seed);
    double[] seconds = new double[steps];
    double[] ca = new double[steps];
    double[] t = new double[steps];
    double[] tc = new double[steps];
    boolean[] good = new boolean[steps];
    Arrays.fill(good, true);
    double u = 290.0;
    for (int k = 0; k < steps; k++) {
      seconds[k] = k * 26.0;
      ca[k] = o.value(s.observationSpace().indexOf("Ca"));
      t[k] = o.value(s.observationSpace().indexOf("T"));
      if (k % 10 == 0) {
        u = 290.0 + 3.0 * operator.nextDouble();
      }
      tc[k] = u;
      o = env.step(new double[] {u}).observation();
    }
    Map<String, PlantData.Series> series = new LinkedHashMap<>();
    series.put("Ca", new PlantData.Series(ca, good));
    series.put("T", new PlantData.Series(t, good.clone()));
    series.put("Tc", new PlantData.Series(tc, good.clone()));
    return new PlantData("simulated", "", seconds, null, series);
  }

  private static PlantData first(PlantData data, int n) {
    Map<String, PlantData.Series> series = new LinkedHashMap<>();
    for (Map.Entry<String, PlantData.Series> e : data.signals().entrySet()) {
      series.put(
          e.getKey(),
          new PlantData.Series(
              Arrays.copyOf(e.getValue().values(), n), Arrays.copyOf(e.getValue().good(), n)));
    }
    return new PlantData(
        data.source(), data.sha256(), Arrays.copyOf(data.seconds(), n), data.start(), series);
  }
}
