package org.safeloop.plc.runtime;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.safeloop.plc.TagWrite;
import org.safeloop.plc.audit.CycleRecord;
import org.safeloop.shield.Intervention;
import org.safeloop.shield.ShieldDecision;
import org.safeloop.shield.Verdict;

/**
 * The audit record of one cycle, as the runtime writes it before anything reaches the plant: the
 * inputs read, the policy's proposal, the shield's decision with its reasons and layers, and the
 * writes planned; or, for a cycle whose read failed, that it had no inputs and why. Stateless.
 */
final class CycleRecords {
  private CycleRecords() {}

  /**
   * The record of a cycle the shield decided.
   *
   * @param actionNames the policy's action names, in its order
   * @param proposed the policy's proposal, or null when it threw
   * @param policyFailure why the policy failed, or null; added to the shield's reason
   * @param batch the writes planned for this cycle
   * @param latencyMicros time since the start of the cycle's read
   */
  static CycleRecord decided(
      Instant now,
      long cycle,
      Mode mode,
      Map<String, CycleRecord.Input> inputs,
      String[] actionNames,
      double[] proposed,
      ShieldDecision decision,
      String policyFailure,
      List<TagWrite> batch,
      long latencyMicros) {
    Map<String, Double> planned = new LinkedHashMap<>();
    Map<String, String> plannedText = new LinkedHashMap<>();
    for (TagWrite w : batch) {
      if (w.isText()) {
        plannedText.put(w.tag().name(), w.text());
      } else {
        planned.put(w.tag().name(), w.value());
      }
    }
    double[] applied = decision.appliedAction();
    Map<String, Double> proposal = new LinkedHashMap<>();
    Map<String, Double> finalAction = new LinkedHashMap<>();
    for (int i = 0; i < actionNames.length; i++) {
      proposal.put(
          actionNames[i], proposed != null && i < proposed.length ? proposed[i] : Double.NaN);
      finalAction.put(actionNames[i], applied[i]);
    }
    List<String> layers = new ArrayList<>();
    for (Intervention i : decision.interventions()) {
      String layer = i.layer().name().toLowerCase(Locale.ROOT);
      if (!layers.contains(layer)) {
        layers.add(layer);
      }
    }
    String reason = decision.reason();
    if (policyFailure != null) {
      reason = (reason.isEmpty() ? "" : reason + "; ") + policyFailure;
    }
    return new CycleRecord(
        now,
        cycle,
        mode.label(),
        inputs,
        proposal,
        new CycleRecord.ShieldOutcome(
            finalAction,
            decision.verdict().name().toLowerCase(Locale.ROOT),
            reason,
            layers,
            decision.verdict() == Verdict.FALLBACK),
        planned,
        latencyMicros,
        plannedText);
  }

  /** The record of a cycle whose inputs could not be read: no decision, and why. */
  static CycleRecord unread(Instant now, long cycle, Mode mode, String why, long latencyMicros) {
    return new CycleRecord(
        now,
        cycle,
        mode.label(),
        Map.of(),
        Map.of(),
        new CycleRecord.ShieldOutcome(Map.of(), "none", "no inputs: " + why, List.of(), false),
        Map.of(),
        latencyMicros);
  }
}
