package org.safeloop.plc.runtime;

import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.safeloop.env.Quality;
import org.safeloop.plc.Tag;
import org.safeloop.plc.TagValue;

/**
 * The heartbeat counter the runtime writes each cycle, so that the PLC can shed to local control
 * when the agent stops, and what reading it back tells: when the heartbeat tag no longer reads what
 * this bridge last wrote, another program writes to the plant (two bridges on one plant, say). Not
 * thread-safe (used by the cycle's thread only).
 */
final class Heartbeat {
  private final Tag tag;
  private final Consumer<String> onAnotherWriter;
  private long count;
  // The heartbeat the PLC last acknowledged from this bridge; NaN when it has none in force.
  private double written = Double.NaN;
  private boolean anotherWriterFlagged;

  /**
   * A heartbeat from zero.
   *
   * @param tag the plant file's heartbeat tag, or null when it has none
   * @param onAnotherWriter told why, once per episode of another writer, to record it
   */
  Heartbeat(Tag tag, Consumer<String> onAnotherWriter) {
    this.tag = tag;
    this.onAnotherWriter = onAnotherWriter;
  }

  /** Counts one more cycle that writes, modulo 65536, and returns the count. */
  long next() {
    count = (count + 1) % 65536;
    return count;
  }

  /** Returns the count written last. */
  long count() {
    return count;
  }

  /**
   * Notes how the cycle's write went: the PLC holds the count only after a write that succeeded.
   */
  void writeEnded(boolean succeeded) {
    written = succeeded && tag != null ? count : Double.NaN;
  }

  /**
   * Forgets the count in force: nothing this bridge wrote is in force any more (shadow mode, or a
   * PLC that may have restarted with its registers reset).
   */
  void forget() {
    written = Double.NaN;
  }

  /**
   * Returns why another program seems to write to this plant, or null: the heartbeat tag no longer
   * reads what this bridge last wrote to it. Flagged in the audit log once per episode.
   */
  String anotherWriter(Map<String, TagValue> read) {
    if (tag == null || Double.isNaN(written)) {
      return null;
    }
    TagValue value = read.get(tag.name());
    if (value == null
        || value.quality() != Quality.GOOD
        || Math.abs(value.value() - written) <= 0.5) {
      anotherWriterFlagged = false;
      return null;
    }
    String why =
        String.format(
            Locale.ROOT,
            "another writer on the plant: the heartbeat tag %s reads %.0f, but this bridge last"
                + " wrote %.0f (a second bridge or program writes to this PLC)",
            tag.name(),
            value.value(),
            written);
    if (!anotherWriterFlagged) {
      anotherWriterFlagged = true;
      onAnotherWriter.accept(why);
    }
    return why;
  }
}
