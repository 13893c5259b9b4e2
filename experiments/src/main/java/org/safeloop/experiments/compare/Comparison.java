package org.safeloop.experiments.compare;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.experiments.config.Experiment;
import org.safeloop.experiments.evaluate.EvaluationSummary;
import org.safeloop.experiments.evaluate.Evaluator;
import org.safeloop.experiments.evaluate.PolicySource;
import org.safeloop.experiments.evaluate.Stats;
import org.safeloop.experiments.run.RunDirectory;
import org.safeloop.experiments.run.RunInfo;

/**
 * Aggregates training runs across seeds and algorithms into one table per scenario, beside
 * baselines evaluated under the same conditions: median evaluation return with its median absolute
 * deviation across seeds, the per-step optimality gap to the NMPC oracle as pc-gym defines it
 * ({@code (median oracle return - median policy return) / episode length}), constraint violations,
 * shield interventions and wall-clock time.
 *
 * <p>Each run's figure is the median return over its evaluation episodes; a learned row's median
 * and MAD are over seeds. A baseline's are over the same evaluation episodes. The oracle always
 * runs noise-free and unshielded (it reads the true state), which is also how pc-gym measures its
 * gap.
 */
public final class Comparison {
  /**
   * One row of the table.
   *
   * @param scenario scenario name
   * @param label algorithm (with {@code +shield} when trained with the shield) or baseline name
   * @param baseline true for a baseline row
   * @param runs number of seeds (runs) for a learned row, 0 for a baseline
   * @param medianReturn median over seeds of each run's median evaluation return (baselines: over
   *     episodes)
   * @param madReturn median absolute deviation across seeds (baselines: across episodes)
   * @param gapPerStep {@code (oracle median - this median) / episode steps}; NaN without an oracle
   * @param violatingSteps evaluation steps with a constraint violated, summed over runs
   * @param failedEpisodes evaluation episodes whose model state became non-finite, summed over
   *     runs; they have no return, so the medians are over the other episodes
   * @param interventionRate median over runs of the evaluation intervention rate
   * @param wallSeconds median training wall-clock seconds per run (0 for baselines)
   * @param runDirs the runs aggregated, for provenance
   * @param seeds their seeds
   * @param configHashes their configuration hashes
   * @param codeVersions their code versions
   */
  public record Row(
      String scenario,
      String label,
      boolean baseline,
      int runs,
      double medianReturn,
      double madReturn,
      double gapPerStep,
      long violatingSteps,
      long failedEpisodes,
      double interventionRate,
      double wallSeconds,
      List<String> runDirs,
      List<Long> seeds,
      List<String> configHashes,
      List<String> codeVersions) {}

  /**
   * A completed run with what compare and report need from it.
   *
   * @param dir run directory
   * @param info its {@code run.json}
   * @param evaluation its {@code eval.json}
   * @param experiment its resolved config
   */
  public record Run(Path dir, RunInfo info, EvaluationSummary evaluation, Experiment experiment) {

    /** Returns the label of its algorithm row. */
    public String label() {
      return info.algorithm() + (info.shielded() ? "+shield" : "");
    }
  }

  private final List<Run> runs;
  private final List<Row> rows;
  private final Map<String, Map<String, EvaluationSummary>> baselines;
  private final List<String> warnings;

  private Comparison(
      List<Run> runs,
      List<Row> rows,
      Map<String, Map<String, EvaluationSummary>> baselines,
      List<String> warnings) {
    this.runs = runs;
    this.rows = rows;
    this.baselines = baselines;
    this.warnings = List.copyOf(warnings);
  }

