package org.safeloop.plc.virtualplant.opcua;

import java.util.Locale;
import java.util.Map;
import org.eclipse.milo.opcua.stack.core.types.builtin.LocalizedText;
import org.eclipse.milo.opcua.stack.core.types.structured.EUInformation;

/**
 * Engineering units as OPC UA describes them (Part 8, EUInformation): the UNECE Recommendation 20
 * common code of the unit, packed into the UnitId, with the unit as written in the scenario for
 * display. Stateless; thread-safe.
 */
final class EngineeringUnits {

  /** Namespace of UNECE unit codes in EUInformation. */
  static final String UNECE_NAMESPACE = "http://www.opcfoundation.org/UA/units/un/cefact";

  /** UNECE common codes of the units the built-in processes use, by the unit as written. */
  private static final Map<String, String> CODES =
      Map.ofEntries(
          Map.entry("K", "KEL"),
          Map.entry("degC", "CEL"),
          Map.entry("mol/m3", "C36"),
          Map.entry("kmol/m3", "B46"),
          Map.entry("m", "MTR"),
          Map.entry("m3", "MTQ"),
          Map.entry("m3/h", "MQH"),
          Map.entry("m3/s", "MQS"),
          Map.entry("V", "VLT"),
          Map.entry("s", "SEC"),
          Map.entry("min", "MIN"),
          Map.entry("%", "P1"),
          Map.entry("bar", "BAR"),
          Map.entry("Pa", "PAL"),
          Map.entry("kW", "KWT"));

  private EngineeringUnits() {}

  /**
   * The EUInformation of a unit: its UNECE code when known, else UnitId -1 (no code) with the unit
   * as its display name.
   */
  static EUInformation of(String unit) {
    String code = CODES.get(unit);
    return new EUInformation(
        UNECE_NAMESPACE,
        code == null ? -1 : unitId(code),
        LocalizedText.english(unit),
        LocalizedText.english(
            code == null ? unit : unit + " (UNECE " + code.toUpperCase(Locale.ROOT) + ")"));
  }

  /** The UnitId of a UNECE common code: its characters packed into an integer, first highest. */
  static int unitId(String code) {
    int id = 0;
    for (char c : code.toCharArray()) {
      id = (id << 8) | c;
    }
    return id;
  }
}
