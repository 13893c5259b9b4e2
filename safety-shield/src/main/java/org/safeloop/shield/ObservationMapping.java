package org.safeloop.shield;

import java.util.Arrays;
import org.safeloop.env.Observation;
import org.safeloop.env.Quality;
import org.safeloop.env.SignalSpace;

/** Maps an environment's observations onto a shield's observation space by signal name. */
final class ObservationMapping {
  private final int[] source;

  ObservationMapping(SignalSpace from, SignalSpace to) {
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

  /** Returns a snapshot of {@code o} measured at {@code time} seconds. */
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
