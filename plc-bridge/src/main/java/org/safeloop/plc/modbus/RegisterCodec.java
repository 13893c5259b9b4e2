package org.safeloop.plc.modbus;

import java.nio.ByteBuffer;
import org.safeloop.plc.DataType;

/**
 * Converts raw values to and from 16-bit register words under a word order. Stateless; all methods
 * are thread-safe. Words are held as ints in 0..65535. Public for the virtual plant's slave, which
 * holds its registers as the bridge reads them.
 */
public final class RegisterCodec {

  private RegisterCodec() {}

  /**
   * Encodes a raw value (already rounded and range-checked for {@code type}) into registers.
   *
   * @param type a numeric data type
   * @param order word order for values over one register
   * @param raw the raw value
   * @return {@code type.registerCount()} words in wire order
   */
  public static int[] encode(DataType type, WordOrder order, double raw) {
    ByteBuffer bytes = ByteBuffer.allocate(type.registerCount() * 2);
    switch (type) {
      case INT16, UINT16 -> bytes.putShort((short) (long) raw);
      case INT32, UINT32 -> bytes.putInt((int) (long) raw);
      case FLOAT32 -> bytes.putFloat((float) raw);
      case FLOAT64 -> bytes.putDouble(raw);
      default -> throw new IllegalArgumentException(type + " does not live in registers");
    }
    int[] words = new int[type.registerCount()];
    byte[] array = bytes.array();
    for (int i = 0; i < words.length; i++) {
      words[i] = ((array[2 * i] & 0xFF) << 8) | (array[2 * i + 1] & 0xFF);
    }
    return toWire(words, order);
  }

  /**
   * Decodes registers (in wire order) into a raw value.
   *
   * @param type a numeric data type
   * @param order word order for values over one register
   * @param wire the registers, starting at {@code from}
   * @param from index of the value's first register in {@code wire}
   * @return the raw value
   */
  public static double decode(DataType type, WordOrder order, int[] wire, int from) {
    int[] words = new int[type.registerCount()];
    System.arraycopy(wire, from, words, 0, words.length);
    int[] bigEndian = toWire(words, order); // the permutation is its own inverse
    ByteBuffer bytes = ByteBuffer.allocate(words.length * 2);
    for (int word : bigEndian) {
      bytes.putShort((short) word);
    }
    bytes.flip();
    return switch (type) {
      case INT16 -> bytes.getShort();
      case UINT16 -> bytes.getShort() & 0xFFFF;
      case INT32 -> bytes.getInt();
      case UINT32 -> bytes.getInt() & 0xFFFF_FFFFL;
      case FLOAT32 -> bytes.getFloat();
      case FLOAT64 -> bytes.getDouble();
      default -> throw new IllegalArgumentException(type + " does not live in registers");
    };
  }

  /** Applies the word order to big-endian words (and, being an involution, undoes it). */
  private static int[] toWire(int[] words, WordOrder order) {
    if (words.length == 1) {
      return words.clone(); // 16-bit values are big-endian by specification
    }
    int[] out = new int[words.length];
    for (int i = 0; i < words.length; i++) {
      int word = words[order.swapsWords() ? words.length - 1 - i : i];
      out[i] = order.swapsBytes() ? ((word & 0xFF) << 8) | ((word >> 8) & 0xFF) : word;
    }
    return out;
  }
}
