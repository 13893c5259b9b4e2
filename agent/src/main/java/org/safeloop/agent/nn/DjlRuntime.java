package org.safeloop.agent.nn;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Starts DJL's PyTorch engine the SafeLoop way: offline (the native library comes from the {@code
 * pytorch-native-cpu} jar on the class path, never from the network), one intra-op and one inter-op
 * thread unless the caller set otherwise (2 cores: threads only add jitter), and with autograd off
 * on the calling thread (PyTorch starts every new thread with it on).
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

  private static void setDefault(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }
}
