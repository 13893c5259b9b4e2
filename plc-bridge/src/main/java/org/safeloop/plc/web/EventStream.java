package org.safeloop.plc.web;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.safeloop.plc.audit.TapQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Server-Sent Events to every open page: {@link #publish} hands a message to each client's own
 * bounded queue and returns at once; each client's sender is the server thread that answers its
 * {@code GET}, writing first the history then what arrives. A client whose queue overflows, or
 * whose write has blocked longer than {@link #STUCK_NANOS}, is too slow and is dropped (its
 * connection closed, the page's EventSource reconnects and gets the history again): nobody waits
 * for a slow client, least of all the publisher.
 *
 * <p>Thread-safe: {@link #publish} from one or more threads, {@link #serve} on the server's
 * threads.
 */
public final class EventStream {
  private static final Logger LOG = LoggerFactory.getLogger(EventStream.class);

  /** A comment line sent when nothing else was for this long, so dead connections show. */
  static final long KEEPALIVE_NANOS = TimeUnit.SECONDS.toNanos(10);

  /** A write blocked this long means a client that does not read: it is dropped. */
  static final long STUCK_NANOS = TimeUnit.SECONDS.toNanos(5);

  private static final byte[] KEEPALIVE = ": keepalive\n\n".getBytes(StandardCharsets.UTF_8);

  /** Sent after the history: what follows is live. */
  private static final byte[] LIVE = message("live", "{}");

  private final int clientQueue;
  private final int maxClients;
  private final Supplier<List<byte[]>> history;
  private final List<Client> clients = new CopyOnWriteArrayList<>();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong served = new AtomicLong();
  private volatile boolean closed;

  /** One open page and its sender thread. */
  private static final class Client {
    final TapQueue<byte[]> queue;
    final Thread sender;
    // When the current write started, 0 when not writing (nanoTime).
    volatile long writingSince;
    volatile boolean dropped;

    Client(int capacity, Thread sender) {
      this.queue = new TapQueue<>(capacity);
      this.sender = sender;
    }
  }

  /**
   * A stream.
   *
   * @param clientQueue messages that may wait for one client
   * @param maxClients clients at once
   * @param history the messages a client gets first, oldest first (called on its sender thread)
   */
  public EventStream(int clientQueue, int maxClients, Supplier<List<byte[]>> history) {
    if (clientQueue < 1 || maxClients < 1) {
      throw new IllegalArgumentException("clientQueue and maxClients must be at least 1");
    }
    this.clientQueue = clientQueue;
    this.maxClients = maxClients;
    this.history = history;
  }

  /**
   * Formats one Server-Sent Event: {@code event: NAME} and one {@code data:} line (the data must
   * not hold a line break; JSON on one line does not).
   */
  public static byte[] message(String event, String data) {
    if (data.indexOf('\n') >= 0 || data.indexOf('\r') >= 0) {
      throw new IllegalArgumentException("event data must be one line");
    }
    return ("event: " + event + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8);
  }

  /** Hands a message to every client; never waits. A client that cannot take it is dropped. */
  public void publish(byte[] message) {
    long now = System.nanoTime();
    for (Client c : clients) {
      long since = c.writingSince;
      if (!c.queue.offer(message) || (since != 0 && now - since > STUCK_NANOS)) {
        drop(c);
      } else {
        LockSupport.unpark(c.sender);
      }
    }
  }

  /** Returns the clients connected now. */
  public int clients() {
    return clients.size();
  }

  /** Returns the clients dropped as too slow since the start. */
  public long droppedClients() {
    return dropped.get();
  }

  /** Returns the clients served since the start. */
  public long servedClients() {
    return served.get();
  }

  /** Drops every client and refuses new ones. */
  public void close() {
    closed = true;
    for (Client c : clients) {
      c.dropped = true;
      LockSupport.unpark(c.sender);
    }
  }

  private void drop(Client c) {
    if (!c.dropped) {
      c.dropped = true;
      dropped.incrementAndGet();
      LOG.info("web view: a client too slow to keep up was dropped");
      // A sender blocked in a socket write is freed by the interrupt, which closes its channel.
      c.sender.interrupt();
    }
  }

  /**
   * Answers one {@code GET} of the stream on the calling (server) thread until the client goes, is
   * dropped, or the stream closes.
   */
  public void serve(HttpExchange exchange) throws IOException {
    if (closed || clients.size() >= maxClients) {
      byte[] body =
          ("too many open pages (" + maxClients + "); close one and reload\n")
              .getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
      exchange.getResponseHeaders().set("Retry-After", "10");
      exchange.sendResponseHeaders(503, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
      return;
    }
    Client client = new Client(clientQueue, Thread.currentThread());
    exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.getResponseHeaders().set("X-Accel-Buffering", "no");
    served.incrementAndGet();
    // Registered before the history is taken: what arrives meanwhile may come twice (pages
    // ignore a record whose seq they have), never not at all.
    clients.add(client);
    try {
      exchange.sendResponseHeaders(200, 0);
      OutputStream out = exchange.getResponseBody();
      // Tell EventSource how long to wait before it reconnects after a drop.
      write(client, out, "retry: 2000\n\n".getBytes(StandardCharsets.UTF_8));
      for (byte[] m : history.get()) {
        if (client.dropped) {
          return;
        }
        write(client, out, m);
      }
      write(client, out, LIVE);
      flush(client, out);
      long lastWrite = System.nanoTime();
      while (!client.dropped && !closed) {
        byte[] m = client.queue.poll();
        if (m != null) {
          write(client, out, m);
          if (client.queue.size() == 0) {
            flush(client, out);
          }
          lastWrite = System.nanoTime();
        } else if (System.nanoTime() - lastWrite >= KEEPALIVE_NANOS) {
          write(client, out, KEEPALIVE);
          flush(client, out);
          lastWrite = System.nanoTime();
        } else {
          LockSupport.parkNanos(this, KEEPALIVE_NANOS);
        }
      }
    } catch (IOException e) {
      // The page went away, or a drop closed the connection.
      LOG.debug("web view: event stream ended: {}", e.toString());
    } finally {
      clients.remove(client);
      Thread.interrupted(); // a drop's interrupt must not reach the pool's next task
      try {
        exchange.close();
      } catch (RuntimeException e) {
        LOG.debug("web view: closing an event stream: {}", e.toString());
      }
    }
  }

  private static void flush(Client client, OutputStream out) throws IOException {
    client.writingSince = System.nanoTime() | 1;
    try {
      out.flush();
    } finally {
      client.writingSince = 0;
    }
  }

  private static void write(Client client, OutputStream out, byte[] message) throws IOException {
    client.writingSince = System.nanoTime() | 1;
    try {
      out.write(message);
    } finally {
      client.writingSince = 0;
    }
  }
}
