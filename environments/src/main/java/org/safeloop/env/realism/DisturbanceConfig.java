package org.safeloop.env.realism;

import java.util.Locale;
import org.safeloop.env.config.FieldException;

/**
 * A disturbance on one model parameter: an offset, zero before {@code start}, that the environment
 * adds to the parameter's value at every control step. Read from YAML with snake_case keys, e.g.
 *
 * <pre>{@code
 * disturbances:
 *   - parameter: Ti
 *     type: step
 *     start: 10
 *     magnitude: 5
 *   - parameter: Caf
 *     type: random_walk
 *     std: 0.01
 *     min: -0.1
 *     max: 0.1
 * }</pre>
 *
 * <p>Types, with {@code t} the time since reset in the model's time unit:
 *
 * <ul>
 *   <li>{@code step}: {@code magnitude} while {@code start <= t < end}, zero after {@code end};
 *   <li>{@code ramp}: {@code rate * (t - start)} from {@code start}, held constant after {@code
 *       end};
 *   <li>{@code random_walk}: a Brownian motion from zero at {@code start} whose variance grows as
 *       {@code std^2 (t - start)}, held constant after {@code end};
 *   <li>{@code sine}: {@code magnitude * sin(2 pi (t - start) / period)} while {@code start <= t <
 *       end}, zero after {@code end}.
 * </ul>
 *
 * <p>The offset is clipped into [{@code min}, {@code max}]; a random walk is clipped as it goes, so
 * it leaves a bound as soon as it turns back. A field that does not apply to the type (e.g. {@code
 * rate} on a step) is rejected, as it is most likely a mistake, and stays null. Immutable and
 * thread-safe.
 *
 * @param parameter name of the model parameter, e.g. {@code Ti}
 * @param type {@code step}, {@code ramp}, {@code random_walk} or {@code sine}; stored in lower case
 * @param start time at which the disturbance begins, in the model's time unit; default 0
 * @param end time after which it stops changing (ramp, random walk) or is removed (step, sine);
 *     default {@code +Infinity}
 * @param magnitude step size or sine amplitude, in the parameter's unit; required for step and sine
 * @param rate ramp slope, in the parameter's unit per time unit; required for ramp
 * @param std random-walk intensity, in the parameter's unit per square root of time unit; required
 *     for random_walk
 * @param period sine period, in the model's time unit; required for sine
 * @param min lower bound on the offset, at most 0; default {@code -Infinity}
 * @param max upper bound on the offset, at least 0; default {@code +Infinity}
 */
public record DisturbanceConfig(
    String parameter,
    String type,
    Double start,
    Double end,
    Double magnitude,
    Double rate,
    Double std,
    Double period,
    Double min,
    Double max) {

  /**
   * Applies defaults and validates every field.
   *
   * @throws FieldException naming the YAML key of the first invalid field
   */
  public DisturbanceConfig {
    FieldException.require(
        parameter != null && !parameter.isBlank(), "parameter", "names the model parameter");
    FieldException.require(type != null, "type", "is required; one of " + DisturbanceType.keys());
    type = type.toLowerCase(Locale.ROOT);
    DisturbanceType kind = DisturbanceType.fromKey(type);
    FieldException.require(
        kind != null, "type", "must be one of " + DisturbanceType.keys() + ", got '" + type + "'");
    start = Fields.nonNegative(start, "start", 0.0);
    end = Fields.finite(end, "end", Double.POSITIVE_INFINITY);
    FieldException.require(
        end > start, "end", "must be later than start (" + start + "), got " + end);
    String what = "a " + type + " disturbance";
    switch (kind) {
      case STEP -> {
        Fields.absent(rate, "rate", what);
        Fields.absent(std, "std", what);
        Fields.absent(period, "period", what);
        magnitude = required(magnitude, "magnitude", what);
      }
      case RAMP -> {
        Fields.absent(magnitude, "magnitude", what);
        Fields.absent(std, "std", what);
        Fields.absent(period, "period", what);
        rate = required(rate, "rate", what);
      }
      case RANDOM_WALK -> {
        Fields.absent(magnitude, "magnitude", what);
        Fields.absent(rate, "rate", what);
        Fields.absent(period, "period", what);
        FieldException.require(std != null, "std", "is required for " + what);
        std = Fields.nonNegative(std, "std", 0.0);
      }
      case SINE -> {
        Fields.absent(rate, "rate", what);
        Fields.absent(std, "std", what);
        magnitude = required(magnitude, "magnitude", what);
        period = required(period, "period", what);
        FieldException.require(period > 0.0, "period", "must be positive, got " + period);
      }
    }
    min = Fields.finite(min, "min", Double.NEGATIVE_INFINITY);
    max = Fields.finite(max, "max", Double.POSITIVE_INFINITY);
    FieldException.require(
        min <= 0.0, "min", "must be at most 0, the offset before the start, got " + min);
    FieldException.require(
        max >= 0.0, "max", "must be at least 0, the offset before the start, got " + max);
    FieldException.require(min < max, "max", "must be greater than min (" + min + ")");
  }

  /** Returns a step of {@code magnitude} on {@code parameter} from {@code start} on. */
  public static DisturbanceConfig step(String parameter, double start, double magnitude) {
    return new DisturbanceConfig(
        parameter, "step", start, null, magnitude, null, null, null, null, null);
  }

  /**
   * Returns a ramp of slope {@code rate} (per time unit) on {@code parameter} from {@code start}.
   */
  public static DisturbanceConfig ramp(String parameter, double start, double rate) {
    return new DisturbanceConfig(
        parameter, "ramp", start, null, null, rate, null, null, null, null);
  }

  /** Returns an unbounded random walk of intensity {@code std} on {@code parameter}. */
  public static DisturbanceConfig randomWalk(String parameter, double start, double std) {
    return new DisturbanceConfig(
        parameter, "random_walk", start, null, null, null, std, null, null, null);
  }

  DisturbanceType kind() {
    return DisturbanceType.fromKey(type);
  }

  private static double required(Double value, String field, String what) {
    FieldException.require(value != null, field, "is required for " + what);
    return Fields.finite(value, field, 0.0);
  }
}
