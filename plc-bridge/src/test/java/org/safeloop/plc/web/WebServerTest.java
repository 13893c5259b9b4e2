package org.safeloop.plc.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The server's access rules on 127.0.0.1: the token, the open health check, JSON-only POSTs. */
class WebServerTest {
  private static final String TOKEN = "a-token-for-the-tests-0123";
  private final HttpClient http = HttpClient.newHttpClient();
  private WebServer server;

  @BeforeEach
  void start() {
    server =
        WebServer.bind(
            WebOptions.of(new HttpAddress("127.0.0.1", 0), AccessToken.of(TOKEN)), "test");
    server.route("/api/thing", List.of("GET"), false, ex -> WebServer.text(ex, 200, "thing\n"));
    server.route("/api/act", List.of("POST"), false, ex -> WebServer.text(ex, 200, "done\n"));
    server.route("/health", List.of("GET"), true, ex -> WebServer.text(ex, 200, "up\n"));
    server.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private URI at(String path) {
    return server.url().resolve(path);
  }

  private HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(at(path)).GET();
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aRequestWithoutTheTokenIsRefusedAndOneWithItIsServed() throws Exception {
    HttpResponse<String> refused = get("/api/thing");
    assertEquals(401, refused.statusCode());
    assertTrue(refused.headers().firstValue("WWW-Authenticate").isPresent());
    assertEquals(
        401, get("/api/thing", "Authorization", "Bearer wrong-token-0123456789").statusCode());
    assertEquals(200, get("/api/thing", "Authorization", "Bearer " + TOKEN).statusCode());
    assertEquals(200, get("/health").statusCode(), "health is open");
  }

  @Test
  void aPageOpenedWithTheTokenGetsACookieAndARedirectWithoutIt() throws Exception {
    HttpResponse<String> r = get("/api/thing?token=" + TOKEN);
    assertEquals(303, r.statusCode());
    assertEquals("/api/thing", r.headers().firstValue("Location").orElseThrow());
    String cookie = r.headers().firstValue("Set-Cookie").orElseThrow();
    assertTrue(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), cookie);
    String pair = cookie.substring(0, cookie.indexOf(';'));
    assertEquals(200, get("/api/thing", "Cookie", pair).statusCode());
    assertEquals(401, get("/api/thing?token=not-the-token-0123456").statusCode());
  }

  /** Sends a POST with the token, a content type and, unless null, an origin. */
  private int post(String type, String origin) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(at("/api/act"))
            .header("Authorization", "Bearer " + TOKEN)
            .header("Content-Type", type)
            .POST(HttpRequest.BodyPublishers.ofString("{}"));
    if (origin != null) {
      b.header("Origin", origin);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  @Test
  void aPostMustBeJsonFromThisServersOwnPage() throws Exception {
    assertEquals(403, post("application/x-www-form-urlencoded", null), "a form is refused");
    assertEquals(403, post("application/json", "http://evil.example"), "another site is refused");
    assertEquals(200, post("application/json", server.url().toString().replaceAll("/$", "")));
    assertEquals(200, post("application/json", null), "a script without an origin is served");
    assertEquals(405, get("/api/act", "Authorization", "Bearer " + TOKEN).statusCode());
  }

  @Test
  void aPortInUseIsRefusedNamingTheAddress() {
    int port = server.address().getPort();
    IllegalStateException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalStateException.class,
            () -> WebServer.bind(WebOptions.of(new HttpAddress("127.0.0.1", port), null), "x"));
    assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
  }
}
