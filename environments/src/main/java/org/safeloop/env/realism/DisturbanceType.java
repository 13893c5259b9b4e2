package org.safeloop.env.realism;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The shape of a disturbance, spelled in files as its {@link #key()}. */
enum DisturbanceType {
  STEP("step"),
  RAMP("ramp"),
  RANDOM_WALK("random_walk"),
  SINE("sine");

  private final String key;

  DisturbanceType(String key) {
    this.key = key;
  }

  String key() {
    return key;
  }

  /** Returns the type spelled {@code key}, or null when there is none. */
  static DisturbanceType fromKey(String key) {
    for (DisturbanceType t : values()) {
      if (t.key.equals(key)) {
        return t;
      }
    }
    return null;
  }

  static String keys() {
    return Arrays.stream(values()).map(DisturbanceType::key).collect(Collectors.joining(", "));
  }
}
