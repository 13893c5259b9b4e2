package org.safeloop.plc.runtime;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.safeloop.env.Quality;
import org.safeloop.plc.TagValue;
import org.safeloop.plc.audit.CycleRecord;
import org.safeloop.plc.plant.PlantFile;

/**
 * The policy's observations as one cycle read them. A reading that is missing, not of GOOD quality,
 * not a number, outside its tag's instrument range or stale (the PLC last confirmed it longer ago
 * than the tag's {@code stale_after_ms}) counts as BAD, with the reason in {@link #problems}; the
 * shield then sees it as BAD. Ages count from the time the PLC last confirmed the value, not its
 * on-change source timestamp; a tag whose stale check is off is as fresh as the cycle, for the
 * shield too.
 *
 * @param values the values, in the policy's observation order (NaN when missing)
 * @param qualities their qualities after these checks
 * @param stamps when each value was last confirmed, epoch seconds ({@code -Infinity} when unknown)
 * @param problems one phrase per bad reading, e.g. {@code T stale (12.0 s old)}
 * @param inputs the audit record of each reading (the source timestamp kept), in order; the runtime
 *     adds the setpoints in force and the operator mode to it
 */
record InputReadings(
    double[] values,
    Quality[] qualities,
    double[] stamps,
    List<String> problems,
    Map<String, CycleRecord.Input> inputs) {

  /** Checks each observation tag's reading in {@code read} at {@code now}. */
  static InputReadings of(
      List<PlantFile.SignalTag> observationTags, Map<String, TagValue> read, Instant now) {
    int n = observationTags.size();
    double[] values = new double[n];
    Quality[] qualities = new Quality[n];
    double[] stamps = new double[n];
    Map<String, CycleRecord.Input> inputs = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    double nowSeconds = seconds(now);
    for (int i = 0; i < n; i++) {
      PlantFile.SignalTag st = observationTags.get(i);
      double staleSeconds = st.staleAfterSeconds();
      TagValue v = read.get(st.tag().name());
      double value = v == null ? Double.NaN : v.value();
      Quality q = v == null ? Quality.BAD : v.quality();
      double stamp =
          v == null
              ? Double.NaN
              : Double.isInfinite(staleSeconds) ? nowSeconds : seconds(v.confirmedTime());
      String problem = null;
      if (v == null) {
        problem = "missing";
      } else if (q != Quality.GOOD) {
        problem = "quality " + q;
      } else if (!Double.isFinite(value)) {
        problem = "not a number";
      } else if (value < st.rangeLow() || value > st.rangeHigh()) {
        problem = "outside its instrument range";
      } else if (nowSeconds - stamp > staleSeconds) {
        problem = String.format(Locale.ROOT, "stale (%.1f s old)", nowSeconds - stamp);
      }
      if (problem != null) {
        problems.add(st.signal() + " " + problem);
        q = Quality.BAD;
      }
      values[i] = value;
      qualities[i] = q;
      stamps[i] = Double.isFinite(stamp) ? stamp : Double.NEGATIVE_INFINITY;
      inputs.put(st.signal(), new CycleRecord.Input(value, q, v == null ? null : v.sourceTime()));
    }
    return new InputReadings(values, qualities, stamps, problems, inputs);
  }

  static double seconds(Instant t) {
    return t.getEpochSecond() + t.getNano() * 1e-9;
  }
}
