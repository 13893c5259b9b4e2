package org.safeloop.experiments.identify;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.safeloop.env.SignalSpec;
import org.safeloop.env.process.ModelTimeUnit;
import org.safeloop.policy.PolicyBundles;

/**
 * Reads a historian export: a CSV file with a time column and one column per tag.
 *
 * <ul>
 *   <li>Time: the first column, either {@code time_s}, {@code time_min} or {@code time_h} (offsets
 *       in that unit), or {@code time} / {@code timestamp} holding ISO-8601 instants ({@code
 *       2026-12-04T10:15:00Z}; without an offset, UTC). Time must not go backwards.
 *   <li>Signals, by the scenario's names: {@code T}, or with the unit as {@code simulate} writes it
 *       ({@code T_K}); a trajectory's measured column ({@code T_measured_K}) is preferred to its
 *       true state. A column {@code T_<other unit>} is refused: the values would be read in the
 *       wrong unit.
 *   <li>Quality, optional: {@code <signal>_quality} with {@code GOOD}, {@code UNCERTAIN} or {@code
 *       BAD} (only GOOD is used), or an OPC DA quality number (192 and above is good). An empty
 *       cell is a missing sample.
 * </ul>
 */
public final class HistorianCsv {
  private HistorianCsv() {}

  /**
   * Loads {@code file}, keeping the columns of {@code signals}.
   *
   * @param actions the names among {@code signals} that are actions (held by the plant)
   * @throws IllegalArgumentException naming the file and the row, column or tag of a problem
   */
  public static PlantData load(Path file, List<SignalSpec> signals, List<String> actions) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    CSVFormat format =
        CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).setTrim(true).build();
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        CSVParser parser = CSVParser.parse(in, format)) {
      List<String> header = parser.getHeaderNames();
      if (header.isEmpty()) {
        throw new IllegalArgumentException(file + ": no header row");
      }
      // A trajectory written by simulate or evaluate starts with its step number; its inputs of
      // row k acted during the step that ended at row k's time.
      boolean trajectory = header.get(0).equals("step");
      String timeColumn = trajectory && header.size() > 1 ? header.get(1) : header.get(0);
      double timeFactor = timeFactor(file, timeColumn);
      Map<String, String> valueColumn = new LinkedHashMap<>();
      Map<String, String> qualityColumn = new LinkedHashMap<>();
      for (SignalSpec s : signals) {
        valueColumn.put(s.name(), valueColumn(file, header, s));
        String q = header.contains(s.name() + "_quality") ? s.name() + "_quality" : null;
        qualityColumn.put(s.name(), q);
      }
      List<Double> seconds = new ArrayList<>();
      Map<String, List<Double>> values = new LinkedHashMap<>();
      Map<String, List<Boolean>> good = new LinkedHashMap<>();
      for (SignalSpec s : signals) {
        values.put(s.name(), new ArrayList<>());
        good.put(s.name(), new ArrayList<>());
      }
      Instant start = null;
      double firstOffset = Double.NaN;
      double last = Double.NEGATIVE_INFINITY;
      for (CSVRecord r : parser) {
        long line = r.getRecordNumber() + 1; // the header is line 1
        String t = r.get(timeColumn);
        double sec;
        if (Double.isNaN(timeFactor)) {
          Instant at = instant(file, line, timeColumn, t);
          if (start == null) {
            start = at;
          }
          sec = (at.toEpochMilli() - start.toEpochMilli()) / 1000.0;
        } else {
          double offset = number(file, line, timeColumn, t) * timeFactor;
          if (Double.isNaN(offset)) {
            throw new IllegalArgumentException(
                file + ":" + line + ": column " + timeColumn + " is empty");
          }
          if (Double.isNaN(firstOffset)) {
            firstOffset = offset;
          }
          sec = offset - firstOffset;
        }
        if (sec < last) {
          throw new IllegalArgumentException(
              file
                  + ":"
                  + line
                  + ": time goes backwards in column "
                  + timeColumn
                  + " ("
                  + t
                  + " after a later time)");
        }
        last = sec;
        seconds.add(sec);
        for (SignalSpec s : signals) {
          String column = valueColumn.get(s.name());
          double v = number(file, line, column, r.get(column));
          boolean ok = Double.isFinite(v);
          String q = qualityColumn.get(s.name());
          if (q != null) {
            ok &= isGood(file, line, q, r.get(q));
          }
          values.get(s.name()).add(v);
          good.get(s.name()).add(ok);
        }
      }
      if (seconds.isEmpty()) {
        throw new IllegalArgumentException(file + ": no data rows after the header");
      }
      Map<String, PlantData.Series> series = new LinkedHashMap<>();
      for (SignalSpec s : signals) {
        List<Double> v = values.get(s.name());
        List<Boolean> g = good.get(s.name());
        double[] va = new double[v.size()];
        boolean[] ga = new boolean[v.size()];
        for (int i = 0; i < va.length; i++) {
          va[i] = v.get(i);
          ga[i] = g.get(i);
        }
        series.put(s.name(), new PlantData.Series(va, ga));
      }
      if (trajectory) {
        shiftActions(series, actions);
      }
      double[] sa = seconds.stream().mapToDouble(Double::doubleValue).toArray();
      return new PlantData(file.toString(), PolicyBundles.sha256(bytes), sa, start, series);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    } catch (IllegalStateException e) {
      throw new IllegalArgumentException(
          file + ": not a CSV file with a header: " + e.getMessage());
    }
  }

  /** A trajectory's action of row k+1 is the one in force from row k's time on. */
  private static void shiftActions(Map<String, PlantData.Series> series, List<String> actions) {
    for (String a : actions) {
      PlantData.Series s = series.get(a);
      int n = s.values().length;
      double[] v = new double[n];
      boolean[] g = new boolean[n];
      for (int k = 0; k + 1 < n; k++) {
        v[k] = s.values()[k + 1];
        g[k] = s.good()[k + 1];
      }
      v[n - 1] = Double.NaN;
      series.put(a, new PlantData.Series(v, g));
    }
  }

  /** Seconds per unit of the time column, or NaN for ISO instants. */
  private static double timeFactor(Path file, String column) {
    for (ModelTimeUnit u : ModelTimeUnit.values()) {
      if (column.equals("time_" + u.symbol())) {
        return u.toMinutes(1.0) * 60.0;
      }
    }
    if (column.equals("time") || column.equals("timestamp")) {
      return Double.NaN;
    }
    throw new IllegalArgumentException(
        file
            + ": the first column must be the time: 'time_s', 'time_min' or 'time_h' (offsets), or"
            + " 'time' / 'timestamp' (ISO-8601 instants); got '"
            + column
            + "'");
  }

  private static String valueColumn(Path file, List<String> header, SignalSpec s) {
    String withUnit = s.columnName();
    String measured =
        s.unit().isEmpty()
            ? s.name() + "_measured"
            : withUnit.replaceFirst(
                java.util.regex.Pattern.quote(s.name()), s.name() + "_measured");
    for (String candidate : List.of(measured, withUnit, s.name())) {
      if (header.contains(candidate)) {
        return candidate;
      }
    }
    for (String h : header) {
      if (h.startsWith(s.name() + "_")
          && !h.equals(s.name() + "_quality")
          && !h.startsWith(s.name() + "_setpoint")
          && !h.startsWith(s.name() + "_measured_quality")) {
        throw new IllegalArgumentException(
            file
                + ": column '"
                + h
                + "' looks like "
                + s.name()
                + " in another unit; the scenario has "
                + s.name()
                + " in ["
                + s.unit()
                + "] (column '"
                + withUnit
                + "' or '"
                + s.name()
                + "')");
      }
    }
    throw new IllegalArgumentException(
        file
            + ": no column for tag '"
            + s.name()
            + "', which the model needs (give '"
            + s.name()
            + "' or '"
            + withUnit
            + "'); the file has "
            + header);
  }

  private static double number(Path file, long line, String column, String text) {
    if (text == null || text.isEmpty()) {
      return Double.NaN;
    }
    try {
      return Double.parseDouble(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          file + ":" + line + ": column " + column + ": '" + text + "' is not a number");
    }
  }

  private static Instant instant(Path file, long line, String column, String text) {
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      try {
        return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC);
      } catch (DateTimeParseException e2) {
        throw new IllegalArgumentException(
            file
                + ":"
                + line
                + ": column "
                + column
                + ": '"
                + text
                + "' is not an ISO-8601 time (e.g. 2026-12-04T10:15:00Z)");
      }
    }
  }

  private static boolean isGood(Path file, long line, String column, String text) {
    if (text == null || text.isEmpty()) {
      return false;
    }
    switch (text.toUpperCase(Locale.ROOT)) {
      case "GOOD":
        return true;
      case "BAD":
      case "UNCERTAIN":
        return false;
      default:
        try {
          return Double.parseDouble(text) >= 192;
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(
              file
                  + ":"
                  + line
                  + ": column "
                  + column
                  + ": quality '"
                  + text
                  + "' is neither GOOD, UNCERTAIN, BAD nor an OPC DA quality number");
        }
    }
  }
}
