package org.safeloop.agent.sac;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ReplayBufferTest {

  private static ReplayBuffer filled(int capacity, int transitions) {
    ReplayBuffer buffer = new ReplayBuffer(capacity, 2, 1);
    for (int t = 0; t < transitions; t++) {
      buffer.add(
          new double[] {t, -t},
          new double[] {0.01 * t},
          t,
          10 * t,
          new double[] {t + 1, 0},
          t == 4);
    }
    return buffer;
  }

  @Test
  void overwritesTheOldestTransitionOnceFull() {
    ReplayBuffer buffer = filled(5, 8);
    assertEquals(5, buffer.size());
    ReplayBuffer.Batch batch = buffer.sample(200, new SplittableRandom(1));
    for (int k = 0; k < batch.size(); k++) {
      double t = batch.observations()[k][0];
      assertTrue(t >= 3 && t <= 7, "transition " + t + " should have been overwritten");
      // Every field of a row belongs to the same transition.
      assertEquals(-t, batch.observations()[k][1]);
      assertEquals((float) (0.01 * t), batch.actions()[k]);
      assertEquals((float) t, batch.rewards()[k]);
      assertEquals((float) (10 * t), batch.costs()[k]);
      assertEquals(t + 1, batch.nextObservations()[k][0]);
      assertEquals(t == 4 ? 1f : 0f, batch.terminated()[k]);
    }
  }

  @Test
  void theSameSeedDrawsTheSameBatch() {
    ReplayBuffer buffer = filled(100, 50);
    ReplayBuffer.Batch a = buffer.sample(32, new SplittableRandom(7));
    ReplayBuffer.Batch b = buffer.sample(32, new SplittableRandom(7));
    assertArrayEquals(a.rewards(), b.rewards());
    assertArrayEquals(a.actions(), b.actions());
  }

  @Test
  void refusesToSampleWhenEmpty() {
    ReplayBuffer buffer = new ReplayBuffer(10, 1, 1);
    assertThrows(IllegalStateException.class, () -> buffer.sample(1, new SplittableRandom(1)));
  }
}