  /**
   * Reads run directories (or folders holding run directories) and evaluates the baselines.
   *
   * @param paths run directories or folders of them
   * @param baselineNames baselines to evaluate per scenario ({@link PolicySource#BASELINES})
   * @param trajectories folder for the baselines' trajectories, or null
   * @throws IllegalArgumentException when no completed run is found, naming the paths
   */
  public static Comparison of(List<Path> paths, List<String> baselineNames, Path trajectories) {
    for (String b : baselineNames) {
      if (!PolicySource.BASELINES.contains(b)) {
        throw new IllegalArgumentException(
            "unknown baseline '" + b + "'; choose from " + PolicySource.BASELINES);
      }
    }
    List<Run> runs = readRuns(paths);
    Map<String, List<Run>> byScenario = new LinkedHashMap<>();
    for (Run r : runs) {
      byScenario.computeIfAbsent(r.info().scenario(), k -> new ArrayList<>()).add(r);
    }
    List<Row> rows = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    Map<String, Map<String, EvaluationSummary>> baselines = new LinkedHashMap<>();
    for (Map.Entry<String, List<Run>> e : byScenario.entrySet()) {
      List<Run> scenarioRuns = e.getValue();
      Run first = scenarioRuns.get(0);
      Scenario scenario = first.experiment().scenario();
      List<String> conditions =
          scenarioRuns.stream().map(r -> conditions(r.evaluation())).distinct().toList();
      if (conditions.size() > 1) {
        warnings.add(
            e.getKey()
                + ": the runs were evaluated under different conditions "
                + conditions
                + "; the baselines use those of "
                + first.dir().getFileName()
                + ", so the rows are not strictly comparable");
      }
      Map<String, EvaluationSummary> evaluated = new LinkedHashMap<>();
      for (String name : baselineNames) {
        EvaluationSummary evaluation = first.evaluation();
        try {
          PolicySource source = PolicySource.of(name, scenario);
          boolean oracle = source.oracle();
          String shield = oracle ? null : first.experiment().spec().shield();
          evaluated.put(
              name,
              Evaluator.evaluate(
                  scenario,
                  source,
                  new Evaluator.Settings(
                      evaluation.episodes(),
                      evaluation.firstSeed(),
                      !oracle && evaluation.realism(),
                      shield,
                      trajectories == null ? null : trajectories.resolve(e.getKey()))));
        } catch (IllegalStateException ex) {
          // e.g. a scenario without a PID loop: the row is left out, the reason logged in the table
          evaluated.put(name, null);
        }
      }
      baselines.put(e.getKey(), evaluated);
      EvaluationSummary oracle = evaluated.get("oracle");
      double oracleMedian = oracle == null ? Double.NaN : oracle.returnMedian();
      int steps = scenario.episodeSteps();

      Map<String, List<Run>> byLabel = new LinkedHashMap<>();
      for (Run r : scenarioRuns) {
        byLabel.computeIfAbsent(r.label(), k -> new ArrayList<>()).add(r);
      }
      for (Map.Entry<String, List<Run>> g : byLabel.entrySet()) {
        List<Run> group = g.getValue();
        double[] medians = group.stream().mapToDouble(r -> r.evaluation().returnMedian()).toArray();
        double median = Stats.median(medians);
        rows.add(
            new Row(
                e.getKey(),
                g.getKey(),
                false,
                group.size(),
                median,
                Stats.mad(medians),
                (oracleMedian - median) / steps,
                group.stream().mapToLong(r -> r.evaluation().violatingSteps()).sum(),
                group.stream().mapToLong(r -> r.evaluation().failedEpisodes()).sum(),
                Stats.median(
                    group.stream().mapToDouble(r -> r.evaluation().interventionRate()).toArray()),
                Stats.median(group.stream().mapToDouble(r -> r.info().wallSeconds()).toArray()),
                group.stream().map(r -> r.dir().toString()).toList(),
                group.stream().map(r -> r.info().seed()).toList(),
                group.stream().map(r -> r.info().configHash()).distinct().toList(),
                group.stream().map(r -> r.info().codeVersion()).distinct().toList()));
      }
      for (Map.Entry<String, EvaluationSummary> b : evaluated.entrySet()) {
        EvaluationSummary s = b.getValue();
        if (s == null) {
          continue;
        }
        rows.add(
            new Row(
                e.getKey(),
                b.getKey(),
                true,
                0,
                s.returnMedian(),
                s.returnMad(),
                (oracleMedian - s.returnMedian()) / steps,
                s.violatingSteps(),
                s.failedEpisodes(),
                s.interventionRate(),
                0,
                List.of(),
                List.of(),
                List.of(),
                List.of()));
      }
    }
    return new Comparison(runs, List.copyOf(rows), baselines, warnings);
  }

  /** Finds the completed runs under {@code paths}, in name order. */
  public static List<Run> readRuns(List<Path> paths) {
    List<Path> dirs = new ArrayList<>();
    for (Path p : paths) {
      if (RunDirectory.isRun(p)) {
        dirs.add(p);
      } else if (Files.isDirectory(p)) {
        try (Stream<Path> children = Files.list(p)) {
          children.filter(RunDirectory::isRun).sorted().forEach(dirs::add);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot list " + p, e);
        }
      } else {
        throw new IllegalArgumentException(p + ": not a run directory or a folder of runs");
      }
    }
    List<Run> runs = new ArrayList<>();
    for (Path dir : dirs) {
      RunInfo info = RunDirectory.info(dir);
      if (!info.status().equals("completed")
          || !Files.isRegularFile(dir.resolve(RunDirectory.EVAL))) {
        continue;
      }
      runs.add(
          new Run(
              dir,
              info,
              RunDirectory.readJson(dir.resolve(RunDirectory.EVAL), EvaluationSummary.class),
              Experiment.load(dir.resolve(RunDirectory.CONFIG))));
    }
    if (runs.isEmpty()) {
      throw new IllegalArgumentException("no completed runs (with eval.json) under " + paths);
    }
    runs.sort(Comparator.comparing(r -> r.dir().getFileName().toString()));
    return List.copyOf(runs);
  }

