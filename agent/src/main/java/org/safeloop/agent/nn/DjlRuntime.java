package org.safeloop.agent.nn;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Starts DJL's PyTorch engine the SafeLoop way: offline (the native library comes from the {@code
 * pytorch-native-cpu} jar on the class path, never from the network), one intra-op and one inter-op
 * thread unless the caller set otherwise (2 cores: threads only add jitter), and with autograd off
 * on the calling thread (PyTorch starts every new thread with it on). Also makes the constants that
 * enter a recorded graph ({@link #constant}).
 */
public final class DjlRuntime {
  private DjlRuntime() {}

  /** Starts the engine if needed and switches autograd recording off on this thread. */
  public static Engine start() {
    setDefault("ai.djl.offline", "true");
    setDefault("ai.djl.pytorch.num_threads", "1");
    setDefault("ai.djl.pytorch.num_interop_threads", "1");
    setDefault("ai.djl.pytorch.graph_optimizer", "false");
    Engine engine = Engine.getInstance();
    JniUtils.setGradMode(false);
    return engine;
  }

  /**
   * Returns {@code value} as a float scalar in memory PyTorch owns, attached to {@code manager}:
   * the form for a constant that a gradient passes through, e.g. {@code x.mul(constant(s, 0.5f))}
   * instead of {@code x.mul(0.5f)}.
   *
   * <p>Why: DJL's PyTorch engine turns the number of {@code mul(Number)} (likewise {@code div},
   * {@code pow}, {@code maximum}, {@code minimum}) into a tensor over a Java direct buffer ({@code
   * torch::from_blob}, no copy) and closes it as soon as the forward result exists. Autograd keeps
   * that tensor for the backward pass ({@code MulBackward} multiplies the incoming gradient by it),
   * but nothing keeps the buffer: once the garbage collector has freed it and the memory is reused,
   * the backward pass reads whatever is there. The gradients then differ between runs of the same
   * seed, or turn NaN, depending on when the collector ran. {@code add(Number)} and {@code
   * sub(Number)} are safe (their backward does not read the number), and so is any arithmetic while
   * autograd is off.
   */
  public static NDArray constant(NDManager manager, float value) {
    return manager.full(new Shape(), value);
  }

  private static void setDefault(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }
}
