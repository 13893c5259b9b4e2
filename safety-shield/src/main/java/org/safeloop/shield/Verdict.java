package org.safeloop.shield;

/** What the shield did with a proposed action. */
public enum Verdict {
  /** Applied as proposed. */
  ACCEPTED,
  /** Changed as little as needed: clipped to limits or moved toward a safe action. */
  REPAIRED,
  /** Replaced by the fallback: the inputs were not trustworthy or no safe repair existed. */
  FALLBACK
}
