package org.safeloop.plc.runtime;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.safeloop.env.SignalSpace;
import org.safeloop.env.observation.ObservationDesign;
import org.safeloop.plc.audit.AuditLog;
import org.safeloop.plc.audit.EventKind;
import org.safeloop.plc.audit.EventRecord;
import org.safeloop.plc.plant.PlantFile;
import org.safeloop.policy.PolicyBundle;
import org.safeloop.shield.SafetyShield;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a deployment checks and records before its first cycle: that the bridge can compute every
 * observation the policy reads and that the shield judges each of them, and the start event (or a
 * refused start) on the disk. Stateless.
 */
final class DeploymentStart {
  private static final Logger LOG = LoggerFactory.getLogger(DeploymentStart.class);

  private DeploymentStart() {}

  /** See {@link DeploymentRuntime#requireMeasuredObservations}. */
  static void requireMeasuredObservations(PolicyBundle bundle, String policyName) {
    ObservationDesign design;
    try {
      design = bundle.observationDesign();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(policyName + ": " + e.getMessage(), e);
    }
    if (design != null && design.previewSteps() > 0) {
      throw new IllegalArgumentException(
          policyName
              + " reads a set-point preview ("
              + design.previewSteps()
              + " steps); the bridge reads the set point in force from the plant's tags, not the"
              + " schedule ahead, so it refuses this bundle rather than act on a schedule it does"
              + " not know. Deploy a policy trained without `observation.preview`.");
    }
  }

  /**
   * Refuses a policy observation the shield does not read: the shield alone judges the inputs, so
   * one it never sees would reach the policy unjudged.
   */
  static void requireJudged(SignalSpace observations, SafetyShield shield) {
    List<String> unjudged = new ArrayList<>();
    for (String name : observations.names()) {
      if (shield.observationSpace().indexOf(name) < 0) {
        unjudged.add(name);
      }
    }
    if (!unjudged.isEmpty()) {
      throw new IllegalArgumentException(
          "the policy reads "
              + unjudged
              + ", which shield "
              + shield.name()
              + " does not read ("
              + shield.observationSpace().names()
              + "); the shield alone judges whether an input is fit to act on, so every input of"
              + " the policy must be one of its signals: use a shield whose model measures them");
    }
  }

  /** See {@link DeploymentRuntime#refuseStart}. */
  static IllegalStateException refuseStart(
      AuditLog audit, PlantFile plant, Mode requested, String refusal, Clock clock) {
    recordStart(audit, plant, requested, clock);
    try {
      audit.append(new EventRecord(clock.instant(), EventKind.APPROVAL_REFUSED, refusal));
    } catch (RuntimeException e) {
      LOG.error("cannot record the refusal in audit log {}", audit.file(), e);
    }
    return new IllegalStateException("closed loop refused: " + refusal);
  }

  /**
   * Writes the start event and forces it to the disk: a deployment whose decisions cannot be
   * recorded must not start.
   *
   * @throws IllegalStateException when the audit log cannot be written
   */
  static void recordStart(AuditLog audit, PlantFile plant, Mode requested, Clock clock) {
    try {
      audit.append(
          new EventRecord(
              clock.instant(),
              EventKind.STARTED,
              "deployment of " + plant.name() + " requested in " + requested.label(),
              Map.of(
                  "plant",
                  plant.file().toString(),
                  "instance",
                  audit.instance(),
                  "cycle_period_ms",
                  Long.toString(plant.cyclePeriod().toMillis()),
                  "time_scale",
                  Double.toString(plant.timeScale()))));
      audit.sync();
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "refusing to start: the audit log "
              + audit.file()
              + " cannot be written ("
              + e.getMessage()
              + "); a deployment that cannot record its decisions must not run",
          e);
    }
  }
}
