package org.safeloop.plc.virtualplant.modbus;

import com.ghgande.j2mod.modbus.ModbusIOException;
import com.ghgande.j2mod.modbus.io.ModbusTCPTransport;
import com.ghgande.j2mod.modbus.msg.ModbusRequest;
import com.ghgande.j2mod.modbus.msg.ModbusResponse;
import com.ghgande.j2mod.modbus.net.AbstractModbusListener;
import com.ghgande.j2mod.modbus.procimg.ProcessImage;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.safeloop.plc.DataType;
import org.safeloop.plc.modbus.ModbusAddress;
import org.safeloop.plc.modbus.ModbusTable;
import org.safeloop.plc.modbus.RegisterCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Modbus TCP slave on 127.0.0.1 serving a process image of the four tables, for the virtual plant
 * and for tests. Code reads and updates the image while masters read and write it; per address
 * write counters and a request counter show what masters did.
 *
 * <p>Requests are decoded and answered by j2mod ({@link ModbusTCPTransport}, j2mod's request and
 * response messages and {@link ProcessImage}), but the slave owns its server socket and client
 * sockets instead of going through j2mod's {@code ModbusSlaveFactory}: that factory keeps a static
 * registry by port, cannot report an ephemeral port, and on close leaves established client
 * connections open (a stopped slave would keep answering). Here {@link #close()} closes the
 * listener and every client connection, as a PLC that goes off line does, and nothing global is
 * left behind.
 *
 * <p>Requests for another unit id are answered with exception 11 (gateway target device failed to
 * respond). Addresses outside the image size, or outside the entries declared with {@link #map}
 * once any are, are answered with exception 2 (illegal data address). Thread-safe.
 */
public final class PlantModbusSlave implements AutoCloseable {

  /** The only address the slave binds to. */
  public static final String HOST = "127.0.0.1";

  private static final Logger LOG = LoggerFactory.getLogger(PlantModbusSlave.class);
  private static final int MAX_CLIENTS = 16;

  private final int unitId;
  private final SlaveImage image;
  private final ServerSocket server;
  private final Thread acceptor;
  private final Set<Socket> clients = ConcurrentHashMap.newKeySet();
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong accepted = new AtomicLong();
  private final Listener listener = new Listener();
  private volatile boolean running = true;

  private PlantModbusSlave(ServerSocket server, int unitId, int tableSize) {
    this.server = server;
    this.unitId = unitId;
    this.image = new SlaveImage(tableSize);
    this.acceptor = new Thread(this::acceptLoop, "safeloop-modbus-slave-" + server.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /**
   * Starts a slave for unit id 1 with 1000 entries in each table.
   *
   * @param port TCP port on 127.0.0.1; 0 picks a free ephemeral port
   * @return the running slave
   * @throws IOException if the port cannot be bound
   */
  public static PlantModbusSlave start(int port) throws IOException {
    return start(port, 1, 1000);
  }

  /**
   * Starts a slave.
   *
   * @param port TCP port on 127.0.0.1; 0 picks a free ephemeral port
   * @param unitId the unit id this slave answers, 0..255
   * @param tableSize entries in each of the four tables, 1..65536
   * @return the running slave
   * @throws IOException if the port cannot be bound
   */
  public static PlantModbusSlave start(int port, int unitId, int tableSize) throws IOException {
    if (unitId < 0 || unitId > 255) {
      throw new IllegalArgumentException("unitId must be in 0..255: " + unitId);
    }
    if (tableSize < 1 || tableSize > 65536) {
      throw new IllegalArgumentException("tableSize must be in 1..65536: " + tableSize);
    }
    ServerSocket socket = new ServerSocket();
    try {
      socket.setReuseAddress(true); // so a restarted slave can take the same port at once
      socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), port), 50);
    } catch (IOException e) {
      socket.close();
      throw e;
    }
    PlantModbusSlave slave = new PlantModbusSlave(socket, unitId, tableSize);
    LOG.info("modbus slave listening on {}:{} (unit {})", HOST, slave.port(), unitId);
    return slave;
  }

  /**
   * The port the slave listens on.
   *
   * @return the TCP port
   */
  public int port() {
    return server.getLocalPort();
  }

  /**
   * The unit id the slave answers.
   *
   * @return the unit id
   */
  public int unitId() {
    return unitId;
  }

  /**
   * Declares entries a master may read and write, as a PLC program defines its addresses. Until the
   * first call every entry of the image is served; from then on a request touching an entry that no
   * call declared (in any table) is answered with exception 2 (illegal data address), and a write
   * to it changes nothing.
   *
   * @param table the table
   * @param offset the first 0-based offset
   * @param count how many registers or bits, from {@code offset}
   * @throws IllegalArgumentException if the entries are outside the image
   */
  public void map(ModbusTable table, int offset, int count) {
    image.map(table, offset, count);
  }

  /**
   * Reads one register (0..65535) or bit (0 or 1) of the image.
   *
   * @param table the table
   * @param offset 0-based offset
   * @return the raw word or bit
   */
  public int word(ModbusTable table, int offset) {
    return image.word(table, offset);
  }

  /**
   * Sets one register (low 16 bits of {@code value}) or bit (non-zero is on) of the image; does not
   * count as a master write.
   *
   * @param table the table
   * @param offset 0-based offset
   * @param value the raw word or bit
   */
  public void setWord(ModbusTable table, int offset, int value) {
    image.setWords(table, offset, new int[] {value});
  }

  /**
   * Reads a raw value as a master would see it at {@code address}, decoding {@code type} with the
   * address's word order.
   *
   * @param address table, offset and word order
   * @param type the raw data type (BOOLEAN for bit tables)
   * @return the raw value (0 or 1 for bits)
   */
  public double value(ModbusAddress address, DataType type) {
    address.requireSupported("slave value", type);
    if (address.table().isBitTable()) {
      return image.word(address.table(), address.offset());
    }
    int[] words = image.words(address.table(), address.offset(), type.registerCount());
    return RegisterCodec.decode(type, address.wordOrder(), words, 0);
  }

  /**
   * Sets a raw value at {@code address}, encoding {@code type} with the address's word order; all
   * registers change at once as far as masters can see.
   *
   * @param address table, offset and word order
   * @param type the raw data type (BOOLEAN for bit tables)
   * @param raw the raw value; must fit the type (FLOAT32 and FLOAT64 also take NaN, as a failed
   *     transmitter reports it)
   */
  public void setValue(ModbusAddress address, DataType type, double raw) {
    address.requireSupported("slave value", type);
    boolean floatNaN = (type == DataType.FLOAT32 || type == DataType.FLOAT64) && Double.isNaN(raw);
    double fitted = floatNaN ? raw : type.fitRaw(raw, "slave value at " + address);
    int[] words =
        address.table().isBitTable()
            ? new int[] {fitted != 0 ? 1 : 0}
            : RegisterCodec.encode(type, address.wordOrder(), fitted);
    image.setWords(address.table(), address.offset(), words);
  }

  /**
   * How many times masters wrote this holding register or coil (each register of a multi-register
   * write counts once); 0 for read-only tables.
   *
   * @param table the table
   * @param offset 0-based offset
   * @return the write count
   */
  public long writeCount(ModbusTable table, int offset) {
    return image.writes(table, offset);
  }

  /**
   * How many requests the slave has answered (including exception responses).
   *
   * @return the request count
   */
  public long requestCount() {
    return requests.get();
  }

  /**
   * How many TCP connections masters have opened.
   *
   * @return the connection count
   */
  public long connectionCount() {
    return accepted.get();
  }

  /**
   * Closes every client connection and keeps listening, as a device does with connections that sat
   * idle past its timeout.
   */
  public void closeClientConnections() {
    for (Socket client : clients) {
      closeQuietly(client);
    }
  }

  /** Stops listening and closes every client connection. Idempotent. */
  @Override
  public void close() {
    if (!running) {
      return;
    }
    running = false;
    try {
      server.close();
    } catch (IOException e) {
      LOG.debug("closing modbus slave socket", e);
    }
    for (Socket client : clients) {
      closeQuietly(client);
    }
    try {
      acceptor.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    LOG.info("modbus slave on port {} stopped", server.getLocalPort());
  }

  private void acceptLoop() {
    while (running) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        if (running) {
          LOG.warn("modbus slave accept failed", e);
        }
        return;
      }
      accepted.incrementAndGet();
      if (!running || clients.size() >= MAX_CLIENTS) {
        closeQuietly(client);
        continue;
      }
      clients.add(client);
      Thread handler =
          new Thread(
              () -> serve(client),
              "safeloop-modbus-slave-" + server.getLocalPort() + "-" + client.getPort());
      handler.setDaemon(true);
      handler.start();
    }
  }

  private void serve(Socket client) {
    try {
      client.setTcpNoDelay(true);
      ModbusTCPTransport transport = new ModbusTCPTransport(client);
      while (running) {
        ModbusRequest request = transport.readRequest(listener);
        ModbusResponse response;
        if (request.getUnitID() != unitId) {
          response = request.createExceptionResponse(11);
        } else {
          synchronized (image) {
            response = request.createResponse(listener);
          }
        }
        requests.incrementAndGet();
        transport.writeResponse(response);
      }
    } catch (ModbusIOException | SocketException e) {
      LOG.debug("modbus slave client {} gone: {}", client.getRemoteSocketAddress(), e.getMessage());
    } catch (RuntimeException e) {
      LOG.warn("modbus slave client {} failed", client.getRemoteSocketAddress(), e);
    } finally {
      clients.remove(client);
      closeQuietly(client);
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      LOG.debug("closing modbus client socket", e);
    }
  }

  /** Hands j2mod's request messages this slave's process image. */
  private final class Listener extends AbstractModbusListener {
    @Override
    public ProcessImage getProcessImage(int unit) {
      return unit == unitId ? image : null;
    }

    @Override
    public void run() {
      // Not used: the slave runs its own accept loop.
    }

    @Override
    public void stop() {
      // Not used: see close().
    }
  }
}
