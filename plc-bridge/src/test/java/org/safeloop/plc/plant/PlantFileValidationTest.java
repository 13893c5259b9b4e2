package org.safeloop.plc.plant;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.safeloop.env.config.ConfigException;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;
import org.safeloop.shield.SafetyShield;
import org.safeloop.shield.Shields;

/**
 * Plant-file mistakes that would let the bridge write where it must not, or write values the PLC
 * cannot hold, are refused when the file is loaded (or checked against the shield), with the file,
 * the line and the key.
 */
class PlantFileValidationTest {

  private static final String FILE = "r101.yaml";
  private static final Scenario SCENARIO = Scenarios.load("cstr-constrained");
  private static final SafetyShield SHIELD = Shields.load("cstr-constrained");

  /** A correct Modbus plant file; each test changes one or two lines of it. */
  private static final String MODBUS =
      """
      name: r101
      connection: {protocol: modbus, host: 127.0.0.1, port: 5020}
      cycle_period_ms: 26000
      observations:
        Ca: {address: "input:0", type: float32, unit: mol/m3, range: [0.0, 1.5]}
        T: {address: "input:2", type: float32, unit: K, range: [250.0, 450.0]}
        Ca_setpoint: {address: "input:4", type: float32, unit: mol/m3}
      actions:
        Tc: {address: "holding:100", type: float32, unit: K}
      current_setpoints:
        Tc: {address: "input:100", type: float32, unit: K}
      operator_mode: {address: "holding:0", type: uint16, remote_value: 1}
      advisory:
        recommended:
          Tc: {address: "holding:300", type: float32, unit: K}
        reason: {address: "holding:2", type: uint16}
        timestamp: {address: "holding:4", type: uint32}
        heartbeat: {address: "holding:3", type: uint16}
      heartbeat: {address: "holding:1", type: uint16}
      """;

  private static final String OPCUA =
      """
      name: r101
      connection: {protocol: opcua, host: 127.0.0.1, port: 4840}
      cycle_period_ms: 26000
      observations:
        Ca: {address: "nsu=urn:r101;s=Ca.PV", type: float64, unit: mol/m3}
        T: {address: "nsu=urn:r101;s=T.PV", type: float64, unit: K}
        Ca_setpoint: {address: "nsu=urn:r101;s=Ca.SP", type: float64, unit: mol/m3}
      actions:
        Tc: {address: "nsu=urn:r101;i=1001", type: float64, unit: K}
      current_setpoints:
        Tc: {address: "nsu=urn:r101;s=Tc.SP", type: float64, unit: K}
      operator_mode: {address: "nsu=urn:r101;s=Loop.Mode", type: int32}
      advisory:
        recommended:
          Tc: {address: "nsu=urn:r101;s=Tc.RecommendedSP", type: float64, unit: K}
        reason: {address: "nsu=urn:r101;s=Advisory.Reason", type: string}
        heartbeat: {address: "nsu=urn:r101;s=Advisory.Heartbeat", type: uint16}
      heartbeat: {address: "nsu=urn:r101;s=Agent.Heartbeat", type: uint16}
      """;

  private static String edit(String text, String line, String replacement) {
    assertTrue(text.contains(line), "the base file has the line " + line);
    return text.replace(line, replacement);
  }

  private static int lineOf(String text, String fragment) {
    String before = text.substring(0, text.indexOf(fragment));
    return (int) before.chars().filter(c -> c == '\n').count() + 1;
  }

  /** Loads the text and returns the refusal, checking that it names the file, line and key. */
  private static ConfigException refused(String text, String key, String lineFragment) {
    ConfigException e = assertThrows(ConfigException.class, () -> PlantFile.parse(text, FILE));
    assertNamed(e, text, key, lineFragment);
    return e;
  }

  private static void assertNamed(ConfigException e, String text, String key, String fragment) {
    int line = lineOf(text, fragment);
    assertTrue(e.file().endsWith(FILE), e.getMessage());
    assertEquals(key, e.field(), e.getMessage());
    assertEquals(line, e.line(), e.getMessage());
    assertTrue(
        e.getMessage().startsWith(FILE + ":" + line + ": field '" + key + "'"), e.getMessage());
  }

