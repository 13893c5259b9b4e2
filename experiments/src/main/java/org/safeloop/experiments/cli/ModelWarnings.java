package org.safeloop.experiments.cli;

import java.io.PrintWriter;
import org.safeloop.env.scenario.Scenario;
import picocli.CommandLine;

/** Shows what a scenario's model file declares without using it, once per command, on stderr. */
final class ModelWarnings {
  private ModelWarnings() {}

  /** Prints each warning of the scenario's model as {@code safeloop: warning: model M: ...}. */
  static void show(CommandLine.Model.CommandSpec spec, Scenario scenario) {
    PrintWriter err = spec.commandLine().getErr();
    for (String w : scenario.model().warnings()) {
      err.println("safeloop: warning: model " + scenario.model().name() + ": " + w);
    }
    err.flush();
  }
}
