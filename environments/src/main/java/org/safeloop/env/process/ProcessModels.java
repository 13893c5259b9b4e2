package org.safeloop.env.process;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * Finds process models by name among the {@link ProcessModelProvider}s on the class path (the
 * built-in ones and any a user adds). Thread-safe.
 */
public final class ProcessModels {
  private ProcessModels() {}

  /** Returns every registered provider by name, sorted. */
  public static Map<String, ProcessModelProvider> providers() {
    Map<String, ProcessModelProvider> byName = new TreeMap<>();
    for (ProcessModelProvider p : ServiceLoader.load(ProcessModelProvider.class)) {
      ProcessModelProvider previous = byName.putIfAbsent(p.name(), p);
      if (previous != null && !previous.getClass().equals(p.getClass())) {
        throw new IllegalStateException(
            "two process model providers are named '"
                + p.name()
                + "': "
                + previous.getClass().getName()
                + " and "
                + p.getClass().getName());
      }
    }
    return byName;
  }

  /**
   * Creates the model registered as {@code name}.
   *
   * @throws IllegalArgumentException naming the models that exist
   */
  public static ProcessModel create(String name) {
    Map<String, ProcessModelProvider> all = providers();
    ProcessModelProvider provider = all.get(name);
    if (provider == null) {
      throw new IllegalArgumentException(
          "unknown process model '"
              + name
              + "'; registered models are "
              + new ArrayList<>(all.keySet()));
    }
    return provider.create();
  }

  /** Returns the registered model names, sorted. */
  public static List<String> names() {
    return new ArrayList<>(providers().keySet());
  }
}
