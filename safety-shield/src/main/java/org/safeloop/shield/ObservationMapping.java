package org.safeloop.shield;

import java.util.Arrays;
import org.safeloop.env.Observation;
import org.safeloop.env.Quality;
import org.safeloop.env.SignalSpace;

/**
 * Maps a policy's observations onto a shield's observation space by signal name, refusing a missing
 * signal or one in another unit. The shield's own part of every loop that runs it: the shielded
 * policy and environment in simulation, and the deployment runtime at the plant. Immutable and
 * thread-safe.
 */
public final class ObservationMapping {
  private final int[] source;

  /**
   * Creates the mapping.
   *
   * @param from the policy's observation space
   * @param to the shield's observation space
   * @throws IllegalArgumentException naming a signal the policy lacks or has in another unit
   */
  public ObservationMapping(SignalSpace from, SignalSpace to) {
    source = new int[to.size()];
    for (int j = 0; j < to.size(); j++) {
      String name = to.get(j).name();
      source[j] = from.indexOf(name);
      if (source[j] < 0) {
        throw new IllegalArgumentException(
            "the shield needs signal '"
                + name
                + "', which the policy's observations "
                + from.names()
                + " do not have");
      }
      if (!from.get(source[j]).unit().equals(to.get(j).unit())) {
        throw new IllegalArgumentException(
            "signal '"
                + name
                + "' is in "
                + from.get(source[j]).unit()
                + " for the policy but in "
                + to.get(j).unit()
                + " for the shield");
      }
    }
  }

  /**
   * Returns the shield's snapshot of readings in the policy's order, each with the time it was last
   * confirmed (seconds; {@code -Infinity} when unknown).
   */
  public PlantSnapshot snapshot(
      double[] values, Quality[] qualities, double[] stamps, double time) {
    double[] v = new double[source.length];
    Quality[] q = new Quality[source.length];
    double[] t = new double[source.length];
    for (int j = 0; j < source.length; j++) {
      v[j] = values[source[j]];
      q[j] = qualities[source[j]];
      t[j] = stamps[source[j]];
    }
    return new PlantSnapshot(time, v, q, t);
  }

  /** Returns a snapshot of {@code o} measured at {@code time} seconds (simulation: no ages). */
  PlantSnapshot snapshot(Observation o, double time) {
    double[] values = new double[source.length];
    Quality[] qualities = new Quality[source.length];
    for (int j = 0; j < source.length; j++) {
      values[j] = o.value(source[j]);
      qualities[j] = o.quality(source[j]);
    }
    double[] stamps = new double[source.length];
    Arrays.fill(stamps, time);
    return new PlantSnapshot(time, values, qualities, stamps);
  }
}
