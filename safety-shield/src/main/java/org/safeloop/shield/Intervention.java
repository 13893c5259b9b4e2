package org.safeloop.shield;

/**
 * One reason in a decision: which layer acted, on what, and by how much.
 *
 * @param layer the layer that acted
 * @param subject the action, measurement or constraint it acted on, e.g. {@code Tc} or {@code
 *     T_high}
 * @param detail a sentence for the operator, e.g. {@code "T stale: 12.0 s old, limit 5.0 s"}
 * @param margin signed distance to the limit in the subject's unit (negative: violated by that
 *     much); NaN where it does not apply
 * @param onMeasurement true when it judged the plant's measurements (a bad, stale, frozen or
 *     implausible reading, or a snapshot of the wrong size) rather than the proposal or a limit:
 *     what a deployment counts as bad inputs
 */
public record Intervention(
    Layer layer, String subject, String detail, double margin, boolean onMeasurement) {

  /** An intervention on the proposal or a limit, not on a measurement. */
  public Intervention(Layer layer, String subject, String detail, double margin) {
    this(layer, subject, detail, margin, false);
  }

  /** An intervention of the input-validity layer on a measurement. */
  public static Intervention onMeasurement(String subject, String detail, double margin) {
    return new Intervention(Layer.INPUT_VALIDITY, subject, detail, margin, true);
  }

  @Override
  public String toString() {
    return layer + " " + subject + ": " + detail;
  }
}
