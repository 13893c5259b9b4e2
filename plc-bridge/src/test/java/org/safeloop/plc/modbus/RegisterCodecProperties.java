package org.safeloop.plc.modbus;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Scale;
import org.safeloop.plc.DataType;
import org.safeloop.plc.Scaling;

/** Encoding is lossless for every value each raw type can hold, in every word order. */
class RegisterCodecProperties {

  @Property
  boolean int32SurvivesEveryWordOrder(@ForAll int value, @ForAll WordOrder order) {
    return RegisterCodec.decode(
            DataType.INT32, order, RegisterCodec.encode(DataType.INT32, order, value), 0)
        == value;
  }

  @Property
  boolean uint32SurvivesEveryWordOrder(
      @ForAll @LongRange(min = 0, max = 0xFFFF_FFFFL) long value, @ForAll WordOrder order) {
    return RegisterCodec.decode(
            DataType.UINT32, order, RegisterCodec.encode(DataType.UINT32, order, value), 0)
        == value;
  }

  @Property
  boolean float32SurvivesEveryWordOrder(@ForAll float value, @ForAll WordOrder order) {
    double decoded =
        RegisterCodec.decode(
            DataType.FLOAT32, order, RegisterCodec.encode(DataType.FLOAT32, order, value), 0);
    return Double.compare(decoded, value) == 0;
  }

  @Property
  boolean everyWordIsSixteenBits(
      @ForAll @IntRange(min = Short.MIN_VALUE, max = Short.MAX_VALUE) int value,
      @ForAll WordOrder order) {
    for (int word : RegisterCodec.encode(DataType.INT32, order, value)) {
      if (word < 0 || word > 0xFFFF) {
        return false;
      }
    }
    return true;
  }

  @Property
  boolean scalingInvertsWithinRounding(
      @ForAll @DoubleRange(min = -1e6, max = 1e6) double engineering,
      @ForAll @DoubleRange(min = 1e-3, max = 1e3) @Scale(6) double scale,
      @ForAll @DoubleRange(min = -1e3, max = 1e3) double offset) {
    Scaling scaling = new Scaling(scale, offset);
    double back = scaling.toEngineering(scaling.toRaw(engineering));
    return Math.abs(back - engineering) <= 1e-9 * Math.max(1.0, Math.abs(engineering));
  }
}
