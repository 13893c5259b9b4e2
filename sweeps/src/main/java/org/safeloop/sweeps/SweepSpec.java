package org.safeloop.sweeps;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.safeloop.env.config.FieldException;
import org.safeloop.experiments.config.ExperimentSpec;

/**
 * A sweep file as written: the experiment it varies and the axes it varies it along. Every axis is
 * a list of values; the sweep runs their full grid, or a seeded random sample of it. Keys are
 * snake_case in YAML; {@link Sweep#load} resolves the experiment and every grid point and reports a
 * problem with the file, line and key before anything runs.
 *
 * @param experiment the experiment file, relative to the sweep file
 * @param scenarios built-in scenario names or scenario files (relative to the sweep file); default:
 *     the experiment's scenario
 * @param algorithms algorithm names; default: the experiment's algorithm
 * @param seeds training seeds, each configuration trains every one; default: the experiment's
 * @param hyperparameters for each hyper-parameter name, the values to try (a list-valued
 *     hyper-parameter such as {@code hidden} is written as a list of lists)
 * @param random a seeded random search: that many configurations drawn from the grid instead of
 *     all; absent for the whole grid
 * @param output folder that receives the run directories, relative to the working directory;
 *     default {@code runs/<sweep file name>}
 */
public record SweepSpec(
    String experiment,
    List<String> scenarios,
    List<String> algorithms,
    List<Long> seeds,
    Map<String, List<Object>> hyperparameters,
    RandomSpec random,
    String output) {

  /** Most runs (configurations times seeds) one sweep may make. */
  public static final int MAX_RUNS = 10_000;

  /** Validates what can be checked without the experiment, and fills defaults. */
  public SweepSpec {
    FieldException.require(
        experiment != null && !experiment.isBlank(),
        "experiment",
        "name the experiment file to vary, relative to the sweep file");
    requireAxis(scenarios, "scenarios");
    requireAxis(algorithms, "algorithms");
    requireAxis(seeds, "seeds");
    if (seeds != null) {
      FieldException.require(
          seeds.stream().allMatch(s -> s >= 0), "seeds", "seeds must be >= 0, got " + seeds);
      FieldException.require(
          seeds.size() <= ExperimentSpec.MAX_SEEDS,
          "seeds",
          "at most " + ExperimentSpec.MAX_SEEDS + " seeds, got " + seeds.size());
    }
    hyperparameters = hyperparameters == null ? Map.of() : new LinkedHashMap<>(hyperparameters);
    for (Map.Entry<String, List<Object>> e : hyperparameters.entrySet()) {
      requireAxis(e.getValue(), "hyperparameters." + e.getKey());
    }
    if (output != null && output.isBlank()) {
      output = null;
    }
  }

  private static void requireAxis(List<?> values, String field) {
    if (values == null) {
      return;
    }
    FieldException.require(
        !values.isEmpty(), field, "an empty list runs nothing; give values or leave the key out");
    FieldException.require(
        values.stream().distinct().count() == values.size(),
        field,
        "values must differ, got " + values);
  }

  /**
   * A seeded random search over the grid: {@code samples} configurations (scenario, algorithm,
   * hyper-parameters) drawn without replacement; each trains every seed.
   *
   * @param samples configurations to draw, at least 1 and at most the grid's size
   * @param seed seed of the draw (default 0): the same seed draws the same configurations
   */
  public record RandomSpec(Integer samples, Long seed) {
    /** Validates and fills defaults. */
    public RandomSpec {
      FieldException.require(
          samples != null, "samples", "give the number of configurations to draw");
      FieldException.require(samples >= 1, "samples", "must be at least 1, got " + samples);
      if (seed == null) {
        seed = 0L;
      }
      FieldException.require(seed >= 0, "seed", "must be >= 0, got " + seed);
    }
  }
}
