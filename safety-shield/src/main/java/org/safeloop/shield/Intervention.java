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
 */
public record Intervention(Layer layer, String subject, String detail, double margin) {

  @Override
  public String toString() {
    return layer + " " + subject + ": " + detail;
  }
}
