package org.safeloop.plc.runtime;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.safeloop.env.Quality;
import org.safeloop.plc.TagValue;
import org.safeloop.plc.audit.CycleRecord;
import org.safeloop.plc.plant.PlantFile;

/**
 * The policy's observations as one cycle read them, for the shield to judge: each reading's value,
 * quality and the time the PLC last confirmed it. Reading marks quality and decides nothing: a
 * reading missing from the answer, and a value outside its tag's instrument range (which a working
 * transmitter cannot report: a broken one, or a wrong scaling), read as BAD, with a note for the
 * audit log saying why; the protocol's own quality (an OPC UA status) is kept as it came, its
 * status code noted. Whether an input is fit to act on (its quality, a non-finite value, the
 * shield's own range, its age, a frozen transmitter) is the shield's decision alone ({@code
 * LayeredShield}'s input validity).
 *
 * <p>Times are the shield's: the snapshot time is when the read returned, and each reading's stamp
 * lies its age in process time before it (the wall-clock age times the plant file's {@code
 * time_scale}), so that the shield's {@code max_age_s} means the same on a test bench running
 * faster than real time as on the plant.
 *
 * @param values the values, in the policy's observation order (NaN when missing)
 * @param qualities their qualities as read and marked
 * @param stamps when each value was last confirmed, in seconds on the shield's time ({@code
 *     -Infinity} when unknown)
 * @param time the snapshot's time, in the same seconds
 * @param inputs the audit record of each reading (the source timestamp kept), in order; the runtime
 *     adds the setpoints in force and the operator mode to it
 */
record InputReadings(
    double[] values,
    Quality[] qualities,
    double[] stamps,
    double time,
    Map<String, CycleRecord.Input> inputs) {

  /**
   * Reads each observation tag's value out of {@code read}.
   *
   * @param observationTags the policy's observation tags, in its order
   * @param read the values of one read request
   * @param readAt when the read returned
   * @param timeScale process time per wall time (the plant file's {@code time_scale})
   */
  static InputReadings of(
      List<PlantFile.SignalTag> observationTags,
      Map<String, TagValue> read,
      Instant readAt,
      double timeScale) {
    int n = observationTags.size();
    double[] values = new double[n];
    Quality[] qualities = new Quality[n];
    double[] stamps = new double[n];
    Map<String, CycleRecord.Input> inputs = new LinkedHashMap<>();
    double time = seconds(readAt);
    for (int i = 0; i < n; i++) {
      PlantFile.SignalTag st = observationTags.get(i);
      TagValue v = read.get(st.tag().name());
      if (v == null) {
        values[i] = Double.NaN;
        qualities[i] = Quality.BAD;
        stamps[i] = Double.NEGATIVE_INFINITY;
        inputs.put(
            st.signal(),
            new CycleRecord.Input(Double.NaN, Quality.BAD, null, "missing from the PLC's answer"));
        continue;
      }
      values[i] = v.value();
      qualities[i] = v.quality();
      String note = null;
      if (v.quality() != Quality.GOOD && v.statusCode() != 0) {
        // The server's own word on why (an OPC UA StatusCode, e.g. 0x808C0000 Bad_SensorFailure).
        note = String.format(Locale.ROOT, "status 0x%08X from the PLC", v.statusCode());
      }
      if (v.value() < st.rangeLow() || v.value() > st.rangeHigh()) {
        qualities[i] = Quality.BAD;
        note =
            String.format(
                Locale.ROOT,
                "outside the instrument range [%s, %s] %s",
                st.rangeLow(),
                st.rangeHigh(),
                st.tag().unit());
      }
      double ageSeconds = time - seconds(v.confirmedTime());
      stamps[i] = time - ageSeconds * timeScale;
      inputs.put(st.signal(), new CycleRecord.Input(v.value(), qualities[i], v.sourceTime(), note));
    }
    return new InputReadings(values, qualities, stamps, time, inputs);
  }

  static double seconds(Instant t) {
    return t.getEpochSecond() + t.getNano() * 1e-9;
  }
}
