package org.safeloop.experiments.cli;

import java.io.PrintWriter;
import java.util.Map;
import org.safeloop.env.SignalSpec;
import org.safeloop.env.process.ProcessModelProvider;
import org.safeloop.env.process.ProcessModels;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code safeloop scenarios}: lists built-in scenarios and registered process models. */
@Command(
    name = "scenarios",
    mixinStandardHelpOptions = true,
    description = "List the built-in scenarios and the registered process models.")
final class ScenariosCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    PrintWriter out = spec.commandLine().getOut();
    out.println("Built-in scenarios:");
    for (String name : Scenarios.builtInNames()) {
      Scenario s = Scenarios.load(name);
      StringBuilder actions = new StringBuilder();
      for (SignalSpec a : s.actionSpace().signals()) {
        actions.append(' ').append(a.name()).append(" [").append(a.unit()).append("]");
      }
      out.printf(
          "  %-18s %-12s %3d steps of %.4g %s; inputs:%s%n",
          name,
          s.model().name(),
          s.episodeSteps(),
          s.controlInterval(),
          s.model().timeUnit().symbol(),
          actions);
    }
    out.println("Process models:");
    for (Map.Entry<String, ProcessModelProvider> e : ProcessModels.providers().entrySet()) {
      out.printf("  %-18s %s%n", e.getKey(), e.getValue().description());
    }
    out.flush();
  }
}
