package org.safeloop.plc.virtualplant.modbus;

import com.ghgande.j2mod.modbus.procimg.DigitalIn;
import com.ghgande.j2mod.modbus.procimg.DigitalOut;
import com.ghgande.j2mod.modbus.procimg.FIFO;
import com.ghgande.j2mod.modbus.procimg.File;
import com.ghgande.j2mod.modbus.procimg.IllegalAddressException;
import com.ghgande.j2mod.modbus.procimg.InputRegister;
import com.ghgande.j2mod.modbus.procimg.ProcessImage;
import com.ghgande.j2mod.modbus.procimg.Register;
import com.ghgande.j2mod.modbus.procimg.SimpleDigitalIn;
import com.ghgande.j2mod.modbus.procimg.SimpleInputRegister;
import org.safeloop.plc.modbus.ModbusTable;

/**
 * The four Modbus tables of a {@link PlantModbusSlave} as a j2mod {@link ProcessImage}. Reads hand
 * out snapshots and writes go through to the arrays with a per-address counter; the slave holds
 * this object's monitor while j2mod builds a response, so a multi-register read or write is atomic
 * with respect to code that updates the image. Thread-safe (all state guarded by {@code this}).
 */
final class SlaveImage implements ProcessImage {

  private final int[] holding;
  private final int[] input;
  private final boolean[] coils;
  private final boolean[] discretes;
  private final long[] holdingWrites;
  private final long[] coilWrites;

  /** Per table, the entries a master may use; null while every entry of the image is mapped. */
  private java.util.EnumMap<ModbusTable, java.util.BitSet> mapped;

  SlaveImage(int size) {
    holding = new int[size];
    input = new int[size];
    coils = new boolean[size];
    discretes = new boolean[size];
    holdingWrites = new long[size];
    coilWrites = new long[size];
  }

  int size() {
    return holding.length;
  }

  synchronized int word(ModbusTable table, int offset) {
    check(offset, 1, size(), table);
    return switch (table) {
      case HOLDING_REGISTER -> holding[offset];
      case INPUT_REGISTER -> input[offset];
      case COIL -> coils[offset] ? 1 : 0;
      case DISCRETE_INPUT -> discretes[offset] ? 1 : 0;
    };
  }

  synchronized int[] words(ModbusTable table, int offset, int count) {
    check(offset, count, size(), table);
    int[] out = new int[count];
    for (int i = 0; i < count; i++) {
      out[i] = word(table, offset + i);
    }
    return out;
  }

  synchronized void setWords(ModbusTable table, int offset, int[] values) {
    check(offset, values.length, size(), table);
    for (int i = 0; i < values.length; i++) {
      int value = values[i];
      switch (table) {
        case HOLDING_REGISTER -> holding[offset + i] = value & 0xFFFF;
        case INPUT_REGISTER -> input[offset + i] = value & 0xFFFF;
        case COIL -> coils[offset + i] = value != 0;
        case DISCRETE_INPUT -> discretes[offset + i] = value != 0;
      }
    }
  }

  synchronized long writes(ModbusTable table, int offset) {
    check(offset, 1, size(), table);
    return switch (table) {
      case HOLDING_REGISTER -> holdingWrites[offset];
      case COIL -> coilWrites[offset];
      default -> 0;
    };
  }

  private static void check(int offset, int count, int size, ModbusTable table) {
    if (offset < 0 || count < 1 || offset + count > size) {
      throw new IllegalArgumentException(
          table
              + " "
              + offset
              + ".."
              + (offset + count - 1)
              + " is outside the image (size "
              + size
              + ")");
    }
  }

  /**
   * Restricts masters to mapped entries: once called, a request that touches an entry of any table
   * not mapped answers exception 2 (illegal data address), as a PLC does for an address its program
   * does not define.
   */
  synchronized void map(ModbusTable table, int offset, int count) {
    check(offset, count, size(), table);
    if (mapped == null) {
      mapped = new java.util.EnumMap<>(ModbusTable.class);
      for (ModbusTable t : ModbusTable.values()) {
        mapped.put(t, new java.util.BitSet(size()));
      }
    }
    mapped.get(table).set(offset, offset + count);
  }

  private void require(ModbusTable table, int offset, int count) {
    if (offset < 0 || count < 1 || offset + count > size()) {
      throw new IllegalAddressException();
    }
    if (mapped != null && mapped.get(table).nextClearBit(offset) < offset + count) {
      throw new IllegalAddressException();
    }
  }

