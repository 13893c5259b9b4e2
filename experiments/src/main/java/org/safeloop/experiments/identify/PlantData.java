package org.safeloop.experiments.identify;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Plant data as recorded, before resampling: a time axis in seconds of process time and, per
 * signal, the values with a flag saying whether each one may be used (good quality, finite). Loaded
 * from a historian export ({@link HistorianCsv}) or a deployment's audit log ({@link
 * AuditLogData}). Immutable.
 *
 * @param source the file it came from, for messages and provenance
 * @param sha256 the SHA-256 of that file
 * @param seconds process time of each row, in seconds from the first row, not decreasing
 * @param start the wall-clock time of the first row, or null when the file gives only offsets
 * @param signals values by signal name (the scenario's state and input names)
 */
public record PlantData(
    String source, String sha256, double[] seconds, Instant start, Map<String, Series> signals) {

  /**
   * One signal's samples, aligned with {@link PlantData#seconds()}.
   *
   * @param values the values in the scenario's units (NaN where the row has none)
   * @param good true where the value may be used: good quality and finite
   */
  public record Series(double[] values, boolean[] good) {
    /** Checks the lengths. */
    public Series {
      if (values.length != good.length) {
        throw new IllegalArgumentException("values and quality flags differ in length");
      }
    }

    /** Returns how many samples may be used. */
    public int goodCount() {
      int n = 0;
      for (boolean g : good) {
        n += g ? 1 : 0;
      }
      return n;
    }
  }

  /** Checks lengths and copies the map. */
  public PlantData {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(seconds, "seconds");
    for (Map.Entry<String, Series> e : signals.entrySet()) {
      if (e.getValue().values().length != seconds.length) {
        throw new IllegalArgumentException(
            source + ": signal " + e.getKey() + " has a different number of rows");
      }
    }
    signals = new LinkedHashMap<>(signals);
  }

  /** Returns the number of rows. */
  public int rows() {
    return seconds.length;
  }
}
