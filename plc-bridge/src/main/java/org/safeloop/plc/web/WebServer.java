package org.safeloop.plc.web;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server under a web view: the JDK's own {@link HttpServer} (no HTTP parsing of ours), a
 * bounded pool of threads (one per open event stream, a few more for requests), the access token,
 * and the headers every answer carries. Routes are added before {@link #start()}.
 *
 * <p><b>Access.</b> With a token, every path but {@code /health} needs it: as {@code Authorization:
 * Bearer TOKEN} (scripts, Prometheus), or as the cookie a page gets by opening {@code
 * /?token=TOKEN} once (which redirects to {@code /} so that the token leaves the address bar). A
 * request without it gets 401. A {@code POST} must be JSON ({@code Content-Type: application/json},
 * which a form on another site cannot send without the browser asking first) and, when the browser
 * says where it comes from ({@code Origin}), come from this server's own pages.
 *
 * <p>Thread-safe once started.
 */
public final class WebServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WebServer.class);

  /** The cookie a page keeps the token in. */
  static final String COOKIE = "safeloop_token";

  /** Largest request body read, in bytes. */
  static final int MAX_BODY = 4096;

  /** Answers one request on a server thread. */
  @FunctionalInterface
  public interface Route {
    /** Handles the exchange; an exception answers 500 (an IOException just closes it). */
    void handle(HttpExchange exchange) throws IOException;
  }

  private final WebOptions options;
  private final HttpServer server;
  private final ThreadPoolExecutor pool;

  private WebServer(WebOptions options, HttpServer server, ThreadPoolExecutor pool) {
    this.options = options;
    this.server = server;
    this.pool = pool;
  }

  /**
   * Binds the address (nothing is served until {@link #start()}).
   *
   * @param name what the server's threads are named after, e.g. {@code deployment}
   * @throws IllegalStateException when the address cannot be bound (in use, not this machine's),
   *     naming it
   */
  public static WebServer bind(WebOptions options, String name) {
    HttpServer server;
    try {
      server = HttpServer.create(options.address().socketAddress(), 16);
    } catch (BindException e) {
      throw new IllegalStateException(
          "--http " + options.address() + ": cannot listen there (" + e.getMessage() + ")", e);
    } catch (IOException e) {
      throw new UncheckedIOException("--http " + options.address() + ": " + e.getMessage(), e);
    }
    AtomicInteger n = new AtomicInteger();
    int threads = options.maxClients() + 8;
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            threads,
            threads,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, "safeloop-web-" + name + "-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    pool.allowCoreThreadTimeOut(true);
    server.setExecutor(pool);
    return new WebServer(options, server, pool);
  }

  /** Starts serving. */
  public void start() {
    server.start();
    LOG.info("web view listening on {}", url());
  }

  /** Returns the address the server listens on, with the port chosen when 0 was asked. */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  /** Returns the page's address, e.g. {@code http://127.0.0.1:8080/}. */
  public URI url() {
    InetSocketAddress a = server.getAddress();
    String host = options.address().host();
    if (host.equals("0.0.0.0") || host.equals("::")) {
      host = a.getAddress().getHostAddress();
    }
    return URI.create(
        "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort() + "/");
  }

  /** Returns whether requests need a token. */
  public boolean tokenRequired() {
    return options.token() != null;
  }

  /**
   * Serves {@code path} exactly (not its sub-paths) to the given methods, behind the token unless
   * {@code open}.
   */
  public void route(String path, List<String> methods, boolean open, Route route) {
    server.createContext(
        path,
        exchange -> {
          try {
            headers(exchange);
            if (!exchange.getRequestURI().getPath().equals(path)) {
              text(exchange, 404, "not found\n");
            } else if (!methods.contains(exchange.getRequestMethod())) {
              exchange.getResponseHeaders().set("Allow", String.join(", ", methods));
              text(exchange, 405, "method not allowed\n");
            } else if (!open && !admitted(exchange)) {
              return;
            } else if (exchange.getRequestMethod().equals("POST") && !sameOrigin(exchange)) {
              text(
                  exchange,
                  403,
                  "a POST must be JSON (Content-Type: application/json) from this server's page\n");
            } else {
              route.handle(exchange);
            }
          } catch (IOException e) {
            LOG.debug("web view: {} {}: {}", exchange.getRequestMethod(), path, e.toString());
          } catch (RuntimeException e) {
            LOG.warn("web view: {} {} failed", exchange.getRequestMethod(), path, e);
            try {
              text(exchange, 500, "internal error: " + e + "\n");
            } catch (IOException | RuntimeException ignored) {
              // headers already sent: the connection just closes
            }
          } finally {
            exchange.close();
          }
        });
  }

  /** Serves {@code stream} at {@code path} (GET, behind the token). */
  public void events(String path, EventStream stream) {
    route(path, List.of("GET"), false, stream::serve);
  }

  /** Serves the JSON {@code body} gives at each GET of {@code path}, behind the token. */
  public void json(String path, java.util.function.Supplier<String> body) {
    route(path, List.of("GET"), false, ex -> send(ex, 200, "application/json", body.get()));
  }

  /**
   * Serves a class-path resource at {@code path} with a content type; GET only, behind the token.
   */
  public void resource(String path, String resource, String contentType) {
    byte[] body = resourceBytes(resource);
    route(
        path,
        List.of("GET", "HEAD"),
        false,
        exchange -> {
          exchange.getResponseHeaders().set("Content-Type", contentType);
          exchange.getResponseHeaders().set("Cache-Control", "no-cache");
          if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.sendResponseHeaders(200, -1);
          } else {
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
          }
        });
  }

  /** Path, class-path resource and content type of the files every view's page shares. */
  static final String[][] ASSETS = {
    {"/view.js", "org/safeloop/plc/web/view.js", "text/javascript; charset=utf-8"},
    {"/view.css", "org/safeloop/plc/web/view.css", "text/css; charset=utf-8"},
    {"/uplot.js", "org/safeloop/plc/web/uplot/uPlot.iife.min.js", "text/javascript; charset=utf-8"},
    {"/uplot.css", "org/safeloop/plc/web/uplot/uPlot.min.css", "text/css; charset=utf-8"}
  };

  /**
   * Serves the files every view's page shares: {@code /view.js} and {@code /view.css} (the views'
   * helpers and styles) and {@code /uplot.js}, {@code /uplot.css} (uPlot, vendored at build time).
   */
  public void assets() {
    for (String[] a : ASSETS) {
      resource(a[0], a[1], a[2]);
    }
  }

  /** Returns the bytes of the shared files ({@link #assets()}), uncompressed. */
  static long assetBytes() {
    long total = 0;
    for (String[] a : ASSETS) {
      total += resourceBytes(a[1]).length;
    }
    return total;
  }

  /** Returns a class-path resource's bytes. */
  public static byte[] resourceBytes(String resource) {
    try (InputStream in = WebServer.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("the web view's resource " + resource + " is missing");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read resource " + resource, e);
    }
  }

  /**
   * Checks the token; answers 401 (or, for a page opened with the right {@code ?token=}, sets the
   * cookie and redirects) and returns false when the request may not proceed.
   */
  private boolean admitted(HttpExchange exchange) throws IOException {
    AccessToken token = options.token();
    if (token == null) {
      return true;
    }
    String auth = exchange.getRequestHeaders().getFirst("Authorization");
    if (auth != null
        && auth.regionMatches(true, 0, "Bearer ", 0, 7)
        && token.matches(auth.substring(7).strip())) {
      return true;
    }
    for (String header : exchange.getRequestHeaders().getOrDefault("Cookie", List.of())) {
      for (String part : header.split(";")) {
        String p = part.strip();
        if (p.startsWith(COOKIE + "=") && token.matches(p.substring(COOKIE.length() + 1))) {
          return true;
        }
      }
    }
    String query = exchange.getRequestURI().getRawQuery();
    if (query != null && exchange.getRequestMethod().equals("GET")) {
      for (String part : query.split("&")) {
        if (part.startsWith("token=")) {
          String candidate = java.net.URLDecoder.decode(part.substring(6), StandardCharsets.UTF_8);
          if (token.matches(candidate)) {
            exchange
                .getResponseHeaders()
                .add(
                    "Set-Cookie", COOKIE + "=" + candidate + "; Path=/; HttpOnly; SameSite=Strict");
            exchange.getResponseHeaders().set("Location", exchange.getRequestURI().getPath());
            exchange.sendResponseHeaders(303, -1);
            return false;
          }
        }
      }
    }
    exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"safeloop\"");
    text(
        exchange,
        401,
        "this view needs its access token: open /?token=TOKEN once, or send"
            + " Authorization: Bearer TOKEN\n");
    return false;
  }

  private static boolean sameOrigin(HttpExchange exchange) {
    String type = exchange.getRequestHeaders().getFirst("Content-Type");
    if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
      return false;
    }
    String origin = exchange.getRequestHeaders().getFirst("Origin");
    if (origin == null) {
      return true; // not a browser's cross-site request (curl, a script)
    }
    String host = exchange.getRequestHeaders().getFirst("Host");
    try {
      URI o = URI.create(origin);
      return host != null && (o.getAuthority() != null && o.getAuthority().equals(host));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static void headers(HttpExchange exchange) {
    var h = exchange.getResponseHeaders();
    h.set("X-Content-Type-Options", "nosniff");
    h.set("X-Frame-Options", "DENY");
    h.set("Referrer-Policy", "no-referrer");
    h.set(
        "Content-Security-Policy",
        "default-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
  }

  /** Answers with a short text. */
  public static void text(HttpExchange exchange, int status, String body) throws IOException {
    send(exchange, status, "text/plain; charset=utf-8", body);
  }

  /** Answers with a body of the given type. */
  public static void send(HttpExchange exchange, int status, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      exchange.getResponseBody().write(bytes);
    }
  }

  /**
   * Reads a request body of at most {@link #MAX_BODY} bytes.
   *
   * @throws IllegalArgumentException when it is longer
   */
  public static String body(HttpExchange exchange) throws IOException {
    byte[] bytes = exchange.getRequestBody().readNBytes(MAX_BODY + 1);
    if (bytes.length > MAX_BODY) {
      throw new IllegalArgumentException("request body longer than " + MAX_BODY + " bytes");
    }
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /** Stops listening, ends open streams' threads, and waits up to a second for requests. */
  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
    try {
      pool.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
