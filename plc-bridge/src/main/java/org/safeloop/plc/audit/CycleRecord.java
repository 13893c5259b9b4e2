package org.safeloop.plc.audit;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.safeloop.env.Quality;

/**
 * What happened in one control cycle: what was read, what the policy proposed, what the shield
 * decided and what the cycle is to write. It is in the log before anything is written: the outcome
 * of the writes follows in a {@link WriteRecord} for the same cycle. Maps are copied and keep the
 * caller's order; values may be NaN or infinite (a dropped-out sensor reads NaN) and are logged as
 * they are.
 *
 * @param timestamp when the cycle started
 * @param cycle the cycle number, counting from 0 or 1 as the runtime chooses
 * @param mode the mode the cycle ran in, e.g. {@code "shadow"}, {@code "advisory"}, {@code
 *     "closed-loop"}
 * @param inputs every signal read, by logical signal name
 * @param proposedAction the policy's proposal per action name, in engineering units
 * @param shield the shield's decision
 * @param writes every number the cycle writes (after this record is logged), by tag name, in
 *     engineering units; empty in shadow mode
 * @param latencyMicros time from the start of the read to the decision (this record), in
 *     microseconds; the writes' time is in the {@link WriteRecord}
 * @param textWrites every text the cycle writes to a string tag (the advisory reason on OPC UA), by
 *     tag name, exactly as the PLC receives it; a tag is in {@code writes} or here, never in both
 */
public record CycleRecord(
    Instant timestamp,
    long cycle,
    String mode,
    Map<String, Input> inputs,
    Map<String, Double> proposedAction,
    ShieldOutcome shield,
    Map<String, Double> writes,
    long latencyMicros,
    Map<String, String> textWrites)
    implements AuditRecord {

  /**
   * One signal as read.
   *
   * @param value the value in engineering units; NaN when the source gave none
   * @param quality the quality as read: the source's, or BAD where the bridge marked it so
   * @param sourceTimestamp when the source measured it; null when the protocol gives none (Modbus)
   * @param note why the bridge marked the quality, e.g. {@code outside the instrument range [0.0,
   *     1.5] mol/m3}; null when it kept the source's
   */
  public record Input(double value, Quality quality, Instant sourceTimestamp, String note) {
    /** Checks the quality is present. */
    public Input {
      Objects.requireNonNull(quality, "quality");
    }

    /**
     * A signal whose quality is the source's.
     *
     * @param value the value in engineering units
     * @param quality the source's quality
     * @param sourceTimestamp when the source measured it, or null
     */
    public Input(double value, Quality quality, Instant sourceTimestamp) {
      this(value, quality, sourceTimestamp, null);
    }
  }

  /**
   * The shield's decision in plain terms.
   *
   * @param finalAction the action to apply per action name, in engineering units
   * @param verdict the verdict's name, e.g. {@code "ACCEPTED"}, {@code "REPAIRED"}, {@code
   *     "FALLBACK"}
   * @param reason the interventions as one sentence for the operator; empty when accepted
   * @param interventionLayers the layers that intervened, e.g. {@code ["RATE_LIMIT"]} (the names of
   *     {@code org.safeloop.shield.Layer}); empty when accepted
   * @param fallback true when the fallback controller's action replaced the proposal
   */
  public record ShieldOutcome(
      Map<String, Double> finalAction,
      String verdict,
      String reason,
      List<String> interventionLayers,
      boolean fallback) {
    /** Checks that nothing is missing and copies the map and the list. */
    public ShieldOutcome {
      finalAction = copy(finalAction, "finalAction");
      Objects.requireNonNull(verdict, "verdict");
      Objects.requireNonNull(reason, "reason");
      interventionLayers = List.copyOf(interventionLayers);
    }
  }

  /** Checks that nothing is missing and copies the maps. */
  public CycleRecord {
    Objects.requireNonNull(timestamp, "timestamp");
    Objects.requireNonNull(mode, "mode");
    inputs = copy(inputs, "inputs");
    proposedAction = copy(proposedAction, "proposedAction");
    Objects.requireNonNull(shield, "shield");
    writes = copy(writes, "writes");
    textWrites = copy(textWrites, "textWrites");
    for (String tag : textWrites.keySet()) {
      if (writes.containsKey(tag)) {
        throw new IllegalArgumentException(
            "tag " + tag + " is in both writes and textWrites; a write is a number or a text");
      }
    }
  }

  /**
   * A cycle record that writes no text.
   *
   * @param timestamp when the cycle started
   * @param cycle the cycle number
   * @param mode the mode the cycle ran in
   * @param inputs every signal read
   * @param proposedAction the policy's proposal per action name
   * @param shield the shield's decision
   * @param writes every number the cycle writes, by tag name
   * @param latencyMicros time from the start of the read to the decision, in microseconds
   */
  public CycleRecord(
      Instant timestamp,
      long cycle,
      String mode,
      Map<String, Input> inputs,
      Map<String, Double> proposedAction,
      ShieldOutcome shield,
      Map<String, Double> writes,
      long latencyMicros) {
    this(timestamp, cycle, mode, inputs, proposedAction, shield, writes, latencyMicros, Map.of());
  }

  /** An unmodifiable copy in the same order; no null keys or values. */
  static <V> Map<String, V> copy(Map<String, V> map, String name) {
    Objects.requireNonNull(map, name);
    LinkedHashMap<String, V> copy = new LinkedHashMap<>(map);
    copy.forEach(
        (key, value) -> {
          Objects.requireNonNull(key, () -> name + " has a null name");
          Objects.requireNonNull(value, () -> name + " has no value for " + key);
        });
    return Collections.unmodifiableMap(copy);
  }
}
