package org.safeloop.plc.opcua;

import java.util.Objects;
import org.safeloop.plc.DataType;
import org.safeloop.plc.TagAddress;

/**
 * Where a tag lives on an OPC UA server: a node id whose namespace is named by URI, not by index,
 * because a server may renumber its namespaces on restart while their URIs stay. The connection
 * resolves the URI through the server's namespace table. Immutable and thread-safe.
 *
 * <p>The written form is the expanded node id syntax of OPC UA Part 6: {@code
 * nsu=urn:safeloop:plant;s=TIC101.PV} for a string identifier, {@code
 * nsu=urn:safeloop:plant;i=1001} for a numeric one.
 *
 * @param namespaceUri the namespace URI, e.g. "urn:safeloop:virtual-plant"
 * @param idType whether the identifier is numeric or a string
 * @param identifier the identifier; a decimal number in 0..4294967295 for NUMERIC
 */
public record OpcUaAddress(String namespaceUri, IdType idType, String identifier)
    implements TagAddress {

  /** The protocol name shared with {@link OpcUaConnectionProvider#name()}. */
  public static final String PROTOCOL = "opcua";

  /** The kinds of node identifier supported. */
  public enum IdType {
    /** A 32-bit unsigned number ({@code i=}). */
    NUMERIC,
    /** A string ({@code s=}). */
    STRING
  }

  /** Validates the address. */
  public OpcUaAddress {
    if (namespaceUri == null || namespaceUri.isBlank()) {
      throw new IllegalArgumentException("opcua address: namespaceUri must not be blank");
    }
    Objects.requireNonNull(idType, "opcua address: idType must not be null");
    if (identifier == null || identifier.isEmpty()) {
      throw new IllegalArgumentException("opcua address: identifier must not be empty");
    }
    if (idType == IdType.NUMERIC) {
      long value;
      try {
        value = Long.parseLong(identifier);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "opcua address: numeric identifier is not a number: " + identifier, e);
      }
      if (value < 0 || value > 0xFFFF_FFFFL) {
        throw new IllegalArgumentException(
            "opcua address: numeric identifier must be in 0..4294967295: " + identifier);
      }
    }
  }

  /**
   * An address with a string identifier.
   *
   * @param namespaceUri namespace URI
   * @param identifier string identifier
   * @return the address
   */
  public static OpcUaAddress string(String namespaceUri, String identifier) {
    return new OpcUaAddress(namespaceUri, IdType.STRING, identifier);
  }

  /**
   * An address with a numeric identifier.
   *
   * @param namespaceUri namespace URI
   * @param identifier numeric identifier, 0..4294967295
   * @return the address
   */
  public static OpcUaAddress numeric(String namespaceUri, long identifier) {
    return new OpcUaAddress(namespaceUri, IdType.NUMERIC, Long.toString(identifier));
  }

  /**
   * Parses {@code nsu=<uri>;s=<id>} or {@code nsu=<uri>;i=<number>}.
   *
   * @param text the expanded node id
   * @return the address
   * @throws IllegalArgumentException if the text is not in that form (an index-based {@code ns=} is
   *     refused on purpose)
   */
  public static OpcUaAddress parse(String text) {
    Objects.requireNonNull(text, "opcua address text");
    if (!text.startsWith("nsu=")) {
      throw new IllegalArgumentException(
          "opcua address '"
              + text
              + "': name the namespace by URI, e.g. 'nsu=urn:safeloop:plant;s=TIC101.PV'"
              + " (namespace indexes can change when a server restarts)");
    }
    int string = text.lastIndexOf(";s=");
    int numeric = text.lastIndexOf(";i=");
    int split = Math.max(string, numeric);
    if (split < 0) {
      throw new IllegalArgumentException(
          "opcua address '" + text + "': expected ';s=<string>' or ';i=<number>' after the URI");
    }
    String uri = text.substring(4, split);
    String id = text.substring(split + 3);
    return new OpcUaAddress(uri, split == string ? IdType.STRING : IdType.NUMERIC, id);
  }

  @Override
  public String protocol() {
    return PROTOCOL;
  }

  @Override
  public void requireSupported(String tagName, DataType dataType) {
    // Every DataType has an OPC UA counterpart; the node's own DataType decides at run time.
  }

  @Override
  public String toString() {
    return "nsu=" + namespaceUri + ";" + (idType == IdType.STRING ? "s=" : "i=") + identifier;
  }
}
