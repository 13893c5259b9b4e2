package org.safeloop.plc.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Each demotion reason the runtime writes is counted under one cause word. */
class DemotionCauseTest {
  @Test
  void everyDemotionReasonTheRuntimeWritesHasItsCause() {
    assertEquals("communication", Demotions.cause("communication: read failed: timeout"));
    assertEquals(
        "operator_override", Demotions.cause("operator override: the mode tag says local/manual"));
    assertEquals(
        "operator_request",
        Demotions.cause("operator request: step back to advisory, asked by A: B"));
    assertEquals("bad_inputs", Demotions.cause("bad inputs for 3 cycles (the shield's check)"));
    assertEquals("shield_degraded", Demotions.cause("shield degraded: it fell back"));
    assertEquals("approval_expired", Demotions.cause("approval expired at 2026-01-01T00:00:00Z"));
    assertEquals("policy_failed", Demotions.cause("the policy threw java.lang.Error"));
    assertEquals("write_refused", Demotions.cause("write refused: exception 2"));
    assertEquals("audit_failed", Demotions.cause("audit log not writable"));
    assertEquals("another_writer", Demotions.cause("another writer on the plant: the heartbeat"));
    assertEquals("other", Demotions.cause("something new"));
  }
}
