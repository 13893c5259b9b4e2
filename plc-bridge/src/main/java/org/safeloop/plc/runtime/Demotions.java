package org.safeloop.plc.runtime;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.safeloop.plc.Tag;
import org.safeloop.plc.plant.PlantFile;

/**
 * Why closed loop must step back this cycle, judged from what the cycle read and decided: the
 * operator (local/manual, Good_LocalOverride, a setpoint changed by hand since our last write), bad
 * inputs for the plant file's number of consecutive cycles, a degraded shield, an expired approval,
 * or a policy that threw. It keeps what the judgement needs across cycles: the bad-input streak and
 * the setpoints this bridge last wrote. Not thread-safe (used by the cycle's thread only).
 */
final class Demotions {
  private final PlantFile plant;
  private final List<PlantFile.SignalTag> actionTags;
  private final String[] actionNames;
  private final Tag[] setpointInForce;
  private final ClosedLoopAuthority authority;
  private int badStreak;
  private double[] lastWritten;

  /**
   * Rules for one runtime.
   *
   * @param actionTags the setpoint tags the runtime writes, in the policy's order
   * @param actionNames the policy's action names, in its order
   * @param setpointInForce each action's setpoint-in-force tag, or null, in the policy's order
   * @param authority what allows closed loop, for its expiry; or null
   */
  Demotions(
      PlantFile plant,
      List<PlantFile.SignalTag> actionTags,
      String[] actionNames,
      Tag[] setpointInForce,
      ClosedLoopAuthority authority) {
    this.plant = plant;
    this.actionTags = actionTags;
    this.actionNames = actionNames;
    this.setpointInForce = setpointInForce;
    this.authority = authority;
  }

  /** Counts a cycle the shield judged: the streak grows while it finds bad inputs. */
  void judged(List<String> badInputs) {
    badStreak = badInputs.isEmpty() ? 0 : badStreak + 1;
  }

  /** Counts a cycle whose inputs could not be read as one more with bad inputs. */
  void unread() {
    badStreak++;
  }

  /** Notes the setpoints closed loop wrote, to tell a change by hand next cycle. */
  void written(double[] setpoints) {
    lastWritten = setpoints;
  }

  /** Forgets the setpoints written: closed loop stepped back, nothing of ours is to compare. */
  void forgetWritten() {
    lastWritten = null;
  }

  /**
   * Returns why closed loop must step back, or null.
   *
   * @param operator what the operator has in force
   * @param badInputs the shield's verdicts on measurements this cycle
   * @param policyFailure why the policy failed this cycle, or null
   * @param shieldDegraded whether the shield reports itself degraded
   * @param now the cycle's time, for the approval's expiry
   */
  String reason(
      OperatorReadings operator,
      List<String> badInputs,
      String policyFailure,
      boolean shieldDegraded,
      Instant now) {
    if (!operator.remote()) {
      return "operator override: the mode tag says local/manual";
    }
    if (operator.localOverride()) {
      return "operator override: the PLC reports Good_LocalOverride";
    }
    double[] inForce = operator.inForce();
    if (lastWritten != null) {
      for (int i = 0; i < inForce.length; i++) {
        if (setpointInForce[i] != null
            && !sameSetpoint(actionTags.get(i).tag(), inForce[i], lastWritten[i])) {
          return String.format(
              Locale.ROOT,
              "operator override: %s setpoint is %s but we last wrote %s",
              actionNames[i],
              inForce[i],
              lastWritten[i]);
        }
      }
    }
    if (badStreak >= plant.demotion().badInputCycles()) {
      return "bad inputs for " + badStreak + " cycles (the shield's input check): " + badInputs;
    }
    if (shieldDegraded) {
      // The shield alone keeps the fallback window (its file's degraded_when).
      return "shield degraded: it fell back more often than its degraded_when allows over its"
          + " window of recent decisions";
    }
    if (authority != null && !now.isBefore(authority.validUntil())) {
      return "approval expired at " + authority.validUntil();
    }
    if (policyFailure != null) {
      return policyFailure;
    }
    return null;
  }

  /**
   * The cause of a demotion as one word for counting (the metric {@code
   * safeloop_demotions_total{cause}} and the {@code cause} detail of a {@code DEMOTION} event),
   * from the reasons this package writes: {@code communication}, {@code operator_override}, {@code
   * operator_request} (the web view's step back), {@code bad_inputs}, {@code shield_degraded},
   * {@code approval_expired}, {@code policy_failed}, {@code write_refused}, {@code audit_failed},
   * {@code another_writer}; {@code other} for anything else.
   */
  static String cause(String reason) {
    String[][] prefixes = {
      {"communication", "communication"},
      {"operator override", "operator_override"},
      {"operator request", "operator_request"},
      {"bad inputs", "bad_inputs"},
      {"shield degraded", "shield_degraded"},
      {"approval expired", "approval_expired"},
      {"the policy threw", "policy_failed"},
      {"write refused", "write_refused"},
      {"audit log not writable", "audit_failed"},
      {"another writer", "another_writer"}
    };
    for (String[] p : prefixes) {
      if (reason.startsWith(p[0])) {
        return p[1];
      }
    }
    return "other";
  }

  /**
   * Two setpoints are the same when they differ by less than what the tag can carry: half a raw
   * count for integer tags, a float's precision for floating ones.
   */
  private static boolean sameSetpoint(Tag tag, double inForce, double written) {
    if (Double.isNaN(inForce)) {
      return true; // unreadable this cycle: the input checks handle it
    }
    double resolution =
        switch (tag.dataType()) {
          case FLOAT32 -> 1e-6 * Math.max(1.0, Math.abs(written));
          case FLOAT64 -> 1e-12 * Math.max(1.0, Math.abs(written));
          default -> 0.5 * Math.abs(tag.scaling().scale());
        };
    return Math.abs(inForce - written) <= resolution + 1e-12;
  }
}
