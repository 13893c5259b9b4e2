package org.safeloop.plc.cli;

import java.nio.file.Path;
import org.safeloop.plc.web.WebOptions;
import picocli.CommandLine.Option;

/**
 * The web view's flags, the same on {@code safeloop deploy}, {@code safeloop-bridge deploy} and
 * {@code safeloop plant}: {@code --http HOST:PORT} (off by default) and {@code --http-token-file
 * FILE}, required when the address is beyond loopback.
 */
public final class HttpOptions {
  @Option(
      names = "--http",
      paramLabel = "HOST:PORT",
      description =
          "Serve a live web view (page, /metrics, /health) at this address, e.g. 127.0.0.1:8080"
              + " (off by default; PORT alone listens on 127.0.0.1; port 0 picks a free one).")
  String http;

  @Option(
      names = "--http-token-file",
      paramLabel = "FILE",
      description =
          "File whose first line is the web view's access token (at least 16 characters);"
              + " required when --http listens beyond loopback.")
  Path tokenFile;

  /**
   * Returns the web view's options, or null when {@code --http} is not given.
   *
   * @throws IllegalArgumentException for a malformed address, an unfit token, or an address beyond
   *     loopback without a token
   */
  public WebOptions webOptions() {
    if (http == null) {
      if (tokenFile != null) {
        throw new IllegalArgumentException("--http-token-file needs --http HOST:PORT");
      }
      return null;
    }
    return WebOptions.parse(http, tokenFile);
  }
}
