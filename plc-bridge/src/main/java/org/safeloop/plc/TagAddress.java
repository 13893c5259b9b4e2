package org.safeloop.plc;

/**
 * The protocol-specific part of a {@link Tag}: where the value lives in one protocol's address
 * space (a Modbus table and offset, an OPC UA node id). Each protocol module supplies its own
 * record; a connection rejects addresses of other protocols. Implementations are immutable values.
 */
public interface TagAddress {

  /**
   * Name of the protocol this address belongs to, as {@link PlcConnectionProvider#name()}.
   *
   * @return the protocol name, e.g. "modbus" or "opcua"
   */
  String protocol();

  /**
   * Checks that a value of {@code dataType} can live at this address; called when a {@link Tag} is
   * built so that a plant file fails when it is loaded, not in the first control cycle.
   *
   * @param tagName the tag being built, named in the error message
   * @param dataType the tag's raw data type
   * @throws IllegalArgumentException if the combination is impossible for this protocol
   */
  default void requireSupported(String tagName, DataType dataType) {}
}