  private static void assertMentions(ConfigException e, String... parts) {
    for (String part : parts) {
      assertTrue(e.getMessage().contains(part), "expected '" + part + "' in: " + e.getMessage());
    }
  }

  @Test
  void theBaseFilesLoadAndFitTheShield() {
    for (String text : new String[] {MODBUS, OPCUA}) {
      PlantFile plant = assertDoesNotThrow(() -> PlantFile.parse(text, FILE));
      plant.requireCompatible(
          SCENARIO.observationSpace(), SCENARIO.actionSpace(), SHIELD, "the scenario's PID");
    }
  }

  // ---- 0. the cycle is one control interval of the shield's model ---------------------------

  /** Checks the text against the shield and returns the refusal. */
  private static ConfigException refusedAgainstShield(String text) {
    PlantFile plant = PlantFile.parse(text, FILE);
    return assertThrows(
        ConfigException.class,
        () ->
            plant.requireCompatible(
                SCENARIO.observationSpace(), SCENARIO.actionSpace(), SHIELD, "the policy"));
  }

  @Test
  void aCycleShorterThanTheShieldsControlIntervalIsRefusedNamingBothAndTheFix() {
    // The CSTR's shield limits the jacket's move per 26 s step; a 1 s cycle would apply that
    // limit 26 times per step.
    String text = edit(MODBUS, "cycle_period_ms: 26000", "cycle_period_ms: 1000");

    ConfigException e = refusedAgainstShield(text);

    assertNamed(e, text, "cycle_period_ms", "cycle_period_ms: 1000");
    assertMentions(e, "1 s of process time", "control interval of 26 s", "cycle_period_ms: 26000");
  }

  @Test
  void aMissingCycleTakesTheOneSecondDefaultAndIsRefusedAgainstTheCstrShield() {
    String text = edit(MODBUS, "cycle_period_ms: 26000\n", "");

    ConfigException e = refusedAgainstShield(text);

    assertEquals("cycle_period_ms", e.field(), e.getMessage());
    assertMentions(e, "cycle_period_ms 1000");
  }

  @Test
  void aTestBenchRunningFasterThanRealTimeStatesItsTimeScale() {
    String fast = edit(MODBUS, "cycle_period_ms: 26000", "cycle_period_ms: 100\ntime_scale: 260");
    PlantFile plant = PlantFile.parse(fast, FILE);
    assertEquals(26.0, plant.processSecondsPerCycle(), 1e-9);
    assertDoesNotThrow(
        () ->
            plant.requireCompatible(
                SCENARIO.observationSpace(), SCENARIO.actionSpace(), SHIELD, "the policy"));

    // The same cycle at ten times real time covers 1 s: refused, and the fix names both keys.
    String wrong = edit(MODBUS, "cycle_period_ms: 26000", "cycle_period_ms: 100\ntime_scale: 10");
    ConfigException e = refusedAgainstShield(wrong);
    assertMentions(e, "at time_scale 10", "cycle_period_ms: 2600", "time_scale: 260");
  }

  @Test
  void thePlantFileNoLongerKeepsASecondFallbackWindow() {
    for (String key : new String[] {"max_fallback_rate: 0.2", "fallback_window: 20"}) {
      String text = MODBUS + "demotion: {" + key + "}\n";
      ConfigException e =
          refused(text, "demotion." + key.substring(0, key.indexOf(':')), "demotion: {");
      assertMentions(e, "degraded_when");
    }
  }

  @Test
  void aTimeScaleThatIsNotPositiveIsRefused() {
    for (String scale : new String[] {"0", "-2", "1e999"}) {
      String text =
          edit(MODBUS, "cycle_period_ms: 26000", "cycle_period_ms: 26000\ntime_scale: " + scale);
      refused(text, "time_scale", "time_scale: " + scale);
    }
  }

