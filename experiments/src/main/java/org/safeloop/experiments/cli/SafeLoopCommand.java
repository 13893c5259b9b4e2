package org.safeloop.experiments.cli;

import org.safeloop.plc.cli.ApproveCommand;
import org.safeloop.plc.cli.CommandLines;
import org.safeloop.plc.cli.DeployCommand;
import org.safeloop.plc.cli.KeygenCommand;
import org.safeloop.plc.cli.ShadowReportCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code safeloop} command line. Each subcommand is one class in this package; {@link #main}
 * turns configuration errors into one clear line on standard error and exit code 2, and keeps stack
 * traces for real bugs.
 */
@Command(
    name = "safeloop",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Safe reinforcement-learning process control: simulate, train, shield, deploy.",
    subcommands = {
      DemoCommand.class,
      SimulateCommand.class,
      ScenariosCommand.class,
      TrainCommand.class,
      EvaluateCommand.class,
      IdentifyCommand.class,
      CompareCommand.class,
      ReportCommand.class,
      PlantCommand.class,
      KeygenCommand.class,
      ApproveCommand.class,
      DeployCommand.class,
      ShadowReportCommand.class,
      ExportCommand.class,
      BenchCommand.class,
      CommandLine.HelpCommand.class
    })
public final class SafeLoopCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Builds the command line with SafeLoop's error handling. */
  public static CommandLine commandLine() {
    return CommandLines.withErrorHandling(new CommandLine(new SafeLoopCommand()), "safeloop");
  }

  /** Runs the command line and exits with its code. */
  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }
}
