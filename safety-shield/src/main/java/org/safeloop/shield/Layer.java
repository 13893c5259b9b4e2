package org.safeloop.shield;

/** The shield's layers, cheapest first, in the order they act. */
public enum Layer {
  /** Measurements (quality, age, range, frozen value) and the proposal itself (finite, sized). */
  INPUT_VALIDITY,
  /** Hard limits of each manipulated variable. */
  HARD_LIMIT,
  /** Rate-of-change limits per step and per minute, and the deadband. */
  RATE_LIMIT,
  /** State constraints predicted over a horizon with the process model. */
  STATE_CONSTRAINT,
  /** The fallback action replaced the proposal. */
  FALLBACK
}
