package org.safeloop.env.process;

/**
 * Service-provider interface for process models, found with {@link java.util.ServiceLoader} under
 * {@code META-INF/services/org.safeloop.env.process.ProcessModelProvider}. A scenario names the
 * model with {@code process: NAME}.
 */
public interface ProcessModelProvider {

  /** Returns the name scenarios use to select this model, e.g. {@code cstr}. Unique. */
  String name();

  /** Returns a one-line description for listings. */
  String description();

  /** Creates the model. Called once per scenario load. */
  ProcessModel create();
}