  // ---- 1. registers and nodes written by the bridge overlap another tag ----------------------

  @Test
  void anActionMappedOntoTheOperatorModeRegisterIsRefused() {
    String text =
        edit(
            MODBUS,
            "Tc: {address: \"holding:100\", type: float32, unit: K}",
            "Tc: {address: \"holding:0\", type: float32, unit: K}");

    ConfigException e = refused(text, "actions.Tc.address", "Tc: {address: \"holding:0\"");

    assertMentions(
        e,
        "actions.Tc at holding:0..1 (float32) overlaps operator_mode at holding:0 (uint16)",
        "(line " + lineOf(text, "operator_mode:") + ")",
        "would overwrite the operator mode");
  }

  @Test
  void theSecondRegisterOfAFloatOverlappingTheHeartbeatIsRefused() {
    String text =
        edit(
            MODBUS,
            "heartbeat: {address: \"holding:1\", type: uint16}\n",
            "heartbeat: {address: \"holding:101\", type: uint16}\n");

    ConfigException e = refused(text, "heartbeat.address", "heartbeat: {address: \"holding:101\"");

    assertMentions(
        e,
        "heartbeat at holding:101 (uint16) overlaps actions.Tc at holding:100..101 (float32)",
        "the bridge writes both");
  }

  @Test
  void anAdvisoryTagOnTheRegisterTheBridgeReadsAsTheSetpointInForceIsRefused() {
    String text =
        edit(
            MODBUS,
            "Tc: {address: \"input:100\", type: float32, unit: K}",
            "Tc: {address: \"holding:301\", type: uint16, unit: K}");

    ConfigException e =
        refused(text, "advisory.recommended.Tc.address", "Tc: {address: \"holding:300\"");

    assertMentions(
        e,
        "advisory.recommended.Tc at holding:300..301 (float32) overlaps current_setpoints.Tc at"
            + " holding:301 (uint16)",
        "every write of advisory.recommended.Tc would overwrite what the bridge reads as"
            + " current_setpoints.Tc");
  }

  @Test
  void aFloat64SpansFourRegisters() {
    String text =
        edit(
            MODBUS,
            "Tc: {address: \"holding:300\", type: float32, unit: K}",
            "Tc: {address: \"holding:97\", type: float64, unit: K}");

    ConfigException e =
        refused(text, "advisory.recommended.Tc.address", "Tc: {address: \"holding:97\"");

    assertMentions(e, "holding:97..100 (float64) overlaps actions.Tc at holding:100..101");
  }

  @Test
  void overlapsAreNamedInTheFilesOwnModiconReferences() {
    String text =
        MODBUS
            .replace("port: 5020}", "port: 5020, addressing: modicon}")
            .replace("\"input:0\"", "\"30001\"")
            .replace("\"input:2\"", "\"30003\"")
            .replace("\"input:4\"", "\"30005\"")
            .replace("\"holding:100\"", "\"40001\"")
            .replace("\"input:100\"", "\"30101\"")
            .replace("\"holding:0\"", "\"40001\"")
            .replace("\"holding:300\"", "\"40301\"")
            .replace("\"holding:2\"", "\"40003\"")
            .replace("\"holding:4\"", "\"40005\"")
            .replace("\"holding:3\"", "\"40004\"")
            .replace("\"holding:1\"", "\"40002\"");

    ConfigException e = refused(text, "actions.Tc.address", "Tc: {address: \"40001\"");

    assertMentions(e, "actions.Tc at 40001..40002 (float32) overlaps operator_mode at 40001");
  }

  @Test
  void twoTagsTheBridgeOnlyReadsMayShareARegister() {
    String text =
        edit(
            MODBUS,
            "Tc: {address: \"input:100\", type: float32, unit: K}",
            "Tc: {address: \"input:2\", type: float32, unit: K}");

    assertDoesNotThrow(() -> PlantFile.parse(text, FILE));
  }

