package org.safeloop.plc;

import java.util.Objects;

/**
 * A value to write to one tag: a number in engineering units, or text for STRING tags. Immutable
 * and thread-safe.
 *
 * @param tag the tag to write
 * @param value engineering value (ignored when {@code text} is set); booleans take 0 or 1
 * @param text text for a STRING tag, or null for a numeric write
 */
public record TagWrite(Tag tag, double value, String text) {

  /** Checks that the tag is present. */
  public TagWrite {
    Objects.requireNonNull(tag, "tag");
  }

  /**
   * A numeric write.
   *
   * @param tag the tag
   * @param engineeringValue the value in the tag's engineering unit
   * @return the write
   */
  public static TagWrite of(Tag tag, double engineeringValue) {
    return new TagWrite(tag, engineeringValue, null);
  }

  /**
   * A boolean write (written as 1 or 0).
   *
   * @param tag the tag
   * @param on the state to write
   * @return the write
   */
  public static TagWrite of(Tag tag, boolean on) {
    return new TagWrite(tag, on ? 1.0 : 0.0, null);
  }

  /**
   * A text write, for STRING tags.
   *
   * @param tag the tag
   * @param text the text
   * @return the write
   */
  public static TagWrite text(Tag tag, String text) {
    return new TagWrite(tag, Double.NaN, Objects.requireNonNull(text, "text"));
  }

  /**
   * Whether this write carries text.
   *
   * @return true for a text write
   */
  public boolean isText() {
    return text != null;
  }
}
