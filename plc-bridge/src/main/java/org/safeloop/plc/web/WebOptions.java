package org.safeloop.plc.web;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How a web view runs: where it listens, the token it asks for, how much history a page gets on
 * load, and how patient it is with clients. Checked when made, so a refusal comes before anything
 * starts.
 *
 * @param address where to listen
 * @param token the access token every request but {@code /health} must carry, or null for none;
 *     required when {@code address} is beyond loopback
 * @param historyCycles cycles a page receives on load (with their write records and events), at
 *     least 1
 * @param clientQueue messages that may wait for one live client before it is dropped as too slow,
 *     at least 1
 * @param maxClients live clients (open pages) at once; more are refused with 503, at least 1
 */
public record WebOptions(
    HttpAddress address, AccessToken token, int historyCycles, int clientQueue, int maxClients) {
  /** Cycles of history a page receives on load by default. */
  public static final int DEFAULT_HISTORY_CYCLES = 300;

  /** Messages that may wait for a client by default. */
  public static final int DEFAULT_CLIENT_QUEUE = 256;

  /** Live clients at once by default. */
  public static final int DEFAULT_MAX_CLIENTS = 32;

  /**
   * Checks every field.
   *
   * @throws IllegalArgumentException when a field is out of range, or the address is beyond
   *     loopback without a token
   */
  public WebOptions {
    Objects.requireNonNull(address, "address");
    if (token == null && !address.loopback()) {
      throw new IllegalArgumentException(
          "--http "
              + address
              + " listens beyond this machine (not a loopback address): give --http-token-file"
              + " FILE with an access token, or listen on 127.0.0.1");
    }
    if (historyCycles < 1 || clientQueue < 1 || maxClients < 1) {
      throw new IllegalArgumentException(
          "web view: historyCycles, clientQueue and maxClients must be at least 1, got "
              + historyCycles
              + ", "
              + clientQueue
              + ", "
              + maxClients);
    }
  }

  /** Options with the defaults for {@code address} and {@code token}. */
  public static WebOptions of(HttpAddress address, AccessToken token) {
    return new WebOptions(
        address, token, DEFAULT_HISTORY_CYCLES, DEFAULT_CLIENT_QUEUE, DEFAULT_MAX_CLIENTS);
  }

  /**
   * Options from the command line's {@code --http} and {@code --http-token-file}.
   *
   * @param http {@code HOST:PORT}
   * @param tokenFile the token file, or null
   * @throws IllegalArgumentException naming the flag at fault
   */
  public static WebOptions parse(String http, Path tokenFile) {
    return of(HttpAddress.parse(http), tokenFile == null ? null : AccessToken.load(tokenFile));
  }

  /** The same options with another queue length per client (tests of slow clients). */
  public WebOptions withClientQueue(int messages) {
    return new WebOptions(address, token, historyCycles, messages, maxClients);
  }

  /** The same options with another history length. */
  public WebOptions withHistoryCycles(int cycles) {
    return new WebOptions(address, token, cycles, clientQueue, maxClients);
  }
}
