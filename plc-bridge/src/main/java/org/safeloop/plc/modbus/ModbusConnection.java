package org.safeloop.plc.modbus;

import com.ghgande.j2mod.modbus.Modbus;
import com.ghgande.j2mod.modbus.ModbusIOException;
import com.ghgande.j2mod.modbus.io.AbstractModbusTransport;
import com.ghgande.j2mod.modbus.msg.ExceptionResponse;
import com.ghgande.j2mod.modbus.msg.ModbusRequest;
import com.ghgande.j2mod.modbus.msg.ModbusResponse;
import com.ghgande.j2mod.modbus.msg.ReadCoilsRequest;
import com.ghgande.j2mod.modbus.msg.ReadCoilsResponse;
import com.ghgande.j2mod.modbus.msg.ReadInputDiscretesRequest;
import com.ghgande.j2mod.modbus.msg.ReadInputDiscretesResponse;
import com.ghgande.j2mod.modbus.msg.ReadInputRegistersRequest;
import com.ghgande.j2mod.modbus.msg.ReadInputRegistersResponse;
import com.ghgande.j2mod.modbus.msg.ReadMultipleRegistersRequest;
import com.ghgande.j2mod.modbus.msg.ReadMultipleRegistersResponse;
import com.ghgande.j2mod.modbus.msg.WriteCoilRequest;
import com.ghgande.j2mod.modbus.msg.WriteMultipleCoilsRequest;
import com.ghgande.j2mod.modbus.msg.WriteMultipleRegistersRequest;
import com.ghgande.j2mod.modbus.msg.WriteSingleRegisterRequest;
import com.ghgande.j2mod.modbus.net.TCPMasterConnection;
import com.ghgande.j2mod.modbus.procimg.Register;
import com.ghgande.j2mod.modbus.procimg.SimpleRegister;
import com.ghgande.j2mod.modbus.util.BitVector;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.safeloop.env.Quality;
import org.safeloop.plc.DataType;
import org.safeloop.plc.PlcConnection;
import org.safeloop.plc.PlcConnectionConfig;
import org.safeloop.plc.PlcException;
import org.safeloop.plc.PlcException.Reason;
import org.safeloop.plc.PlcSubscription;
import org.safeloop.plc.Tag;
import org.safeloop.plc.TagValue;
import org.safeloop.plc.TagWrite;
import org.safeloop.plc.Tags;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Modbus TCP master on j2mod. All socket work happens on one I/O thread per connection, so there is
 * exactly one master per connection and requests never interleave. Transactions are run here rather
 * than through j2mod's {@code ModbusTCPTransaction}, whose transaction id counter is static (shared
 * by all masters in the JVM) and which retries by resending on the same socket: we number requests
 * per connection, check that each response echoes transaction id, unit id and function code, and
 * drop the socket after any timeout or mismatch so that a late response can never be taken for the
 * answer to a later request. Thread-safe.
 */
final class ModbusConnection implements PlcConnection {

  private static final Logger LOG = LoggerFactory.getLogger(ModbusConnection.class);

  private final PlcConnectionConfig config;
  private final ModbusOptions options;
  private final Clock clock;
  private final String name;
  private final ScheduledThreadPoolExecutor io;
  private final Backoff backoff;
  private final Set<CompletableFuture<?>> pending = ConcurrentHashMap.newKeySet();
  private final AtomicLong staleReconnects = new AtomicLong();

  // Confined to the I/O thread, except that close() may close the socket to unblock it.
  private volatile TCPMasterConnection master;
  private int lastTransactionId;

  private volatile boolean connected;
  private volatile boolean closed;

