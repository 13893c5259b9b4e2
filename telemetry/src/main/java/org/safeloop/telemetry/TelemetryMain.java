package org.safeloop.telemetry;

import org.safeloop.plc.cli.CommandLines;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the telemetry jar: {@code safeloop telemetry} (read a topic back, {@code forward}
 * an audit log). A jar of its own so that Kafka stays off the class path of the bridge and of
 * {@code safeloop.jar}; the launchers run it for {@code telemetry}, and {@code deploy --telemetry}
 * starts it as the forwarder beside the bridge.
 */
@Command(
    name = "safeloop",
    mixinStandardHelpOptions = true,
    subcommands = {TelemetryCommand.class, CommandLine.HelpCommand.class},
    description = "SafeLoop's telemetry commands (Kafka).")
public final class TelemetryMain implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Builds the command line with SafeLoop's error handling. */
  public static CommandLine commandLine() {
    return CommandLines.withErrorHandling(new CommandLine(new TelemetryMain()), "safeloop");
  }

  /**
   * Runs the command line and exits with its code.
   *
   * @param args e.g. {@code telemetry --from kafka://127.0.0.1:9092/safeloop}
   */
  public static void main(String[] args) {
    // Kafka's client logs its whole configuration at INFO; warnings are what an engineer needs.
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    System.exit(commandLine().execute(args));
  }
}
