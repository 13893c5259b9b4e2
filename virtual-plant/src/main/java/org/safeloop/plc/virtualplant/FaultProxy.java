package org.safeloop.plc.virtualplant;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP proxy on 127.0.0.1 between a PLC client and a server on this machine, that injects network
 * faults for tests and the demo: a delay added to every forwarded chunk (in both directions), a
 * blackhole that keeps connections open but forwards nothing, and dropping every open connection.
 * Point the client at {@link #port()} instead of the server's port; the protocol is irrelevant
 * (Modbus TCP and OPC UA alike).
 *
 * <p>A delay is a latency, not a throttle: each chunk is forwarded {@code delay} after it arrived,
 * in order, so a delay longer than the client's timeout makes every call time out, and clearing it
 * lets new traffic through at once (chunks already queued keep their time).
 *
 * <p>The target must be a loopback address: this is a test tool, never pointed at another host.
 * Thread-safe; each connection uses four daemon threads. Close it to stop listening and drop every
 * connection.
 */
public final class FaultProxy implements AutoCloseable {

  /** The only address the proxy binds to. */
  public static final String HOST = "127.0.0.1";

  private static final Logger LOG = LoggerFactory.getLogger(FaultProxy.class);
  private static final int CHUNK = 8192;
  private static final int CONNECT_TIMEOUT_MILLIS = 2000;

  private final ServerSocket listener;
  private final InetSocketAddress target;
  private final Thread acceptor;
  private final Set<Link> links = ConcurrentHashMap.newKeySet();
  private final AtomicLong connections = new AtomicLong();
  private final AtomicLong forwardedBytes = new AtomicLong();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile long delayNanos;
  private volatile boolean blackhole;

  private FaultProxy(ServerSocket listener, InetSocketAddress target) {
    this.listener = listener;
    this.target = target;
    this.acceptor = new Thread(this::acceptLoop, "safeloop-fault-proxy-" + listener.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /**
   * Starts a proxy on a free port of 127.0.0.1 to a server on 127.0.0.1.
   *
   * @param targetPort the server's port
   * @return the running proxy
   * @throws IOException if no port can be bound
   */
  public static FaultProxy start(int targetPort) throws IOException {
    return start(0, HOST, targetPort);
  }

  /**
   * Starts a proxy.
   *
   * @param port the proxy's port on 127.0.0.1; 0 picks a free one
   * @param targetHost the server's host; must be a loopback address
   * @param targetPort the server's port, 1..65535
   * @return the running proxy
   * @throws IOException if the port cannot be bound or the host is unknown
   * @throws IllegalArgumentException if the target is not on this machine's loopback
   */
  public static FaultProxy start(int port, String targetHost, int targetPort) throws IOException {
    Objects.requireNonNull(targetHost, "targetHost");
    if (targetPort < 1 || targetPort > 65535) {
      throw new IllegalArgumentException("targetPort must be in 1..65535: " + targetPort);
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be in 0..65535: " + port);
    }
    InetAddress address = InetAddress.getByName(targetHost);
    if (!address.isLoopbackAddress()) {
      throw new IllegalArgumentException(
          "the fault proxy forwards only to this machine's loopback, not to " + targetHost);
    }
    ServerSocket socket = new ServerSocket();
    try {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), port), 50);
    } catch (IOException e) {
      socket.close();
      throw e;
    }
    return new FaultProxy(socket, new InetSocketAddress(address, targetPort));
  }

  /**
   * The port clients connect to.
   *
   * @return the proxy's TCP port on 127.0.0.1
   */
  public int port() {
    return listener.getLocalPort();
  }

  /**
   * Delays every chunk forwarded from now on, in both directions.
   *
   * @param delay the added latency; zero for none
   */
  public void setDelay(Duration delay) {
    if (delay == null || delay.isNegative()) {
      throw new IllegalArgumentException("delay must be zero or positive: " + delay);
    }
    delayNanos = delay.toNanos();
  }

  /**
   * The added latency.
   *
   * @return the delay
   */
  public Duration delay() {
    return Duration.ofNanos(delayNanos);
  }

  /**
   * Switches the blackhole on or off: while on, connections stay open and new ones are accepted,
   * but every byte received is discarded in both directions (a cable cut behind a switch).
   *
   * @param on true to discard traffic
   */
  public void setBlackhole(boolean on) {
    blackhole = on;
  }

  /** Removes the delay and the blackhole; open connections carry traffic normally again. */
  public void clearFaults() {
    delayNanos = 0;
    blackhole = false;
  }

  /**
   * Closes every open connection at once (both sides see the connection end); new connections are
   * still accepted.
   */
  public void dropConnections() {
    for (Link link : links) {
      link.close();
    }
  }

  /**
   * How many client connections the proxy has accepted.
   *
   * @return the count
   */
  public long connectionCount() {
    return connections.get();
  }

  /**
   * How many bytes reached their destination, both directions together.
   *
   * @return the count
   */
  public long forwardedBytes() {
    return forwardedBytes.get();
  }

  /** Stops listening and closes every connection. Idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      listener.close();
    } catch (IOException e) {
      LOG.debug("closing fault proxy listener", e);
    }
    dropConnections();
    try {
      acceptor.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void acceptLoop() {
    while (!closed.get()) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        if (!closed.get()) {
          LOG.warn("fault proxy accept failed", e);
        }
        return;
      }
      connections.incrementAndGet();
      Socket server = new Socket();
      try {
        client.setTcpNoDelay(true);
        server.setTcpNoDelay(true);
        server.connect(target, CONNECT_TIMEOUT_MILLIS);
      } catch (IOException e) {
        LOG.debug("fault proxy cannot reach {}: {}", target, e.getMessage());
        closeQuietly(client);
        closeQuietly(server);
        continue;
      }
      Link link = new Link(client, server);
      links.add(link);
      if (closed.get()) {
        link.close();
      } else {
        link.start();
      }
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      LOG.debug("closing proxied socket", e);
    }
  }

  /** A chunk of bytes and the System.nanoTime() at which it may be forwarded. */
  private record Chunk(byte[] bytes, long dueNanos) {}

  /** One proxied connection: a pump each way. */
  private final class Link {
    private final Socket client;
    private final Socket server;
    private final AtomicBoolean open = new AtomicBoolean(true);

    Link(Socket client, Socket server) {
      this.client = client;
      this.server = server;
    }

    void start() {
      String name = "safeloop-fault-proxy-" + listener.getLocalPort() + "-" + client.getPort();
      pump(client, server, name + "-up");
      pump(server, client, name + "-down");
    }

    private void pump(Socket from, Socket to, String name) {
      BlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
      Thread reader = new Thread(() -> read(from, queue), name + "-read");
      Thread writer = new Thread(() -> write(to, queue), name + "-write");
      reader.setDaemon(true);
      writer.setDaemon(true);
      reader.start();
      writer.start();
    }

    private void read(Socket from, BlockingQueue<Chunk> queue) {
      byte[] buffer = new byte[CHUNK];
      try {
        InputStream in = from.getInputStream();
        int n;
        while ((n = in.read(buffer)) >= 0) {
          if (!blackhole && n > 0) {
            queue.add(new Chunk(Arrays.copyOf(buffer, n), System.nanoTime() + delayNanos));
          }
        }
      } catch (IOException e) {
        LOG.debug("fault proxy read ended: {}", e.getMessage());
      } finally {
        close();
      }
    }

    private void write(Socket to, BlockingQueue<Chunk> queue) {
      try {
        OutputStream out = to.getOutputStream();
        while (open.get()) {
          Chunk chunk = queue.poll(100, TimeUnit.MILLISECONDS);
          if (chunk == null) {
            continue;
          }
          long wait = chunk.dueNanos() - System.nanoTime();
          while (wait > 0 && open.get()) {
            // The injected latency itself: hold the chunk until its due time.
            TimeUnit.NANOSECONDS.sleep(Math.min(wait, TimeUnit.MILLISECONDS.toNanos(100)));
            wait = chunk.dueNanos() - System.nanoTime();
          }
          if (!open.get()) {
            return;
          }
          if (!blackhole) {
            out.write(chunk.bytes());
            out.flush();
            forwardedBytes.addAndGet(chunk.bytes().length);
          }
        }
      } catch (SocketException e) {
        LOG.debug("fault proxy write ended: {}", e.getMessage());
      } catch (IOException e) {
        LOG.debug("fault proxy write failed", e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        close();
      }
    }

    void close() {
      if (open.compareAndSet(true, false)) {
        closeQuietly(client);
        closeQuietly(server);
        links.remove(this);
      }
    }
  }
}
