package org.safeloop.env.realism;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.safeloop.env.config.FieldException;

/**
 * Everything that makes a simulated scenario less than ideal: imperfect sensors, disturbances and
 * parameter uncertainty. Read from YAML with snake_case keys, e.g.
 *
 * <pre>{@code
 * sensors:
 *   T: {noise_std: 0.2, range_min: 300, range_max: 400}
 *   Ca: {noise_std: 0.005, dropout_probability: 0.01}
 * disturbances:
 *   - {parameter: Ti, type: step, start: 10, magnitude: 5}
 * parameter_uncertainty:
 *   UA: {distribution: normal, relative_std: 0.05}
 * }</pre>
 *
 * <p>Absent sections become empty collections. Maps keep the order of the file, so iterating them
 * is deterministic. Immutable and thread-safe.
 *
 * @param sensors sensor imperfections by measured-signal name; signals not listed are perfect
 * @param disturbances disturbances on model parameters, applied together (offsets on the same
 *     parameter add up)
 * @param parameterUncertainty uncertainty by model-parameter name, resampled at every reset
 */
public record RealismConfig(
    Map<String, SensorConfig> sensors,
    List<DisturbanceConfig> disturbances,
    Map<String, UncertaintyConfig> parameterUncertainty) {

  private static final RealismConfig NONE = new RealismConfig(null, null, null);

  /**
   * Replaces absent sections with empty ones, rejects empty entries and copies the collections.
   *
   * @throws FieldException naming the empty entry, e.g. {@code sensors.T}
   */
  public RealismConfig {
    sensors = copy(sensors, "sensors");
    parameterUncertainty = copy(parameterUncertainty, "parameter_uncertainty");
    List<DisturbanceConfig> list = new ArrayList<>();
    if (disturbances != null) {
      for (int i = 0; i < disturbances.size(); i++) {
        DisturbanceConfig d = disturbances.get(i);
        FieldException.require(d != null, "disturbances[" + i + "]", "is empty");
        list.add(d);
      }
    }
    disturbances = Collections.unmodifiableList(list);
  }

  /** Returns an ideal scenario: perfect sensors, no disturbances, nominal parameters. */
  public static RealismConfig none() {
    return NONE;
  }

  /** Returns the sensor configuration of {@code signal}, or a perfect sensor when not listed. */
  public SensorConfig sensor(String signal) {
    return sensors.getOrDefault(signal, SensorConfig.none());
  }

  // Map.copyOf would randomise the iteration order between JVM runs, and with it the seeding.
  private static <V> Map<String, V> copy(Map<String, V> map, String field) {
    Map<String, V> copy = new LinkedHashMap<>();
    if (map != null) {
      for (Map.Entry<String, V> e : map.entrySet()) {
        FieldException.require(e.getValue() != null, field + "." + e.getKey(), "is empty");
        copy.put(e.getKey(), e.getValue());
      }
    }
    return Collections.unmodifiableMap(copy);
  }
}
