/**
 * Telemetry: every audit record also produced to Kafka ({@code deploy --telemetry
 * kafka://HOST:PORT/TOPIC}) and read back ({@code safeloop telemetry}). The control cycle only
 * offers lines to a bounded queue; a producer thread sends them, and drops are counted and written
 * to the audit log. Kafka's client classes load only when telemetry is configured.
 */
package org.safeloop.plc.telemetry;
