package org.safeloop.plc;

import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/** Checks connection implementations share on the tags a caller passes. Thread-safe (stateless). */
public final class Tags {
  private Tags() {}

  /**
   * Returns the tags as a list after checking that each has an address of {@code addressType} and
   * that no name appears twice.
   *
   * @param connection how to name the connection in a message, e.g. {@code a Modbus connection}
   * @throws IllegalArgumentException naming the tag at fault
   */
  public static List<Tag> requireAll(
      Collection<Tag> tags, Class<? extends TagAddress> addressType, String connection) {
    Objects.requireNonNull(tags, "tags");
    Set<String> names = new HashSet<>();
    for (Tag tag : tags) {
      if (!addressType.isInstance(tag.address())) {
        throw new IllegalArgumentException(
            "tag "
                + tag.name()
                + " has a "
                + tag.address().protocol()
                + " address; this is "
                + connection);
      }
      if (!names.add(tag.name())) {
        throw new IllegalArgumentException("tag " + tag.name() + " is listed twice");
      }
    }
    return List.copyOf(tags);
  }
}
