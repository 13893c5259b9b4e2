package org.safeloop.experiments.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Open pages for {@link DeployBenchmark}: N clients of a deployment view's event stream on
 * 127.0.0.1, each on a thread of its own, reading every message as a browser's EventSource would
 * and timing each live cycle record from its cycle's start ({@code ts}, the runtime's clock, the
 * system's UTC clock here) to its arrival. Not thread-safe for its caller; its clients are.
 */
final class WebLoad implements AutoCloseable {
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<Thread> threads = new ArrayList<>();
  private final List<InputStream> streams = new ArrayList<>();
  private final MicrosHistogram toClient = new MicrosHistogram();
  private final AtomicLong messages = new AtomicLong();
  private final AtomicLong cycleBytes = new AtomicLong();
  private final AtomicLong cycleMessages = new AtomicLong();
  private final CountDownLatch live;
  private volatile boolean closed;

  /**
   * Connects {@code clients} clients to {@code events} and waits until each has its history.
   *
   * @throws IllegalStateException when they are not all live within 10 s
   */
  WebLoad(URI events, int clients) throws InterruptedException {
    live = new CountDownLatch(clients);
    for (int i = 0; i < clients; i++) {
      Thread t = new Thread(() -> read(events), "safeloop-bench-page-" + i);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
    if (!live.await(10, TimeUnit.SECONDS)) {
      close();
      throw new IllegalStateException(
          "the benchmark's " + clients + " pages did not all connect to " + events + " in 10 s");
    }
  }

  private void read(URI events) {
    try {
      HttpResponse<InputStream> response =
          http.send(
              HttpRequest.newBuilder(events).timeout(Duration.ofSeconds(10)).GET().build(),
              HttpResponse.BodyHandlers.ofInputStream());
      InputStream body = response.body();
      synchronized (streams) {
        streams.add(body);
      }
      BufferedReader in =
          new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8), 1 << 16);
      boolean isLive = false;
      String event = "";
      String line;
      while (!closed && (line = in.readLine()) != null) {
        if (line.startsWith("event: ")) {
          event = line.substring(7);
          if (event.equals("live") && !isLive) {
            isLive = true;
            live.countDown();
          }
        } else if (line.startsWith("data: ") && isLive) {
          messages.incrementAndGet();
          if (event.equals("cycle")) {
            Instant arrived = Instant.now();
            cycleMessages.incrementAndGet();
            cycleBytes.addAndGet(line.length() + 1);
            Instant started = Instant.parse(field(line, "\"ts\":\""));
            long micros = Duration.between(started, arrived).toNanos() / 1000;
            synchronized (toClient) {
              toClient.record(micros);
            }
          }
        }
      }
    } catch (IOException e) {
      // closed by close(), or the server dropped this page
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String field(String line, String key) {
    int at = line.indexOf(key) + key.length();
    return line.substring(at, line.indexOf('"', at));
  }

  /** Forgets what was measured (after the warm-up). */
  void clear() {
    synchronized (toClient) {
      toClient.clear();
    }
    messages.set(0);
    cycleBytes.set(0);
    cycleMessages.set(0);
  }

  /** Returns the cycle-start-to-client latency of every live cycle record, all clients. */
  DeployBenchmark.Percentiles toClient() {
    synchronized (toClient) {
      return toClient.percentiles();
    }
  }

  /** Returns the messages the clients read since the last clear. */
  long messages() {
    return messages.get();
  }

  /** Returns the mean size of a cycle record's message line, in bytes. */
  double bytesPerCycleMessage() {
    long n = cycleMessages.get();
    return n == 0 ? Double.NaN : cycleBytes.get() / (double) n;
  }

  @Override
  public void close() {
    closed = true;
    synchronized (streams) {
      for (InputStream s : streams) {
        try {
          s.close();
        } catch (IOException ignored) {
          // closing anyway
        }
      }
    }
    for (Thread t : threads) {
      t.interrupt();
    }
  }
}
