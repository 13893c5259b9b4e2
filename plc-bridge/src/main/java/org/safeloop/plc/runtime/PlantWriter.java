package org.safeloop.plc.runtime;

import java.util.Collection;
import java.util.Set;
import org.safeloop.plc.PlcConnection;
import org.safeloop.plc.PlcException;
import org.safeloop.plc.Tag;
import org.safeloop.plc.TagWrite;

/**
 * The only way the runtime writes to the plant: bound to the tags its mode allows, so that a
 * programming error cannot write a setpoint from advisory mode. The runtime holds none in shadow
 * mode. Not thread-safe (used by the cycle's thread only).
 */
final class PlantWriter {
  /**
   * Why a write failed.
   *
   * @param message the connection's words
   * @param refused true when the PLC answered with a refusal rather than not at all
   */
  record Failure(String message, boolean refused) {}

  private final PlcConnection connection;
  private final Set<Tag> allowed;

  PlantWriter(PlcConnection connection, Set<Tag> allowed) {
    this.connection = connection;
    this.allowed = Set.copyOf(allowed);
  }

  /**
   * Writes the batch in one call.
   *
   * @return null on success, else why it failed
   * @throws IllegalStateException for a tag this writer may not write (a bug, never a plant fault)
   */
  Failure write(Collection<TagWrite> batch) {
    for (TagWrite w : batch) {
      if (!allowed.contains(w.tag())) {
        throw new IllegalStateException("tag " + w.tag().name() + " may not be written now");
      }
    }
    if (batch.isEmpty()) {
      return null;
    }
    try {
      connection.write(batch);
      return null;
    } catch (PlcException e) {
      return new Failure(e.getMessage(), e.refused());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Failure("interrupted", false);
    } catch (RuntimeException e) {
      return new Failure(e.toString(), false);
    }
  }
}
