package org.safeloop.experiments.identify;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.safeloop.env.Quality;
import org.safeloop.env.SignalSpec;
import org.safeloop.plc.audit.AuditLogReader;
import org.safeloop.plc.audit.AuditRecord;
import org.safeloop.plc.audit.CycleRecord;
import org.safeloop.plc.audit.EventKind;
import org.safeloop.plc.audit.EventRecord;

/**
 * Reads a deployment's audit log (JSON Lines, with its rotated files) as plant data: one row per
 * cycle, the measurements as read, and each action as the plant really had it.
 *
 * <ul>
 *   <li>Time: the cycle's timestamp, turned into process time with the {@code time_scale} of the
 *       deployment's STARTED event (a test bench runs faster than real time); the rows of two
 *       deployments in one log are an hour apart, so that no resampling bridges them.
 *   <li>Measurements: the cycle's inputs by signal name, used when GOOD and finite.
 *   <li>Actions: what acted from this cycle until the next: the value this cycle wrote (closed
 *       loop), else the set point in force read back from the PLC ({@code <action>.in_force}), held
 *       as a PLC holds it. A cycle that has neither has no action (the row is unusable).
 * </ul>
 */
public final class AuditLogData {
  /** Process time put between the rows of two deployments in one log: longer than any gap limit. */
  static final double DEPLOYMENT_GAP_SECONDS = 3600.0;

  private AuditLogData() {}

  /**
   * Loads the log whose active file is {@code file}.
   *
   * @param states the measured states to read
   * @param actions the actions to read
   * @throws IllegalArgumentException naming the file and what is missing
   */
  public static PlantData load(Path file, List<SignalSpec> states, List<SignalSpec> actions) {
    List<AuditRecord> records = AuditLogReader.readAll(file);
    List<CycleRecord> cycles = new ArrayList<>();
    List<Double> seconds = new ArrayList<>();
    double scale = 1.0;
    Instant segmentStart = null;
    double segmentOffset = 0.0;
    double last = 0.0;
    Instant first = null;
    for (AuditRecord r : records) {
      if (r instanceof EventRecord e && e.kind() == EventKind.STARTED) {
        String s = e.details().get("time_scale");
        scale = s == null ? 1.0 : Double.parseDouble(s);
        segmentStart = null;
      } else if (r instanceof CycleRecord c) {
        if (first == null) {
          first = c.timestamp();
        }
        if (segmentStart == null) {
          segmentStart = c.timestamp();
          // The process time between two deployments is unknown: an hour's gap keeps the
          // resampling from bridging it.
          segmentOffset = cycles.isEmpty() ? 0.0 : last + DEPLOYMENT_GAP_SECONDS;
        }
        double sec =
            segmentOffset
                + (c.timestamp().toEpochMilli() - segmentStart.toEpochMilli()) / 1000.0 * scale;
        seconds.add(sec);
        last = sec;
        cycles.add(c);
      }
    }
    if (cycles.isEmpty()) {
      throw new IllegalArgumentException(file + ": the audit log holds no control cycle");
    }
    int n = cycles.size();
    Map<String, PlantData.Series> series = new LinkedHashMap<>();
    for (SignalSpec s : states) {
      double[] v = new double[n];
      boolean[] g = new boolean[n];
      boolean seen = false;
      for (int k = 0; k < n; k++) {
        CycleRecord.Input in = cycles.get(k).inputs().get(s.name());
        v[k] = in == null ? Double.NaN : in.value();
        g[k] = in != null && in.quality() == Quality.GOOD && Double.isFinite(in.value());
        seen |= in != null;
      }
      if (!seen) {
        throw new IllegalArgumentException(
            file
                + ": no cycle reads tag '"
                + s.name()
                + "', which the model needs; the cycles read "
                + cycles.get(0).inputs().keySet());
      }
      series.put(s.name(), new PlantData.Series(v, g));
    }
    for (SignalSpec a : actions) {
      double[] v = new double[n];
      boolean[] g = new boolean[n];
      boolean seen = false;
      for (int k = 0; k < n; k++) {
        CycleRecord.Input inForce = cycles.get(k).inputs().get(a.name() + ".in_force");
        Double written =
            cycles.get(k).writes() == null ? null : cycles.get(k).writes().get(a.name());
        if (written != null && Double.isFinite(written)) {
          v[k] = written;
          g[k] = true;
        } else if (inForce != null
            && inForce.quality() == Quality.GOOD
            && Double.isFinite(inForce.value())) {
          v[k] = inForce.value();
          g[k] = true;
        } else {
          v[k] = Double.NaN;
        }
        seen |= g[k];
      }
      if (!seen) {
        throw new IllegalArgumentException(
            file
                + ": no cycle tells the value of action '"
                + a.name()
                + "' (neither a read-back "
                + a.name()
                + ".in_force nor a write)");
      }
      series.put(a.name(), new PlantData.Series(v, g));
    }
    double[] sa = seconds.stream().mapToDouble(Double::doubleValue).toArray();
    return new PlantData(file.toString(), sha256(AuditLogReader.files(file)), sa, first, series);
  }

  private static String sha256(List<Path> files) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      for (Path f : files) {
        d.update(Files.readAllBytes(f));
      }
      return HexFormat.of().formatHex(d.digest());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the audit log", e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
