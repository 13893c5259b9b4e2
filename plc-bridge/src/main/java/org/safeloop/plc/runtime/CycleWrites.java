package org.safeloop.plc.runtime;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.safeloop.plc.DataType;
import org.safeloop.plc.Tag;
import org.safeloop.plc.TagWrite;
import org.safeloop.plc.plant.PlantFile;
import org.safeloop.shield.ShieldDecision;

/**
 * What each mode writes to the plant: the tags its writer may touch, and the batch one cycle writes
 * to them. Advisory writes the recommended setpoints, the reason, the timestamp and the heartbeats;
 * closed loop also the setpoints, exactly the shield's decision. Stateless.
 */
final class CycleWrites {
  private final PlantFile plant;
  private final List<PlantFile.SignalTag> actionTags;
  private final String[] actionNames;

  /**
   * The writes of one runtime.
   *
   * @param actionTags the setpoint tags, in the policy's order
   * @param actionNames the policy's action names, in its order
   */
  CycleWrites(PlantFile plant, List<PlantFile.SignalTag> actionTags, String[] actionNames) {
    this.plant = plant;
    this.actionTags = actionTags;
    this.actionNames = actionNames;
  }

  /** Returns the tags a writer in {@code target} mode may write. */
  Set<Tag> allowedIn(Mode target) {
    Set<Tag> allowed = new HashSet<>();
    for (String a : actionNames) {
      if (plant.recommended(a) != null) {
        allowed.add(plant.recommended(a));
      }
    }
    for (Tag t :
        new Tag[] {
          plant.reason(), plant.timestamp(), plant.advisoryHeartbeat(), plant.heartbeat()
        }) {
      if (t != null) {
        allowed.add(t);
      }
    }
    if (target == Mode.CLOSED_LOOP) {
      for (PlantFile.SignalTag t : actionTags) {
        allowed.add(t.tag());
      }
    }
    return allowed;
  }

  /**
   * Returns what one cycle in {@code mode} writes.
   *
   * @param applied the shield's action, in the policy's order
   * @param decision the shield's decision, for the reason tag
   * @param now the cycle's time, for the timestamp tag
   * @param heartbeat the cycle's heartbeat count
   */
  List<TagWrite> batch(
      Mode mode, double[] applied, ShieldDecision decision, Instant now, long heartbeat) {
    List<TagWrite> batch = new ArrayList<>();
    if (mode == Mode.CLOSED_LOOP) {
      for (int i = 0; i < actionTags.size(); i++) {
        batch.add(TagWrite.of(actionTags.get(i).tag(), applied[i]));
      }
    }
    for (int i = 0; i < actionNames.length; i++) {
      Tag t = plant.recommended(actionNames[i]);
      if (t != null) {
        batch.add(TagWrite.of(t, applied[i]));
      }
    }
    if (plant.reason() != null) {
      batch.add(
          plant.reason().dataType() == DataType.STRING
              ? TagWrite.text(plant.reason(), decision.reason())
              : TagWrite.of(plant.reason(), decision.verdict().ordinal()));
    }
    if (plant.timestamp() != null) {
      batch.add(TagWrite.of(plant.timestamp(), (double) now.getEpochSecond()));
    }
    if (plant.advisoryHeartbeat() != null) {
      batch.add(TagWrite.of(plant.advisoryHeartbeat(), heartbeat));
    }
    if (plant.heartbeat() != null) {
      batch.add(TagWrite.of(plant.heartbeat(), heartbeat));
    }
    return batch;
  }
}
