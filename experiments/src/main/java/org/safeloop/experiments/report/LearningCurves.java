package org.safeloop.experiments.report;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.safeloop.experiments.evaluate.Stats;
import org.safeloop.experiments.run.MetricsLog;

/**
 * Learning curves from training runs: reads the episode rows of a run's {@code metrics.csv} and
 * puts several seeds on one grid of environment steps, so that a curve is the median over seeds
 * with the spread (minimum and maximum) over seeds around it. Thread-safe (stateless).
 */
final class LearningCurves {
  /**
   * One figure of every finished training episode of one run.
   *
   * @param envSteps environment steps when each episode finished
   * @param values the figure of each episode (e.g. its return)
   */
  record Episodes(long[] envSteps, double[] values) {
    /** Copies the arrays and checks they pair up. */
    Episodes {
      if (envSteps.length != values.length) {
        throw new IllegalArgumentException(
            envSteps.length + " step counts for " + values.length + " values");
      }
      envSteps = envSteps.clone();
      values = values.clone();
    }

    /** Returns how many episodes there are. */
    int size() {
      return values.length;
    }
  }

  /**
   * One point of a curve: a bin of the step grid.
   *
   * @param envSteps the bin's centre in environment steps
   * @param median median over seeds of each seed's mean value in the bin
   * @param min smallest seed mean in the bin
   * @param max largest seed mean in the bin
   * @param seeds how many seeds have an episode in the bin
   */
  record Point(double envSteps, double median, double min, double max, int seeds) {}

  private LearningCurves() {}

  /**
   * Reads column {@code column} (one of {@link MetricsLog#COLUMNS}) of the episode rows of a {@code
   * metrics.csv}; rows whose cell is empty are skipped.
   *
   * @throws IllegalArgumentException naming the file when it is unreadable or lacks the column
   */
  static Episodes read(Path metricsCsv, String column) {
    if (!MetricsLog.COLUMNS.contains(column)) {
      throw new IllegalArgumentException(
          "no metrics column '" + column + "'; known: " + MetricsLog.COLUMNS);
    }
    List<Long> steps = new ArrayList<>();
    List<Double> values = new ArrayList<>();
    CSVFormat format = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get();
    try (Reader in = Files.newBufferedReader(metricsCsv, StandardCharsets.UTF_8);
        CSVParser parser = format.parse(in)) {
      for (CSVRecord row : parser) {
        if (!row.isConsistent() || !row.get("kind").equals("episode")) {
          continue; // a line cut short by a crash is not an episode
        }
        String cell = row.get(column);
        if (cell.isEmpty()) {
          continue;
        }
        steps.add(Long.parseLong(row.get("env_steps")));
        values.add(Double.parseDouble(cell));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + metricsCsv, e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(metricsCsv + ": not a metrics file (" + e + ")", e);
    }
    return new Episodes(
        steps.stream().mapToLong(Long::longValue).toArray(),
        values.stream().mapToDouble(Double::doubleValue).toArray());
  }

  /**
   * Bins the episodes of several seeds on a common grid: {@code bins} equal bins over {@code (0,
   * budget]} environment steps, an episode falling in the bin where it finished (episodes past the
   * budget in the last). Each seed contributes the mean of its episodes in a bin; the point is the
   * median, minimum and maximum of those means. Bins where no seed finished an episode are left
   * out, so the curve joins its neighbours.
   *
   * @param seeds one series per seed
   * @param budget the training budget in environment steps, at least 1
   * @param bins number of bins, at least 1
   * @return the points in step order
   */
  static List<Point> bin(List<Episodes> seeds, long budget, int bins) {
    if (budget < 1 || bins < 1) {
      throw new IllegalArgumentException(
          "need a budget and a bin count of at least 1, got " + budget + " and " + bins);
    }
    double width = (double) budget / bins;
    List<Point> points = new ArrayList<>();
    double[][] sums = new double[seeds.size()][bins];
    int[][] counts = new int[seeds.size()][bins];
    for (int s = 0; s < seeds.size(); s++) {
      Episodes e = seeds.get(s);
      for (int i = 0; i < e.size(); i++) {
        int b = (int) Math.ceil(e.envSteps[i] / width) - 1;
        b = Math.max(0, Math.min(bins - 1, b));
        sums[s][b] += e.values[i];
        counts[s][b]++;
      }
    }
    for (int b = 0; b < bins; b++) {
      List<Double> means = new ArrayList<>();
      for (int s = 0; s < seeds.size(); s++) {
        if (counts[s][b] > 0) {
          means.add(sums[s][b] / counts[s][b]);
        }
      }
      if (means.isEmpty()) {
        continue;
      }
      double[] m = means.stream().mapToDouble(Double::doubleValue).toArray();
      points.add(
          new Point(
              (b + 0.5) * width,
              Stats.median(m),
              Stats.quantile(m, 0),
              Stats.quantile(m, 1),
              m.length));
    }
    return List.copyOf(points);
  }

  /**
   * Returns a bin count for these seeds: {@code maxBins}, but no more than the fewest episodes any
   * seed finished, so that most bins hold an episode of every seed.
   */
  static int binCount(List<Episodes> seeds, int maxBins) {
    int fewest = seeds.stream().mapToInt(Episodes::size).min().orElse(1);
    return Math.max(1, Math.min(maxBins, fewest));
  }
}
