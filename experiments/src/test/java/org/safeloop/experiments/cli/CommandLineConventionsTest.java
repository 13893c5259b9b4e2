package org.safeloop.experiments.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.safeloop.plc.cli.BridgeCommand;
import org.safeloop.telemetry.TelemetryMain;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * One command line: every command of {@code safeloop}, {@code safeloop-bridge} and the telemetry
 * jar's {@code safeloop telemetry} names the same thing the same way. The output (folder or file)
 * is {@code -o/--output}, the scenario is {@code --scenario}, and an option name means one type
 * everywhere.
 */
class CommandLineConventionsTest {

  private static List<CommandSpec> commands(CommandLine root) {
    List<CommandSpec> out = new ArrayList<>();
    walk(root, out);
    return out;
  }

  private static void walk(CommandLine cli, List<CommandSpec> out) {
    out.add(cli.getCommandSpec());
    for (CommandLine sub : cli.getSubcommands().values()) {
      walk(sub, out);
    }
  }

  private static List<CommandSpec> everyCommand() {
    List<CommandSpec> all = new ArrayList<>(commands(SafeLoopCommand.commandLine()));
    all.addAll(commands(BridgeCommand.commandLine()));
    all.addAll(commands(TelemetryMain.commandLine()));
    return all;
  }

  @Test
  void theOutputIsDashOOrDashDashOutputEverywhere() {
    List<String> problems = new ArrayList<>();
    for (CommandSpec c : everyCommand()) {
      for (OptionSpec o : c.options()) {
        List<String> names = List.of(o.names());
        if (!o.hidden() && (names.contains("--out") || names.contains("--output-dir"))) {
          problems.add(c.qualifiedName() + " shows " + names + " (use -o/--output)");
        }
        if (names.contains("--output") != names.contains("-o")) {
          problems.add(c.qualifiedName() + " has " + names + " (-o and --output go together)");
        }
      }
    }
    assertTrue(problems.isEmpty(), String.join("\n", problems));
  }

  @Test
  void everyCommandThatRunsAScenarioTakesDashDashScenario() {
    for (String name : List.of("simulate", "evaluate", "plant")) {
      CommandSpec c = SafeLoopCommand.commandLine().getSubcommands().get(name).getCommandSpec();
      assertTrue(c.findOption("--scenario") != null, name + " has no --scenario");
    }
  }

  @Test
  void anOptionNameMeansOneTypeInEveryCommand() {
    Map<String, String> typeOf = new HashMap<>();
    Map<String, String> seenIn = new HashMap<>();
    List<String> problems = new ArrayList<>();
    for (CommandSpec c : everyCommand()) {
      for (OptionSpec o : c.options()) {
        if (o.usageHelp() || o.versionHelp()) {
          continue;
        }
        String name = o.longestName();
        String type = kind(o);
        String before = typeOf.putIfAbsent(name, type);
        seenIn.putIfAbsent(name, c.qualifiedName());
        if (before != null && !before.equals(type)) {
          problems.add(
              name
                  + " is "
                  + before
                  + " in "
                  + seenIn.get(name)
                  + " but "
                  + type
                  + " in "
                  + c.qualifiedName());
        }
      }
    }
    assertTrue(problems.isEmpty(), String.join("\n", problems));
  }

  /**
   * What an option's value is, as a user types it: a whole number, a decimal, a name or path (which
   * the command may resolve either way), a flag; a list counts as its element.
   */
  private static String kind(OptionSpec o) {
    Class<?> t = o.type();
    if (java.util.Collection.class.isAssignableFrom(t) && o.auxiliaryTypes().length > 0) {
      t = o.auxiliaryTypes()[0];
    }
    if (t == int.class || t == long.class || t == Integer.class || t == Long.class) {
      return "whole number";
    }
    if (t == double.class || t == Double.class || t == float.class) {
      return "decimal";
    }
    if (t == boolean.class || t == Boolean.class) {
      return "flag";
    }
    if (t == String.class || t == java.nio.file.Path.class) {
      return "name or path";
    }
    return t.getSimpleName();
  }

  @Test
  void theOldOutSpellingStillWorksForOneRelease() {
    StringWriter err = new StringWriter();
    CommandLine cli = SafeLoopCommand.commandLine();
    cli.setErr(new PrintWriter(err));
    cli.setOut(new PrintWriter(new StringWriter()));
    CommandLine.ParseResult r =
        cli.parseArgs("evaluate", "--policy", "pid", "--scenario", "fopdt", "--output", "x");
    assertEquals(
        java.nio.file.Path.of("x"),
        ((EvaluateCommand) r.subcommand().commandSpec().userObject()).out);
  }
}