  // ---- j2mod's view; called with this monitor held --------------------------------------------

  @Override
  public synchronized DigitalOut[] getDigitalOutRange(int offset, int count) {
    require(ModbusTable.COIL, offset, count);
    DigitalOut[] out = new DigitalOut[count];
    for (int i = 0; i < count; i++) {
      out[i] = new Coil(offset + i);
    }
    return out;
  }

  @Override
  public synchronized DigitalOut getDigitalOut(int ref) {
    require(ModbusTable.COIL, ref, 1);
    return new Coil(ref);
  }

  @Override
  public int getDigitalOutCount() {
    return size();
  }

  @Override
  public synchronized DigitalIn[] getDigitalInRange(int offset, int count) {
    require(ModbusTable.DISCRETE_INPUT, offset, count);
    DigitalIn[] out = new DigitalIn[count];
    for (int i = 0; i < count; i++) {
      out[i] = new SimpleDigitalIn(discretes[offset + i]);
    }
    return out;
  }

  @Override
  public synchronized DigitalIn getDigitalIn(int ref) {
    require(ModbusTable.DISCRETE_INPUT, ref, 1);
    return new SimpleDigitalIn(discretes[ref]);
  }

  @Override
  public int getDigitalInCount() {
    return size();
  }

  @Override
  public synchronized InputRegister[] getInputRegisterRange(int offset, int count) {
    require(ModbusTable.INPUT_REGISTER, offset, count);
    InputRegister[] out = new InputRegister[count];
    for (int i = 0; i < count; i++) {
      out[i] = new SimpleInputRegister(input[offset + i]);
    }
    return out;
  }

  @Override
  public synchronized InputRegister getInputRegister(int ref) {
    require(ModbusTable.INPUT_REGISTER, ref, 1);
    return new SimpleInputRegister(input[ref]);
  }

  @Override
  public int getInputRegisterCount() {
    return size();
  }

  @Override
  public synchronized Register[] getRegisterRange(int offset, int count) {
    require(ModbusTable.HOLDING_REGISTER, offset, count);
    Register[] out = new Register[count];
    for (int i = 0; i < count; i++) {
      out[i] = new Holding(offset + i);
    }
    return out;
  }

  @Override
  public synchronized Register getRegister(int ref) {
    require(ModbusTable.HOLDING_REGISTER, ref, 1);
    return new Holding(ref);
  }

  @Override
  public int getRegisterCount() {
    return size();
  }

  @Override
  public File getFile(int ref) {
    throw new IllegalAddressException();
  }

  @Override
  public File getFileByNumber(int ref) {
    throw new IllegalAddressException();
  }

  @Override
  public int getFileCount() {
    return 0;
  }

  @Override
  public FIFO getFIFO(int ref) {
    throw new IllegalAddressException();
  }

  @Override
  public FIFO getFIFOByAddress(int ref) {
    throw new IllegalAddressException();
  }

  @Override
  public int getFIFOCount() {
    return 0;
  }

  /** A holding register: a snapshot for reads, a counted write-through for writes. */
  private final class Holding implements Register {
    private final int index;
    private int value;

    Holding(int index) {
      this.index = index;
      this.value = holding[index];
    }

    @Override
    public int getValue() {
      return value;
    }

    @Override
    public int toUnsignedShort() {
      return value;
    }

    @Override
    public short toShort() {
      return (short) value;
    }

    @Override
    public byte[] toBytes() {
      return new byte[] {(byte) (value >> 8), (byte) value};
    }

    @Override
    public void setValue(int v) {
      synchronized (SlaveImage.this) {
        value = v & 0xFFFF;
        holding[index] = value;
        holdingWrites[index]++;
      }
    }

    @Override
    public void setValue(short s) {
      setValue((int) s);
    }

    @Override
    public void setValue(byte[] bytes) {
      setValue(((bytes[0] & 0xFF) << 8) | (bytes[1] & 0xFF));
    }
  }

  /** A coil: a snapshot for reads, a counted write-through for writes. */
  private final class Coil implements DigitalOut {
    private final int index;
    private boolean state;

    Coil(int index) {
      this.index = index;
      this.state = coils[index];
    }

    @Override
    public boolean isSet() {
      return state;
    }

    @Override
    public void set(boolean b) {
      synchronized (SlaveImage.this) {
        state = b;
        coils[index] = b;
        coilWrites[index]++;
      }
    }
  }
}
