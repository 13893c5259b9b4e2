package org.safeloop.shield;

import java.util.Map;

/**
 * How often the shield acted, as plain numbers a caller can log. A snapshot: later decisions do not
 * change it.
 *
 * @param decisions decisions made
 * @param accepted proposals applied unchanged
 * @param repaired proposals changed
 * @param fallbacks proposals replaced by the fallback
 * @param byLayer interventions per layer
 * @param byConstraint interventions per state constraint name
 * @param degraded whether the shield currently reports itself degraded
 */
public record ShieldCounters(
    long decisions,
    long accepted,
    long repaired,
    long fallbacks,
    Map<Layer, Long> byLayer,
    Map<String, Long> byConstraint,
    boolean degraded) {

  /** Copies the maps. */
  public ShieldCounters {
    byLayer = Map.copyOf(byLayer);
    byConstraint = Map.copyOf(byConstraint);
  }

  /** Returns the number of decisions that were not plain acceptances. */
  public long interventions() {
    return repaired + fallbacks;
  }
}