  @Test
  void aWrittenTagOnTheNodeOfAnotherTagIsRefused() {
    String text =
        edit(
            OPCUA,
            "heartbeat: {address: \"nsu=urn:r101;s=Advisory.Heartbeat\", type: uint16}",
            "heartbeat: {address: \"nsu=urn:r101;s=Loop.Mode\", type: uint16}");

    ConfigException e =
        refused(text, "advisory.heartbeat.address", "heartbeat: {address: \"nsu=urn:r101;s=Loop");

    assertMentions(
        e,
        "advisory.heartbeat at nsu=urn:r101;s=Loop.Mode overlaps operator_mode at"
            + " nsu=urn:r101;s=Loop.Mode",
        "would overwrite the operator mode",
        "its own node");
  }

  @Test
  void numericNodeIdsAreComparedAsNumbers() {
    String text =
        edit(
            OPCUA,
            "Tc: {address: \"nsu=urn:r101;s=Tc.RecommendedSP\", type: float64, unit: K}",
            "Tc: {address: \"nsu=urn:r101;i=01001\", type: float64, unit: K}");

    ConfigException e =
        refused(text, "advisory.recommended.Tc.address", "Tc: {address: \"nsu=urn:r101;i=01001");

    assertMentions(e, "overlaps actions.Tc at nsu=urn:r101;i=1001");
  }

  // ---- 2. tags the bridge writes where a Modbus master cannot write -------------------------

  @Test
  void anActionInTheInputRegistersIsRefused() {
    String text =
        edit(
            MODBUS,
            "Tc: {address: \"holding:100\", type: float32, unit: K}",
            "Tc: {address: \"input:200\", type: float32, unit: K}");

    ConfigException e = refused(text, "actions.Tc.address", "Tc: {address: \"input:200\"");

    assertMentions(
        e,
        "actions.Tc at input:200..201 (float32) is in the input registers, which a Modbus master"
            + " can only read",
        "holding registers");
  }

  @Test
  void aHeartbeatInTheDiscreteInputsIsRefused() {
    String text =
        edit(
            MODBUS,
            "heartbeat: {address: \"holding:1\", type: uint16}\n",
            "heartbeat: {address: \"discrete:0\", type: bool}\n");

    ConfigException e = refused(text, "heartbeat.address", "heartbeat: {address: \"discrete:0\"");

    assertMentions(e, "discrete inputs, which a Modbus master can only read", "a coil");
  }

  @Test
  void aCoilHoldsOnlyABoolean() {
    String text =
        edit(
            MODBUS,
            "Tc: {address: \"holding:300\", type: float32, unit: K}",
            "Tc: {address: \"coil:0\", type: float32, unit: K}");

    ConfigException e = refused(text, "advisory.recommended.Tc", "Tc: {address: \"coil:0\"");

    assertMentions(e, "holds one bit; its data type must be BOOLEAN, not FLOAT32");
  }

  @Test
  void aBooleanCoilCannotCarryTheHeartbeatCounter() {
    String text =
        edit(
            MODBUS,
            "heartbeat: {address: \"holding:1\", type: uint16}\n",
            "heartbeat: {address: \"coil:0\", type: bool}\n");

    ConfigException e = refused(text, "heartbeat.type", "heartbeat: {address: \"coil:0\"");

    assertMentions(e, "heartbeat is bool (0..1), which cannot hold the heartbeat counter 0..65535");
  }

  @Test
  void anActionOnATextNodeIsRefused() {
    String text =
        edit(
            OPCUA,
            "Tc: {address: \"nsu=urn:r101;i=1001\", type: float64, unit: K}",
            "Tc: {address: \"nsu=urn:r101;i=1001\", type: string, unit: K}");

    ConfigException e = refused(text, "actions.Tc.type", "Tc: {address: \"nsu=urn:r101;i=1001\"");

    assertMentions(e, "actions.Tc is a string tag, but the bridge writes a number to it");
  }

  // ---- 3. integer tags whose scaling cannot hold the values ---------------------------------

