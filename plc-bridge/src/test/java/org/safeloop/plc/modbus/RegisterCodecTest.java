package org.safeloop.plc.modbus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.safeloop.plc.DataType;

class RegisterCodecTest {

  @Test
  void float32OneLaysOutItsBytesAsEachWordOrderNamesThem() {
    // 1.0f is 0x3F800000: A=3F B=80 C=00 D=00
    assertArrayEquals(
        new int[] {0x3F80, 0x0000}, RegisterCodec.encode(DataType.FLOAT32, WordOrder.ABCD, 1.0));
    assertArrayEquals(
        new int[] {0x0000, 0x3F80}, RegisterCodec.encode(DataType.FLOAT32, WordOrder.CDAB, 1.0));
    assertArrayEquals(
        new int[] {0x803F, 0x0000}, RegisterCodec.encode(DataType.FLOAT32, WordOrder.BADC, 1.0));
    assertArrayEquals(
        new int[] {0x0000, 0x803F}, RegisterCodec.encode(DataType.FLOAT32, WordOrder.DCBA, 1.0));
  }

  @Test
  void int32LaysOutItsBytesAsEachWordOrderNamesThem() {
    int value = 0x11223344;
    assertArrayEquals(
        new int[] {0x1122, 0x3344}, RegisterCodec.encode(DataType.INT32, WordOrder.ABCD, value));
    assertArrayEquals(
        new int[] {0x3344, 0x1122}, RegisterCodec.encode(DataType.INT32, WordOrder.CDAB, value));
    assertArrayEquals(
        new int[] {0x2211, 0x4433}, RegisterCodec.encode(DataType.INT32, WordOrder.BADC, value));
    assertArrayEquals(
        new int[] {0x4433, 0x2211}, RegisterCodec.encode(DataType.INT32, WordOrder.DCBA, value));
  }

  @Test
  void sixteenBitValuesIgnoreTheWordOrder() {
    assertArrayEquals(new int[] {0xFFFE}, RegisterCodec.encode(DataType.INT16, WordOrder.DCBA, -2));
    assertEquals(-2, RegisterCodec.decode(DataType.INT16, WordOrder.DCBA, new int[] {0xFFFE}, 0));
    assertEquals(
        65534, RegisterCodec.decode(DataType.UINT16, WordOrder.BADC, new int[] {0xFFFE}, 0));
  }

  @ParameterizedTest
  @EnumSource(WordOrder.class)
  void extremeValuesSurviveEncodeAndDecodeInEveryWordOrder(WordOrder order) {
    double[][] cases = {
      {Short.MIN_VALUE, Short.MAX_VALUE},
      {0, 65535},
      {Integer.MIN_VALUE, Integer.MAX_VALUE},
      {0, 4294967295.0},
      {-1.5e-30f, 3.4e38f},
      {-Double.MAX_VALUE, Math.PI}
    };
    DataType[] types = {
      DataType.INT16,
      DataType.UINT16,
      DataType.INT32,
      DataType.UINT32,
      DataType.FLOAT32,
      DataType.FLOAT64
    };
    for (int i = 0; i < types.length; i++) {
      for (double raw : cases[i]) {
        int[] words = RegisterCodec.encode(types[i], order, raw);
        assertEquals(raw, RegisterCodec.decode(types[i], order, words, 0), types[i] + " " + order);
      }
    }
  }
}
