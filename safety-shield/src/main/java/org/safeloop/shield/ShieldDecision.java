package org.safeloop.shield;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The shield's answer for one control step: the action to apply and why. Arrays are copied.
 *
 * @param appliedAction the action to send, finite and inside every hard limit
 * @param proposedAction what the policy proposed (may contain NaN if it did)
 * @param verdict accepted, repaired or fallback
 * @param interventions every check that acted, in layer order; empty when accepted
 * @param worstPredictedMargin the smallest margin over the state constraints' horizons for the
 *     applied action (positive: inside); +infinity without state constraints, NaN when the inputs
 *     did not allow a prediction
 * @param degraded true when the fallback has been used more often than the configured limit
 */
public record ShieldDecision(
    double[] appliedAction,
    double[] proposedAction,
    Verdict verdict,
    List<Intervention> interventions,
    double worstPredictedMargin,
    boolean degraded) {

  /** Copies the arrays and the list. */
  public ShieldDecision {
    appliedAction = Objects.requireNonNull(appliedAction, "appliedAction").clone();
    proposedAction = proposedAction == null ? new double[0] : proposedAction.clone();
    Objects.requireNonNull(verdict, "verdict");
    interventions = List.copyOf(interventions);
  }

  @Override
  public double[] appliedAction() {
    return appliedAction.clone();
  }

  @Override
  public double[] proposedAction() {
    return proposedAction.clone();
  }

  /** Returns true unless the proposal was applied unchanged. */
  public boolean intervened() {
    return verdict != Verdict.ACCEPTED;
  }

  /** Returns the reasons as one line, e.g. for a CSV column; empty when accepted. */
  public String reason() {
    return interventions.stream().map(Intervention::toString).collect(Collectors.joining("; "));
  }
}
