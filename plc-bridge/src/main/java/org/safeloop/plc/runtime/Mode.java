package org.safeloop.plc.runtime;

import java.util.Locale;

/** What a deployed agent may do with the plant, in increasing authority. */
public enum Mode {
  /** Read the plant, compute and log recommendations; no write path exists. */
  SHADOW,
  /** Also write recommendations to the advisory tags an HMI shows; never a setpoint. */
  ADVISORY,
  /** Write setpoints within the shield's decision; needs a valid approval. */
  CLOSED_LOOP;

  /** Returns the command-line and audit-log name, e.g. {@code closed-loop}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /**
   * Returns the mode with this label.
   *
   * @throws IllegalArgumentException listing the labels
   */
  public static Mode of(String label) {
    for (Mode m : values()) {
      if (m.label().equals(label)) {
        return m;
      }
    }
    throw new IllegalArgumentException(
        "unknown mode '" + label + "'; use shadow, advisory or closed-loop");
  }
}
