package org.safeloop.plc.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The event stream on a real server on 127.0.0.1: a page gets the history, then what is published;
 * a page that does not read is dropped while publishing never waits for it.
 */
class EventStreamTest {
  private static final int MESSAGES = 800;
  private WebServer server;
  private EventStream stream;
  private final List<byte[]> history = new ArrayList<>();

  @BeforeEach
  void start() {
    WebOptions options = WebOptions.of(new HttpAddress("127.0.0.1", 0), null);
    server = WebServer.bind(options, "test");
    stream =
        new EventStream(options.clientQueue(), options.maxClients(), () -> List.copyOf(history));
    server.route("/events", List.of("GET"), false, stream::serve);
    server.start();
  }

  @AfterEach
  void stop() {
    stream.close();
    server.close();
  }

  private URI events() {
    return server.url().resolve("/events");
  }

  /** Waits up to {@code seconds} for a condition, polling every 10 ms. */
  private static boolean within(double seconds, java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(10);
    }
    return condition.getAsBoolean();
  }

  @Test
  void aPageGetsTheHistoryThenTheLiveMarkThenWhatIsPublishedInOrder() throws Exception {
    history.add(EventStream.message("cycle", "{\"seq\":1}"));
    history.add(EventStream.message("cycle", "{\"seq\":2}"));
    HttpResponse<InputStream> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(events()).build(),
                HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, response.statusCode());
    assertTrue(
        response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
    BufferedReader in =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
    assertTrue(within(5, () -> stream.clients() == 1));
    for (int i = 3; i <= 5; i++) {
      stream.publish(EventStream.message("cycle", "{\"seq\":" + i + "}"));
    }
    List<String> data = new ArrayList<>();
    List<String> names = new ArrayList<>();
    while (data.size() < 6) {
      String line = in.readLine();
      if (line.startsWith("data: ")) {
        data.add(line.substring(6));
      } else if (line.startsWith("event: ")) {
        names.add(line.substring(7));
      }
    }
    assertEquals(
        List.of("{\"seq\":1}", "{\"seq\":2}", "{}", "{\"seq\":3}", "{\"seq\":4}", "{\"seq\":5}"),
        data);
    assertEquals(List.of("cycle", "cycle", "live", "cycle", "cycle", "cycle"), names);
    response.body().close();
    // A page that went is noticed at the next write to it (the next cycle, or the keep-alive).
    assertTrue(
        within(
            5,
            () -> {
              stream.publish(EventStream.message("cycle", "{\"seq\":6}"));
              return stream.clients() == 0;
            }),
        "the page's sender ends when it goes");
  }

  @Test
  void aPageThatDoesNotReadIsDroppedAndPublishingNeverWaits() throws Exception {
    // A page that sends its request and never reads, behind a small receive buffer.
    Socket stuck = new Socket();
    stuck.setReceiveBufferSize(4096);
    stuck.connect(server.address());
    OutputStream request = stuck.getOutputStream();
    request.write(
        ("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    request.flush();
    // And a page that reads everything.
    HttpResponse<InputStream> reading =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(events()).build(),
                HttpResponse.BodyHandlers.ofInputStream());
    assertTrue(within(5, () -> stream.clients() == 2));
    CompletableFuture<Integer> received =
        CompletableFuture.supplyAsync(
            () -> {
              int n = 0;
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(reading.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  if (line.startsWith("data: {\"n\"")) {
                    n++;
                    if (n == MESSAGES) {
                      return n;
                    }
                  }
                }
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
              return n;
            });
    // 12.8 MB in all: more than the kernel's socket buffers and the stuck page's queue hold.
    String padding = "x".repeat(16_000);
    long slowest = 0;
    for (int i = 0; i < MESSAGES; i++) {
      long t0 = System.nanoTime();
      stream.publish(EventStream.message("cycle", "{\"n\":" + i + ",\"pad\":\"" + padding + "\"}"));
      slowest = Math.max(slowest, System.nanoTime() - t0);
      Thread.sleep(1); // about 1 s in all: the reading page keeps up, the stuck one cannot
    }
    assertTrue(
        slowest < TimeUnit.MILLISECONDS.toNanos(50),
        "publishing waited " + slowest / 1e6 + " ms for a page");
    assertTrue(within(10, () -> stream.droppedClients() == 1), "the stuck page is dropped");
    assertEquals(
        MESSAGES, received.get(20, TimeUnit.SECONDS), "the reading page got every message");
    assertTrue(within(5, () -> stream.clients() == 1), "the dropped page's sender has ended");
    stuck.close();
  }
}
