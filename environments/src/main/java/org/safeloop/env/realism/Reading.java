package org.safeloop.env.realism;

import java.util.Objects;
import org.safeloop.env.Quality;

/**
 * One sample reported by a {@link Sensor}. Immutable and thread-safe.
 *
 * @param value measured value in the signal's engineering units; NaN when {@code quality} is {@link
 *     Quality#BAD}
 * @param quality how far the value can be trusted
 */
public record Reading(double value, Quality quality) {

  /** Checks that the quality is given. */
  public Reading {
    Objects.requireNonNull(quality, "quality");
  }
}
