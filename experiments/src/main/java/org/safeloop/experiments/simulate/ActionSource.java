package org.safeloop.experiments.simulate;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.safeloop.env.Observation;
import org.safeloop.env.SignalSpace;
import org.safeloop.env.SignalSpec;
import org.safeloop.env.control.Policy;
import org.safeloop.env.process.ModelTimeUnit;

/** Open-loop action sources for {@code safeloop simulate}, each a {@link Policy}. */
public final class ActionSource {
  private ActionSource() {}

  /**
   * Holds every input at a constant value: named ones at the given value, the others at their
   * initial position.
   *
   * @throws IllegalArgumentException if a name is not an input
   */
  public static Policy constant(
      SignalSpace actionSpace, double[] initialInput, Map<String, Double> values) {
    double[] action = initialInput.clone();
    for (Map.Entry<String, Double> e : values.entrySet()) {
      int i = actionSpace.indexOf(e.getKey());
      if (i < 0) {
        throw new IllegalArgumentException(
            "--constant " + e.getKey() + ": not an input; inputs are " + actionSpace.names());
      }
      action[i] = e.getValue();
    }
    return observation -> action.clone();
  }

  /**
   * Reads a schedule from a CSV file: at each step the row with the largest time not after the
   * step's start applies (zero-order hold), and inputs missing from the file stay at their initial
   * position. Two layouts:
   *
   * <ul>
   *   <li>a schedule: first column {@code time} (in the model's time unit) or {@code time_s},
   *       {@code time_min}, {@code time_h}; every other column an input, by name ({@code Tc}) or
   *       with its unit as {@code simulate} writes it ({@code Tc_K});
   *   <li>a trajectory written by {@code simulate} (first column {@code step}): the inputs of row
   *       {@code k} act during step {@code k}, so the file replays as it was recorded; its other
   *       columns (states, measurements, rewards) are ignored.
   * </ul>
   *
   * @param timeUnit the model's time unit (schedule times are converted to it)
   * @throws IllegalArgumentException naming the file, line and column of a problem
   */
  public static Policy schedule(
      Path file,
      SignalSpace actionSpace,
      double[] initialInput,
      double controlInterval,
      ModelTimeUnit timeUnit) {
    List<double[]> rows = new ArrayList<>();
    List<Double> times = new ArrayList<>();
    try (Reader reader = Files.newBufferedReader(file);
        CSVParser parser =
            CSVFormat.DEFAULT
                .builder()
                .setHeader()
                .setSkipHeaderRecord(true)
                .setTrim(true)
                .setCommentMarker('#')
                .get()
                .parse(reader)) {
      List<String> header = parser.getHeaderNames();
      boolean trajectory = !header.isEmpty() && header.get(0).equals("step");
      double toModelUnit = trajectory ? 1.0 : timeFactor(file, header, timeUnit);
      int[] column = new int[header.size()];
      for (int c = 1; c < header.size(); c++) {
        column[c] = inputIndex(actionSpace, header.get(c));
        if (column[c] < 0 && !trajectory) {
          throw new IllegalArgumentException(
              file
                  + ":1: column '"
                  + header.get(c)
                  + "' is not an input; inputs are "
                  + actionSpace.names()
                  + " (or with their unit: "
                  + actionSpace.signals().stream().map(SignalSpec::columnName).toList()
                  + ")");
        }
      }
      if (trajectory && Arrays.stream(column, 1, column.length).allMatch(i -> i < 0)) {
        throw new IllegalArgumentException(
            file + ":1: the trajectory has no column of the inputs " + actionSpace.names());
      }
      double[] current = initialInput.clone();
      double lastTime = Double.NEGATIVE_INFINITY;
      for (CSVRecord record : parser) {
        long line = parser.getCurrentLineNumber();
        double time =
            trajectory
                ? (number(file, line, "step", record.get(0)) - 1) * controlInterval
                : number(file, line, header.get(0), record.get(0)) * toModelUnit;
        if (time < lastTime) {
          throw new IllegalArgumentException(
              file
                  + ":"
                  + line
                  + ": times must not decrease ("
                  + time
                  + " after "
                  + lastTime
                  + ")");
        }
        lastTime = time;
        double[] row = current.clone();
        for (int c = 1; c < header.size() && c < record.size(); c++) {
          if (column[c] >= 0 && !record.get(c).isEmpty()) {
            row[column[c]] = number(file, line, header.get(c), record.get(c));
          }
        }
        current = row;
        times.add(time);
        rows.add(row);
      }
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": cannot read: " + e.getMessage(), e);
    }
    if (rows.isEmpty()) {
      throw new IllegalArgumentException(file + ": no rows after the header");
    }
    return new SchedulePolicy(times, rows, initialInput, controlInterval);
  }

  private static double number(Path file, long line, String column, String text) {
    try {
      double v = Double.parseDouble(text);
      if (!Double.isFinite(v)) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          file
              + ":"
              + line
              + ": column '"
              + column
              + "': expected a finite number, got '"
              + text
              + "'");
    }
  }

  /** The factor from the schedule's time column to the model's unit, or a refusal. */
  private static double timeFactor(Path file, List<String> header, ModelTimeUnit model) {
    String first = header.isEmpty() ? "" : header.get(0);
    if (first.equals("time")) {
      return 1.0;
    }
    for (ModelTimeUnit u : ModelTimeUnit.values()) {
      if (first.equals("time_" + u.symbol())) {
        return u.toMinutes(1.0) / model.toMinutes(1.0);
      }
    }
    throw new IllegalArgumentException(
        file
            + ":1: the first column must be 'time' (in the model's unit, "
            + model.symbol()
            + "), 'time_s', 'time_min' or 'time_h', or 'step' for a trajectory written by"
            + " simulate; got '"
            + first
            + "'");
  }

  /** An input by name or by its column name with the unit ({@code Tc_K}); -1 when none. */
  private static int inputIndex(SignalSpace actions, String column) {
    int i = actions.indexOf(column);
    if (i >= 0) {
      return i;
    }
    for (int k = 0; k < actions.size(); k++) {
      if (actions.get(k).columnName().equals(column)) {
        return k;
      }
    }
    return -1;
  }

  private static final class SchedulePolicy implements Policy {
    private final double[] times;
    private final List<double[]> rows;
    private final double[] initialInput;
    private final double controlInterval;
    private int step;

    SchedulePolicy(
        List<Double> times, List<double[]> rows, double[] initialInput, double controlInterval) {
      this.times = times.stream().mapToDouble(Double::doubleValue).toArray();
      this.rows = rows;
      this.initialInput = initialInput.clone();
      this.controlInterval = controlInterval;
    }

    @Override
    public double[] act(Observation observation) {
      double t = step * controlInterval;
      step++;
      // Largest row time not after t, with a tolerance for rounding of t = k dt.
      int index = Arrays.binarySearch(times, t + 1e-9 * Math.max(1.0, Math.abs(t)));
      index = index >= 0 ? index : -index - 2;
      while (index + 1 < times.length && times[index + 1] <= t + 1e-9 * Math.max(1.0, t)) {
        index++;
      }
      return index < 0 ? initialInput.clone() : rows.get(index).clone();
    }

    @Override
    public void reset() {
      step = 0;
    }
  }
}
