package org.safeloop.experiments.report;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * One recorded closed-loop episode as written by {@code simulate.EpisodeRecorder}: a column per
 * signal, named with its unit (e.g. {@code T_K}), one row per control step. Immutable.
 */
final class Trajectory {
  private final Path file;
  private final Map<String, List<String>> columns;
  private final int rows;

  private Trajectory(Path file, Map<String, List<String>> columns, int rows) {
    this.file = file;
    this.columns = columns;
    this.rows = rows;
  }

  /**
   * Reads an episode CSV.
   *
   * @throws IllegalArgumentException naming the file when it is unreadable or has no rows
   */
  static Trajectory read(Path csv) {
    Map<String, List<String>> columns = new LinkedHashMap<>();
    int rows = 0;
    CSVFormat format = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get();
    try (Reader in = Files.newBufferedReader(csv, StandardCharsets.UTF_8);
        CSVParser parser = format.parse(in)) {
      for (String name : parser.getHeaderNames()) {
        columns.put(name, new ArrayList<>());
      }
      for (CSVRecord row : parser) {
        for (Map.Entry<String, List<String>> c : columns.entrySet()) {
          c.getValue().add(row.isSet(c.getKey()) ? row.get(c.getKey()) : "");
        }
        rows++;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + csv, e);
    }
    if (rows == 0) {
      throw new IllegalArgumentException(csv + ": the episode has no steps");
    }
    return new Trajectory(csv, columns, rows);
  }

  /** Returns the number of control steps. */
  int rows() {
    return rows;
  }

  /** Returns true when the episode has column {@code name}. */
  boolean has(String name) {
    return columns.containsKey(name);
  }

  /**
   * Returns a numeric column; empty cells are NaN.
   *
   * @throws IllegalArgumentException naming the file when the column is missing or not numeric
   */
  double[] numbers(String name) {
    List<String> cells = text(name);
    double[] out = new double[cells.size()];
    for (int i = 0; i < out.length; i++) {
      String cell = cells.get(i);
      try {
        out[i] = cell.isEmpty() ? Double.NaN : Double.parseDouble(cell);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            file + ": column " + name + " row " + (i + 1) + " is not a number: " + cell, e);
      }
    }
    return out;
  }

  /**
   * Returns a column as text.
   *
   * @throws IllegalArgumentException naming the file when the column is missing
   */
  List<String> text(String name) {
    List<String> cells = columns.get(name);
    if (cells == null) {
      throw new IllegalArgumentException(
          file + ": no column " + name + "; it has " + columns.keySet());
    }
    return List.copyOf(cells);
  }

  /**
   * Returns the time in minutes at the end of each step ({@code time_min}), the instant the
   * recorded state belongs to.
   */
  double[] endMinutes() {
    return numbers("time_min");
  }

  /**
   * Returns the time in minutes at the start of each step, from which the step's input is held
   * (zero-order hold), followed by the end of the last step: one entry more than {@link #rows()}.
   */
  double[] holdMinutes() {
    double[] end = endMinutes();
    double[] step = numbers("step");
    double dt = end[0] / step[0];
    double[] out = new double[end.length + 1];
    for (int i = 0; i < end.length; i++) {
      out[i] = end[i] - dt;
    }
    out[end.length] = end[end.length - 1];
    return out;
  }
}
