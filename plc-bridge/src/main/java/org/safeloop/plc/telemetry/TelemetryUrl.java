package org.safeloop.plc.telemetry;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where telemetry goes: {@code kafka://HOST:PORT/TOPIC}.
 *
 * @param host the broker's host name or address
 * @param port the broker's port, 1 to 65535
 * @param topic the Kafka topic (letters, digits, '.', '_', '-'; at most 249 characters)
 */
public record TelemetryUrl(String host, int port, String topic) {
  private static final Pattern TOPIC = Pattern.compile("[A-Za-z0-9._-]{1,249}");

  /** Checks every part, naming the one that is wrong. */
  public TelemetryUrl {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(topic, "topic");
    if (host.isBlank()) {
      throw new IllegalArgumentException("telemetry URL needs a broker host");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("telemetry URL port must be 1 to 65535, got " + port);
    }
    if (!TOPIC.matcher(topic).matches() || topic.equals(".") || topic.equals("..")) {
      throw new IllegalArgumentException(
          "telemetry URL topic '"
              + topic
              + "' is not a Kafka topic name (letters, digits, '.', '_', '-', at most 249)");
    }
  }

  /**
   * Parses {@code kafka://HOST:PORT/TOPIC}.
   *
   * @throws IllegalArgumentException naming what is wrong and the expected form
   */
  public static TelemetryUrl parse(String url) {
    Objects.requireNonNull(url, "url");
    String expected = "; expected kafka://HOST:PORT/TOPIC, e.g. kafka://127.0.0.1:9092/safeloop";
    URI uri;
    try {
      uri = new URI(url.trim());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "telemetry URL '" + url + "' is malformed: " + e.getReason() + expected, e);
    }
    if (!"kafka".equalsIgnoreCase(uri.getScheme())) {
      throw new IllegalArgumentException(
          "telemetry URL '" + url + "' must start with kafka://" + expected);
    }
    if (uri.getHost() == null || uri.getPort() < 0) {
      throw new IllegalArgumentException(
          "telemetry URL '" + url + "' needs a broker HOST:PORT" + expected);
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getUserInfo() != null) {
      throw new IllegalArgumentException(
          "telemetry URL '" + url + "' takes no user, query or fragment" + expected);
    }
    String path = uri.getPath() == null ? "" : uri.getPath();
    if (path.length() <= 1 || path.indexOf('/', 1) >= 0) {
      throw new IllegalArgumentException(
          "telemetry URL '" + url + "' needs exactly one TOPIC after the port" + expected);
    }
    return new TelemetryUrl(uri.getHost(), uri.getPort(), path.substring(1));
  }

  /** Returns {@code HOST:PORT}, Kafka's bootstrap servers. */
  public String bootstrapServers() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  @Override
  public String toString() {
    return "kafka://" + bootstrapServers() + "/" + topic;
  }
}