  private static String conditions(EvaluationSummary e) {
    return e.episodes()
        + " episodes from seed "
        + e.firstSeed()
        + ", realism "
        + (e.realism() ? "on" : "off")
        + (e.shielded() ? ", shielded" : "");
  }

  /** Returns what makes the table less than comparable (e.g. mixed evaluation conditions). */
  public List<String> warnings() {
    return warnings;
  }

  /** Returns the rows: per scenario, the learned rows then the baselines. */
  public List<Row> rows() {
    return rows;
  }

  /** Returns the runs aggregated. */
  public List<Run> runs() {
    return runs;
  }

  /** Returns the baselines' evaluations per scenario (null where a baseline does not apply). */
  public Map<String, Map<String, EvaluationSummary>> baselines() {
    return baselines;
  }

  /** Returns the table as aligned text for a terminal. */
  public String toText() {
    List<String[]> cells = cells();
    int[] width = new int[cells.get(0).length];
    for (String[] row : cells) {
      for (int c = 0; c < row.length; c++) {
        width[c] = Math.max(width[c], row[c].length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (int r = 0; r < cells.size(); r++) {
      String[] row = cells.get(r);
      for (int c = 0; c < row.length; c++) {
        String format = c < 2 ? "%-" + width[c] + "s" : "%" + width[c] + "s";
        out.append(String.format(Locale.ROOT, format, row[c]));
        out.append(c + 1 < row.length ? "  " : "\n");
      }
    }
    return out.toString();
  }

  /** Returns the table as GitHub Markdown. */
  public String toMarkdown() {
    List<String[]> cells = cells();
    StringBuilder out = new StringBuilder();
    for (int r = 0; r < cells.size(); r++) {
      out.append("| ").append(String.join(" | ", cells.get(r))).append(" |\n");
      if (r == 0) {
        out.append("|").append(" --- |".repeat(cells.get(0).length)).append("\n");
      }
    }
    return out.toString();
  }

  /** Returns the table as CSV (full precision, provenance columns included). */
  public String toCsv() {
    StringBuilder out =
        new StringBuilder(
            "scenario,policy,baseline,runs,median_return,mad_return,gap_per_step,violating_steps,"
                + "failed_episodes,intervention_rate,wall_seconds,seeds,config_hashes,code_versions\n");
    for (Row r : rows) {
      out.append(
          String.join(
              ",",
              r.scenario(),
              r.label(),
              Boolean.toString(r.baseline()),
              Integer.toString(r.runs()),
              Double.toString(r.medianReturn()),
              Double.toString(r.madReturn()),
              Double.toString(r.gapPerStep()),
              Long.toString(r.violatingSteps()),
              Long.toString(r.failedEpisodes()),
              Double.toString(r.interventionRate()),
              Double.toString(r.wallSeconds()),
              quote(r.seeds().toString()),
              quote(String.join(" ", r.configHashes())),
              quote(String.join(" ", r.codeVersions()))));
      out.append('\n');
    }
    return out.toString();
  }

  /** Writes {@code compare.csv} and {@code compare.md} into {@code dir}. */
  public void write(Path dir) {
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("compare.csv"), toCsv());
      Files.writeString(dir.resolve("compare.md"), toMarkdown());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the comparison to " + dir, e);
    }
  }

  private List<String[]> cells() {
    List<String[]> cells = new ArrayList<>();
    cells.add(
        new String[] {
          "scenario",
          "policy",
          "seeds",
          "median return",
          "MAD",
          "gap/step",
          "violating steps",
          "failed episodes",
          "interventions",
          "wall time"
        });
    for (Row r : rows) {
      cells.add(
          new String[] {
            r.scenario(),
            r.label(),
            r.baseline() ? "-" : Integer.toString(r.runs()),
            fmt("%.2f", r.medianReturn()),
            fmt("%.2f", r.madReturn()),
            fmt("%.3f", r.gapPerStep()),
            Long.toString(r.violatingSteps()),
            Long.toString(r.failedEpisodes()),
            fmt("%.1f %%", 100 * r.interventionRate()),
            r.baseline() ? "-" : fmt("%.0f s", r.wallSeconds())
          });
    }
    return cells;
  }

  private static String fmt(String format, double x) {
    return Double.isNaN(x) ? "n/a" : String.format(Locale.ROOT, format, x);
  }

  private static String quote(String s) {
    return "\"" + s.replace("\"", "\"\"") + "\"";
  }
}