  ModbusConnection(PlcConnectionConfig config, Clock clock) {
    if (!(config.options() instanceof ModbusOptions modbusOptions)) {
      throw new IllegalArgumentException(
          "modbus connection needs ModbusOptions, got " + config.options().getClass().getName());
    }
    this.config = config;
    this.options = modbusOptions;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.name = "modbus://" + config.host() + ":" + config.port() + "/" + options.unitId();
    this.backoff = new Backoff(clock, options.reconnectMinDelay(), options.reconnectMaxDelay());
    this.io =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread thread = new Thread(r, "safeloop-" + name);
              thread.setDaemon(true);
              return thread;
            });
    io.setRemoveOnCancelPolicy(true);
  }

  @Override
  public CompletableFuture<Map<String, TagValue>> readAsync(Collection<Tag> tags) {
    List<Tag> checked;
    try {
      checked = checkTags(tags);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(e);
    }
    long deadline = deadline();
    return submit(() -> readNow(checked, deadline));
  }

  @Override
  public CompletableFuture<Void> writeAsync(Collection<TagWrite> writes) {
    List<RequestPlan.WriteBlock> blocks;
    try {
      blocks = planWrites(writes);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(e);
    }
    long deadline = deadline();
    return submit(
        () -> {
          for (RequestPlan.WriteBlock block : blocks) {
            writeBlock(block, deadline);
          }
          return null;
        });
  }

  @Override
  public CompletableFuture<PlcSubscription> subscribeAsync(
      Collection<Tag> tags, Duration samplingInterval, Consumer<TagValue> listener) {
    List<Tag> checked;
    try {
      checked = checkTags(tags);
      if (samplingInterval == null || samplingInterval.isNegative() || samplingInterval.isZero()) {
        throw new IllegalArgumentException(
            "samplingInterval must be positive: " + samplingInterval);
      }
      Objects.requireNonNull(listener, "listener");
    } catch (IllegalArgumentException | NullPointerException e) {
      return CompletableFuture.failedFuture(e);
    }
    Poller poller = new Poller(checked, listener);
    try {
      poller.future =
          io.scheduleWithFixedDelay(
              poller::poll, 0, samplingInterval.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(closedException());
    }
    return CompletableFuture.completedFuture(poller);
  }

  @Override
  public Duration callTimeout() {
    return config.connectTimeout().plus(config.requestTimeout());
  }

  /**
   * Requests that found their connection closed by the device and went through on a fresh one.
   *
   * @return the count since this connection was opened
   */
  public long staleReconnects() {
    return staleReconnects.get();
  }

  @Override
  public boolean isConnected() {
    return connected;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    io.shutdownNow();
    TCPMasterConnection current = master;
    if (current != null) {
      current.close(); // unblocks a read in progress on the I/O thread
    }
    try {
      if (!io.awaitTermination(2, TimeUnit.SECONDS)) {
        LOG.warn("{}: I/O thread did not stop within 2 s", name);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    PlcException closedError = closedException();
    for (CompletableFuture<?> future : pending) {
      future.completeExceptionally(closedError);
    }
    connected = false;
    LOG.info("{}: closed", name);
  }

  @Override
  public String toString() {
    return name;
  }

  // ---- planning (caller thread) -------------------------------------------------------------

  private static List<Tag> checkTags(Collection<Tag> tags) {
    return Tags.requireAll(tags, ModbusAddress.class, "a Modbus connection");
  }

  private static List<RequestPlan.WriteBlock> planWrites(Collection<TagWrite> writes) {
    Objects.requireNonNull(writes, "writes");
    List<RequestPlan.EncodedWrite> encoded = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (TagWrite write : writes) {
      Tag tag = write.tag();
      if (!(tag.address() instanceof ModbusAddress address)) {
        throw new IllegalArgumentException(
            "tag "
                + tag.name()
                + " has a "
                + tag.address().protocol()
                + " address; this is a Modbus connection");
      }
      if (!names.add(tag.name())) {
        throw new IllegalArgumentException("tag " + tag.name() + " is written twice in one call");
      }
      if (tag.readOnly()) {
        throw new IllegalArgumentException("tag " + tag.name() + " is read-only");
      }
      if (!address.table().isWritable()) {
        throw new IllegalArgumentException(
            "tag "
                + tag.name()
                + " is in the "
                + address.table()
                + " table, which a Modbus master cannot write");
      }
      if (write.isText()) {
        throw new IllegalArgumentException(
            "type mismatch: tag "
                + tag.name()
                + " is a "
                + tag.dataType()
                + " in "
                + address.table()
                + "; Modbus cannot take the text '"
                + write.text()
                + "'");
      }
      double raw = tag.toRaw(write.value());
      int[] values =
          address.table().isBitTable()
              ? new int[] {raw != 0 ? 1 : 0}
              : RegisterCodec.encode(tag.dataType(), address.wordOrder(), raw);
      encoded.add(new RequestPlan.EncodedWrite(tag, address, values));
    }
    return RequestPlan.writes(encoded);
  }

  // ---- I/O thread --------------------------------------------------------------------------

  @FunctionalInterface
  private interface IoCall<T> {
    T call() throws PlcException;
  }

  private long deadline() {
    return System.nanoTime() + callTimeout().toNanos();
  }

  private <T> CompletableFuture<T> submit(IoCall<T> call) {
    CompletableFuture<T> future = new CompletableFuture<>();
    if (closed) {
      future.completeExceptionally(closedException());
      return future;
    }
    pending.add(future);
    future.whenComplete((r, e) -> pending.remove(future));
    try {
      io.execute(
          () -> {
            if (future.isDone()) {
              return; // cancelled or timed out while queued
            }
            try {
              future.complete(call.call());
            } catch (PlcException | RuntimeException e) {
              future.completeExceptionally(e);
            }
          });
    } catch (RejectedExecutionException e) {
      future.completeExceptionally(closedException());
    }
    return future;
  }

  private Map<String, TagValue> readNow(List<Tag> tags, long deadline) throws PlcException {
    Map<String, TagValue> byName = new HashMap<>();
    for (RequestPlan.ReadBlock block : RequestPlan.reads(tags, options)) {
      ModbusResponse response = execute(readRequest(block), deadline, describe(block));
      Instant receivedAt = clock.instant();
      int[] words = block.table().isBitTable() ? bits(response, block) : registers(response);
      if (words.length < block.count()) {
        disconnect();
        throw new PlcException(
            Reason.PROTOCOL,
            0,
            name
                + ": short response ("
                + words.length
                + " of "
                + block.count()
                + ") for "
                + describe(block));
      }
      for (Tag tag : block.tags()) {
        ModbusAddress address = (ModbusAddress) tag.address();
        int index = address.offset() - block.start();
        double raw =
            tag.dataType() == DataType.BOOLEAN
                ? words[index]
                : RegisterCodec.decode(tag.dataType(), address.wordOrder(), words, index);
        double value = tag.dataType() == DataType.BOOLEAN ? raw : tag.scaling().toEngineering(raw);
        byName.put(tag.name(), TagValue.numeric(tag.name(), value, Quality.GOOD, receivedAt, 0));
      }
    }
    Map<String, TagValue> ordered = new LinkedHashMap<>();
    for (Tag tag : tags) {
      ordered.put(tag.name(), byName.get(tag.name()));
    }
    return java.util.Collections.unmodifiableMap(ordered);
  }

  private void writeBlock(RequestPlan.WriteBlock block, long deadline) throws PlcException {
    int[] values = block.values();
    ModbusRequest request;
    if (block.table() == ModbusTable.COIL) {
      if (values.length == 1) {
        request = new WriteCoilRequest(block.start(), values[0] != 0);
      } else {
        BitVector bits = new BitVector(values.length);
        for (int i = 0; i < values.length; i++) {
          bits.setBit(i, values[i] != 0);
        }
        request = new WriteMultipleCoilsRequest(block.start(), bits);
      }
    } else if (values.length == 1) {
      request = new WriteSingleRegisterRequest(block.start(), new SimpleRegister(values[0]));
    } else {
      Register[] registers = new Register[values.length];
      for (int i = 0; i < values.length; i++) {
        registers[i] = new SimpleRegister(values[i]);
      }
      request = new WriteMultipleRegistersRequest(block.start(), registers);
    }
    execute(
        request,
        deadline,
        "writing "
            + block.table()
            + " "
            + block.start()
            + ".."
            + (block.start() + values.length - 1)
            + " for tag(s) "
            + String.join(", ", block.tagNames()));
  }

  private static ModbusRequest readRequest(RequestPlan.ReadBlock block) {
    return switch (block.table()) {
      case COIL -> new ReadCoilsRequest(block.start(), block.count());
      case DISCRETE_INPUT -> new ReadInputDiscretesRequest(block.start(), block.count());
      case INPUT_REGISTER -> new ReadInputRegistersRequest(block.start(), block.count());
      case HOLDING_REGISTER -> new ReadMultipleRegistersRequest(block.start(), block.count());
    };
  }

  private static String describe(RequestPlan.ReadBlock block) {
    List<String> names = new ArrayList<>();
    for (Tag tag : block.tags()) {
      names.add(tag.name());
    }
    return "reading "
        + block.table()
        + " "
        + block.start()
        + ".."
        + (block.end() - 1)
        + " for tag(s) "
        + String.join(", ", names);
  }

  private static int[] registers(ModbusResponse response) {
    if (response instanceof ReadMultipleRegistersResponse holding) {
      int[] words = new int[holding.getWordCount()];
      for (int i = 0; i < words.length; i++) {
        words[i] = holding.getRegisterValue(i);
      }
      return words;
    }
    ReadInputRegistersResponse input = (ReadInputRegistersResponse) response;
    int[] words = new int[input.getWordCount()];
    for (int i = 0; i < words.length; i++) {
      words[i] = input.getRegisterValue(i);
    }
    return words;
  }

  private static int[] bits(ModbusResponse response, RequestPlan.ReadBlock block) {
    BitVector vector =
        response instanceof ReadCoilsResponse coils
            ? coils.getCoils()
            : ((ReadInputDiscretesResponse) response).getDiscretes();
    int available = Math.min(block.count(), vector.size());
    int[] bits = new int[available];
    for (int i = 0; i < available; i++) {
      bits[i] = vector.getBit(i) ? 1 : 0;
    }
    return bits;
  }

  /** Runs one request/response exchange on the I/O thread, connecting first if needed. */
  private ModbusResponse execute(ModbusRequest request, long deadline, String what)
      throws PlcException {
    if (closed) {
      throw closedException();
    }
    boolean reused = master != null;
    TCPMasterConnection connection = ensureConnected(deadline, what);
    long remainingMillis = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
    if (remainingMillis <= 0) {
      throw new PlcException(Reason.TIMEOUT, 0, name + ": no time left for " + what);
    }
    int transactionId = nextTransactionId();
    request.setUnitID(options.unitId());
    request.setTransactionID(transactionId);
    ModbusResponse response;
    try {
      AbstractModbusTransport transport = connection.getModbusTransport();
      transport.setTimeout((int) Math.min(remainingMillis, config.requestTimeout().toMillis()));
      transport.writeRequest(request);
      response = transport.readResponse();
    } catch (ModbusIOException e) {
      disconnect();
      boolean timedOut =
          System.nanoTime() >= deadline || String.valueOf(e.getMessage()).contains("timeout");
      if (reused && !timedOut) {
        // The device closed the connection while it sat idle between cycles (many devices and
        // gateways close idle Modbus TCP connections, j2mod's slave after 3 s), so the request
        // never reached it: one attempt on a fresh connection within the same deadline. Safe for
        // writes too, whose values are absolute (FC 5, 6, 15, 16). A second failure is reported.
        staleReconnects.incrementAndGet();
        LOG.info(
            "{}: connection closed by the device ({}); reconnecting once", name, e.getMessage());
        return execute(request, deadline, what);
      }
      throw new PlcException(
          timedOut ? Reason.TIMEOUT : Reason.CONNECTION,
          0,
          name
              + ": "
              + (timedOut ? "no response " : "connection failed ")
              + what
              + ": "
              + e.getMessage(),
          e);
    }
    int expectedFunction = request.getFunctionCode();
    if (response.getTransactionID() != transactionId
        || response.getUnitID() != options.unitId()
        || (response.getFunctionCode() & 0x7F) != expectedFunction) {
      disconnect();
      throw new PlcException(
          Reason.PROTOCOL,
          0,
          String.format(
              "%s: response does not match the request %s (transaction %d/%d, unit %d/%d,"
                  + " function %d/%d); connection dropped",
              name,
              what,
              response.getTransactionID(),
              transactionId,
              response.getUnitID(),
              options.unitId(),
              response.getFunctionCode(),
              expectedFunction));
    }
    if (response instanceof ExceptionResponse exception) {
      int code = exception.getExceptionCode();
      String message =
          name
              + ": device answered Modbus exception "
              + code
              + " ("
              + exceptionName(code)
              + ") "
              + what;
      if (isWrite(expectedFunction) && refusesWrite(code)) {
        throw PlcException.refusal(Reason.DEVICE_REJECTED, code, message, null);
      }
      throw new PlcException(Reason.DEVICE_REJECTED, code, message);
    }
    return response;
  }

  private TCPMasterConnection ensureConnected(long deadline, String what) throws PlcException {
    TCPMasterConnection current = master;
    if (current != null && current.isConnected()) {
      return current;
    }
    Duration wait = backoff.remaining();
    if (wait.compareTo(Duration.ZERO) > 0) {
      throw new PlcException(
          Reason.CONNECTION,
          0,
          name
              + ": not connected ("
              + backoff.failures()
              + " failed attempt(s)); next attempt in "
              + wait.toMillis()
              + " ms; "
              + what);
    }
    long remainingMillis = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
    int timeout = (int) Math.max(1, Math.min(remainingMillis, config.connectTimeout().toMillis()));
    TCPMasterConnection fresh = null;
    try {
      fresh = new TCPMasterConnection(InetAddress.getByName(config.host()));
      fresh.setPort(config.port());
      fresh.setTimeout(timeout);
      fresh.connect();
      fresh.setTimeout((int) config.requestTimeout().toMillis());
    } catch (Exception e) {
      if (fresh != null) {
        fresh.close();
      }
      Duration delay = backoff.failed();
      connected = false;
      LOG.debug("{}: connect failed ({}); next attempt in {} ms", name, e, delay.toMillis());
      throw new PlcException(
          Reason.CONNECTION,
          0,
          name
              + ": cannot connect ("
              + e.getMessage()
              + "); next attempt in "
              + delay.toMillis()
              + " ms; "
              + what,
          e);
    }
    backoff.succeeded();
    master = fresh;
    connected = true;
    if (closed) {
      fresh.close();
      throw closedException();
    }
    LOG.info("{}: connected", name);
    return fresh;
  }

  private void disconnect() {
    TCPMasterConnection current = master;
    master = null;
    connected = false;
    if (current != null) {
      current.close();
    }
  }

  private int nextTransactionId() {
    lastTransactionId = lastTransactionId >= 0xFFFF ? 1 : lastTransactionId + 1;
    return lastTransactionId;
  }

  private PlcException closedException() {
    return new PlcException(Reason.CLOSED, 0, name + " is closed");
  }

  private static boolean isWrite(int functionCode) {
    return functionCode == Modbus.WRITE_COIL
        || functionCode == Modbus.WRITE_MULTIPLE_COILS
        || functionCode == Modbus.WRITE_SINGLE_REGISTER
        || functionCode == Modbus.WRITE_MULTIPLE_REGISTERS;
  }

  /**
   * Whether an exception response to a write is the device refusing it ({@link
   * PlcException#refused()}): illegal function, address or value, or a device that could not carry
   * it out. Acknowledge and busy are transient, and the gateway codes say that the device behind
   * the gateway did not answer: failures to communicate.
   */
  static boolean refusesWrite(int exceptionCode) {
    return exceptionCode == Modbus.ILLEGAL_FUNCTION_EXCEPTION
        || exceptionCode == Modbus.ILLEGAL_ADDRESS_EXCEPTION
        || exceptionCode == Modbus.ILLEGAL_VALUE_EXCEPTION
        || exceptionCode == 4;
  }

  static String exceptionName(int code) {
    return switch (code) {
      case Modbus.ILLEGAL_FUNCTION_EXCEPTION -> "illegal function";
      case Modbus.ILLEGAL_ADDRESS_EXCEPTION -> "illegal data address";
      case Modbus.ILLEGAL_VALUE_EXCEPTION -> "illegal data value";
      case 4 -> "server device failure";
      case 5 -> "acknowledge";
      case Modbus.SLAVE_BUSY_EXCEPTION -> "server device busy";
      case 8 -> "memory parity error";
      case 10 -> "gateway path unavailable";
      case 11 -> "gateway target device failed to respond";
      default -> "unknown exception";
    };
  }

  /** Polls tags on the I/O thread and reports changes: Modbus has no subscriptions. */
  private final class Poller implements PlcSubscription {
    private final List<Tag> tags;
    private final Consumer<TagValue> listener;
    private final Map<String, TagValue> last = new HashMap<>();
    private volatile ScheduledFuture<?> future;

    Poller(List<Tag> tags, Consumer<TagValue> listener) {
      this.tags = tags;
      this.listener = listener;
    }

    void poll() {
      Map<String, TagValue> values;
      try {
        values = readNow(tags, deadline());
      } catch (PlcException e) {
        LOG.debug("{}: poll failed: {}", name, e.getMessage());
        Instant now = clock.instant();
        values = new LinkedHashMap<>();
        for (Tag tag : tags) {
          values.put(
              tag.name(), TagValue.numeric(tag.name(), Double.NaN, Quality.BAD, now, e.code()));
        }
      }
      for (TagValue value : values.values()) {
        TagValue previous = last.put(value.tag(), value);
        if (previous == null || changed(previous, value)) {
          try {
            listener.accept(value);
          } catch (RuntimeException e) {
            LOG.warn("{}: subscription listener failed on {}", name, value.tag(), e);
          }
        }
      }
    }

    private boolean changed(TagValue before, TagValue now) {
      return Double.compare(before.value(), now.value()) != 0
          || before.quality() != now.quality()
          || before.statusCode() != now.statusCode();
    }

    @Override
    public void close() {
      ScheduledFuture<?> current = future;
      if (current != null) {
        current.cancel(false);
      }
    }
  }
}
