package org.safeloop.agent.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DjlRuntimeTest {

  /**
   * With {@code x.mul(3f)} in place of the constant this fails: the backward pass multiplies by
   * whatever now lies where DJL's temporary scalar was (gradients such as -5e29 instead of 3).
   */
  @Test
  void aConstantKeepsItsValueForTheBackwardPassThroughAGarbageCollection() {
    DjlRuntime.start();
    try (NDManager manager = NDManager.newBaseManager()) {
      NDArray x = manager.create(new float[] {1f, 2f, 3f});
      x.setRequiresGradient(true);
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        NDArray y = x.mul(DjlRuntime.constant(manager, 3f)).sum();
        collectAndReuseFreedDirectMemory();
        collector.backward(y);
      }
      assertArrayEquals(new float[] {3f, 3f, 3f}, x.getGradient().toFloatArray());
    }
  }

  /** Lets the collector free unreachable direct buffers, then takes their memory for new ones. */
  private static void collectAndReuseFreedDirectMemory() {
    List<ByteBuffer> reuse = new ArrayList<>();
    for (int round = 0; round < 20; round++) {
      System.gc();
      for (int k = 0; k < 1000; k++) {
        reuse.add(ByteBuffer.allocateDirect(4).putFloat(0, Float.NaN));
      }
    }
  }
}
