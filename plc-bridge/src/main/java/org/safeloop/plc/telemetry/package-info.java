/**
 * Telemetry of a deployment to Kafka ({@code deploy --telemetry kafka://HOST:PORT/TOPIC}), as seen
 * from the bridge: the URL, and the forwarder process that follows the audit log beside the bridge
 * ({@link org.safeloop.plc.telemetry.TelemetryForwarder}). Kafka itself is in the telemetry module,
 * never on the bridge's class path.
 */
package org.safeloop.plc.telemetry;
