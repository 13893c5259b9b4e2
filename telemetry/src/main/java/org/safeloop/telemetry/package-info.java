/**
 * Telemetry on Kafka, in a module of its own so that Kafka never reaches the bridge's class path:
 * the forwarder that follows a deployment's audit log and produces it to a topic, store and forward
 * with the audit file as the store ({@link org.safeloop.telemetry.AuditForwarder}, run by {@code
 * deploy --telemetry} beside the bridge), and the reader behind {@code safeloop telemetry}.
 */
package org.safeloop.telemetry;