  @Test
  void anInt16ActionWhoseScaledShieldLimitsOverflowIsRefusedAgainstTheShield() {
    String text =
        edit(
            MODBUS,
            "Tc: {address: \"holding:100\", type: float32, unit: K}",
            "Tc: {address: \"holding:100\", type: int16, scale: 0.001, unit: K}");
    PlantFile plant = PlantFile.parse(text, FILE);

    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                plant.requireCompatible(
                    SCENARIO.observationSpace(), SCENARIO.actionSpace(), SHIELD, "the PID"));

    assertNamed(e, text, "actions.Tc.type", "Tc: {address: \"holding:100\"");
    assertMentions(
        e,
        "actions.Tc is int16 with scale 0.001, offset 0: shield cstr-constrained's limits"
            + " [290, 310] K need raw 290000..310000, beyond int16 -32768..32767 (it holds"
            + " -32.768..32.767 K)",
        "could not write every setpoint the shield allows");
  }

  @Test
  void aUint16SetpointInForceWhoseOffsetMakesTheLowLimitNegativeIsRefusedAgainstTheShield() {
    String text =
        edit(
            MODBUS,
            "Tc: {address: \"input:100\", type: float32, unit: K}",
            "Tc: {address: \"input:100\", type: uint16, scale: 0.01, offset: 295.0, unit: K}");
    PlantFile plant = PlantFile.parse(text, FILE);

    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                plant.requireCompatible(
                    SCENARIO.observationSpace(), SCENARIO.actionSpace(), SHIELD, "the PID"));

    assertNamed(e, text, "current_setpoints.Tc.type", "Tc: {address: \"input:100\"");
    assertMentions(e, "need raw -500..1500, beyond uint16 0..65535 (it holds 295..950.35 K)");
  }

  @Test
  void anInt16ActionWithACountPerTenthOfAKelvinHoldsTheShieldLimits() {
    String text =
        edit(
            MODBUS,
            "Tc: {address: \"holding:100\", type: float32, unit: K}",
            "Tc: {address: \"holding:100\", type: int16, scale: 0.1, unit: K}");

    PlantFile plant = PlantFile.parse(text, FILE);

    assertDoesNotThrow(
        () ->
            plant.requireCompatible(
                SCENARIO.observationSpace(), SCENARIO.actionSpace(), SHIELD, "the PID"));
  }

  @Test
  void anInstrumentRangeTheScaledObservationCannotHoldIsRefusedAtLoad() {
    String text =
        edit(
            MODBUS,
            "T: {address: \"input:2\", type: float32, unit: K, range: [250.0, 450.0]}",
            "T: {address: \"input:2\", type: int16, scale: 0.01, unit: K, range: [250.0, 450.0]}");

    ConfigException e = refused(text, "observations.T.range", "T: {address: \"input:2\"");

    assertMentions(
        e,
        "observations.T is int16 with scale 0.01, offset 0: the instrument range [250, 450] K need"
            + " raw 25000..45000, beyond int16 -32768..32767 (it holds -327.68..327.67 K)");
  }

  @Test
  void aDeclaredActionRangeTheTagCannotHoldIsRefusedAtLoad() {
    String text =
        edit(
            MODBUS,
            "Tc: {address: \"holding:100\", type: float32, unit: K}",
            "Tc: {address: \"holding:100\", type: uint16, offset: 300.0, unit: K, range: [290, 310]}");

    ConfigException e = refused(text, "actions.Tc.range", "Tc: {address: \"holding:100\"");

    assertMentions(e, "the declared range [290, 310] K need raw -10..10, beyond uint16 0..65535");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "heartbeat: {address: \"holding:1\", type: uint16}|"
            + "heartbeat: {address: \"holding:1\", type: int16}|heartbeat.type|"
            + "heartbeat is int16 (-32768..32767), which cannot hold the heartbeat counter 0..65535",
        "reason: {address: \"holding:2\", type: uint16}|"
            + "reason: {address: \"coil:2\", type: bool}|advisory.reason.type|"
            + "advisory.reason is bool (0..1), which cannot hold the verdict codes 0 accepted, 1 repaired, 2 fallback",
        "timestamp: {address: \"holding:4\", type: uint32}|"
            + "timestamp: {address: \"holding:4\", type: uint16}|advisory.timestamp.type|"
            + "advisory.timestamp is uint16 (0..65535), which cannot hold epoch seconds up to 2038-01-19",
      })
  void aCounterOrCodeTheBridgeWritesMustFitItsTagType(
      String line, String replacement, String key, String message) {
    String text = edit(MODBUS, line, replacement);

    ConfigException e = refused(text, key, replacement);

    assertMentions(e, message);
  }

  // ---- 4. constants that the register type cannot hold --------------------------------------

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "uint16|70000|a uint16 holds 0..65535",
        "uint16|-1|a uint16 holds 0..65535",
        "int16|1.5|an int16 holds whole numbers only",
        "bool|2|a bool reads only 0 or 1",
        "float32|0.1|a float32 cannot hold it exactly",
      })
  void aRemoteValueTheModeTagCannotHoldIsRefused(String type, String value, String why) {
    String text =
        edit(
            MODBUS,
            "operator_mode: {address: \"holding:0\", type: uint16, remote_value: 1}",
            "operator_mode:\n  address: \"holding:0\"\n  type: "
                + type
                + "\n  remote_value: "
                + value);
    if (type.equals("bool")) {
      text = text.replace("\"holding:0\"\n", "\"coil:0\"\n");
    }

    ConfigException e = refused(text, "operator_mode.remote_value", "  remote_value: ");

    assertMentions(
        e,
        "remote_value " + value + " cannot be read from the " + type + " operator_mode tag",
        why,
        "the agent could never act");
  }

  @Test
  void aDefaultRemoteValueOfOneFitsAnyNumericModeTag() {
    String text =
        edit(
            OPCUA,
            "operator_mode: {address: \"nsu=urn:r101;s=Loop.Mode\", type: int32}",
            "operator_mode: {address: \"nsu=urn:r101;s=Loop.Mode\", type: bool}");

    assertEquals(1.0, PlantFile.parse(text, FILE).remoteValue());
  }

  @Test
  void aPlantFileOnDiskIsNamedByItsPath(@TempDir Path dir) throws Exception {
    String text =
        edit(
            MODBUS,
            "operator_mode: {address: \"holding:0\", type: uint16, remote_value: 1}",
            "operator_mode: {address: \"holding:0\", type: uint16, remote_value: 70000}");
    Path file = Files.writeString(dir.resolve(FILE), text);

    ConfigException e = assertThrows(ConfigException.class, () -> PlantFile.load(file));

    assertEquals(file.toString(), e.file());
    assertEquals(lineOf(text, "operator_mode:"), e.line());
    assertEquals("operator_mode.remote_value", e.field());
  }

  // ---- staleness is the shield's ---------------------------------------------------------

  @Test
  void aStaleLimitOnATagIsRefusedNamingTheShieldsMaxAge() {
    String line = "T: {address: \"nsu=urn:r101;s=T.PV\", type: float64, unit: K";
    String text = edit(OPCUA, line + "}", line + ", stale_after_ms: 120000}");
    ConfigException e = refused(text, "observations.T.stale_after_ms", line);
    assertMentions(e, "shield", "max_age_s", "measurements");
  }

  @Test
  void aStaleLimitOnASetpointInForceIsRefusedLikeAnyOther() {
    String line = "Tc: {address: \"nsu=urn:r101;s=Tc.SP\", type: float64, unit: K";
    String text = edit(OPCUA, line + "}", line + ", stale_after_ms: 0}");
    ConfigException e = refused(text, "current_setpoints.Tc.stale_after_ms", line);
    assertMentions(e, "max_age_s");
  }

  @Test
  void theDemotionsDefaultStaleLimitIsRefusedNamingTheShieldsMaxAge() {
    String text = MODBUS + "demotion: {stale_after_ms: 5000}\n";
    ConfigException e = refused(text, "demotion.stale_after_ms", "demotion: {");
    assertMentions(e, "shield", "max_age_s");
  }
}
