package org.safeloop.plc.web;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Objects;

/**
 * Where a web view listens: a host (name or address) and a TCP port, from {@code --http HOST:PORT}.
 *
 * @param host the host name or address, e.g. {@code 127.0.0.1}, {@code 0.0.0.0}, {@code ::1}
 * @param port the TCP port, 0 for a free one
 */
public record HttpAddress(String host, int port) {
  /** The default host: the loopback address, so that nothing off this machine reaches the view. */
  public static final String LOOPBACK = "127.0.0.1";

  /** Checks the host and port. */
  public HttpAddress {
    Objects.requireNonNull(host, "host");
    if (host.isBlank()) {
      throw new IllegalArgumentException("--http: the host is empty; write HOST:PORT");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("--http: port must be 0..65535, got " + port);
    }
  }

  /**
   * Parses {@code HOST:PORT}, {@code [IPV6]:PORT} or a bare {@code PORT} (on the loopback address).
   *
   * @throws IllegalArgumentException naming the flag and the expected form
   */
  public static HttpAddress parse(String text) {
    Objects.requireNonNull(text, "text");
    String t = text.strip();
    String host;
    String port;
    if (t.startsWith("[")) {
      int close = t.indexOf("]:");
      if (close < 0) {
        throw malformed(text);
      }
      host = t.substring(1, close);
      port = t.substring(close + 2);
    } else if (t.matches("\\d+")) {
      host = LOOPBACK;
      port = t;
    } else {
      int colon = t.lastIndexOf(':');
      if (colon <= 0 || t.indexOf(':') != colon) {
        throw malformed(text);
      }
      host = t.substring(0, colon);
      port = t.substring(colon + 1);
    }
    if (!port.matches("\\d{1,5}")) {
      throw malformed(text);
    }
    return new HttpAddress(host, Integer.parseInt(port));
  }

  private static IllegalArgumentException malformed(String text) {
    return new IllegalArgumentException(
        "--http takes HOST:PORT (e.g. 127.0.0.1:8080, [::1]:8080, 0.0.0.0:8080) or PORT, got '"
            + text
            + "'");
  }

  /**
   * Returns whether the host is a loopback address (reachable from this machine only).
   *
   * @throws IllegalArgumentException when the host name does not resolve
   */
  public boolean loopback() {
    return resolve().isLoopbackAddress();
  }

  /** Returns the socket address to bind. */
  public InetSocketAddress socketAddress() {
    return new InetSocketAddress(resolve(), port);
  }

  private InetAddress resolve() {
    try {
      return InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("--http: unknown host '" + host + "'", e);
    }
  }

  @Override
  public String toString() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
