package org.safeloop.plc.runtime;

import java.util.Map;
import org.safeloop.env.Quality;
import org.safeloop.plc.Tag;
import org.safeloop.plc.TagValue;
import org.safeloop.plc.audit.CycleRecord;
import org.safeloop.plc.plant.PlantFile;

/**
 * What the operator has in force, as one cycle read it: the setpoint in force for each action
 * (where bumpless engagement starts, and how a change by hand shows), whether the loop is in
 * remote, and whether the PLC reports an operator override (OPC UA's Good_LocalOverride).
 *
 * @param inForce the setpoint in force per action, in the policy's order; NaN when the plant file
 *     has no such tag, or it was not read, or read BAD
 * @param remote whether the operator mode tag reads GOOD and the plant file's remote value
 * @param localOverride whether a setpoint or the mode tag carried a local-override status
 */
record OperatorReadings(double[] inForce, boolean remote, boolean localOverride) {

  /**
   * Reads the setpoints in force and the operator mode out of {@code read}, and adds each to the
   * cycle's audit inputs ({@code <action>.in_force}, {@code operator_mode}).
   *
   * @param setpointInForce the tag of each action's setpoint in force, or null, in the policy's
   *     order
   * @param actionNames the policy's action names, in its order
   */
  static OperatorReadings of(
      Map<String, TagValue> read,
      PlantFile plant,
      Tag[] setpointInForce,
      String[] actionNames,
      Map<String, CycleRecord.Input> inputs) {
    double[] inForce = new double[actionNames.length];
    boolean localOverride = false;
    for (int i = 0; i < actionNames.length; i++) {
      inForce[i] = Double.NaN;
      if (setpointInForce[i] != null) {
        TagValue v = read.get(setpointInForce[i].name());
        if (v != null) {
          inForce[i] = v.quality() == Quality.BAD ? Double.NaN : v.value();
          localOverride |= v.isLocalOverride();
          inputs.put(
              actionNames[i] + ".in_force",
              new CycleRecord.Input(v.value(), v.quality(), v.sourceTime()));
        }
      }
    }
    TagValue modeValue = read.get(plant.operatorMode().name());
    boolean remote =
        modeValue != null
            && modeValue.quality() == Quality.GOOD
            && modeValue.value() == plant.remoteValue();
    if (modeValue != null) {
      localOverride |= modeValue.isLocalOverride();
      inputs.put(
          "operator_mode",
          new CycleRecord.Input(modeValue.value(), modeValue.quality(), modeValue.sourceTime()));
    }
    return new OperatorReadings(inForce, remote, localOverride);
  }
}
