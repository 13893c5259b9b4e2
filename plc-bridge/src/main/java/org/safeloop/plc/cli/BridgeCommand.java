package org.safeloop.plc.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code safeloop-bridge}: the commands a plant's bridge host needs (deploy, approve, keygen,
 * shadow-report), from the plc-bridge jar alone, with no DJL or PyTorch on the class path. The same
 * commands are subcommands of {@code safeloop}, with the same options.
 */
@Command(
    name = "safeloop-bridge",
    mixinStandardHelpOptions = true,
    versionProvider = BridgeCommand.Version.class,
    description =
        "SafeLoop's deployment commands without the training stack: run a shielded policy bundle"
            + " against a PLC, sign approvals, make keys, summarise a shadow period's audit log.",
    subcommands = {
      DeployCommand.class,
      ApproveCommand.class,
      KeygenCommand.class,
      ShadowReportCommand.class,
      CommandLine.HelpCommand.class
    })
public final class BridgeCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** The logging configuration inside this jar: warnings on standard error, SafeLoop at INFO. */
  static final String LOGGING = "org/safeloop/plc/cli/bridge-logback.xml";

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Builds the command line with SafeLoop's error handling. */
  public static CommandLine commandLine() {
    return CommandLines.withErrorHandling(new CommandLine(new BridgeCommand()), "safeloop-bridge");
  }

  /** Runs the command line and exits with its code. */
  public static void main(String[] args) {
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", LOGGING);
    }
    System.exit(commandLine().execute(args));
  }

  /** Reports the version from the jar manifest (or "development" when run from classes). */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = BridgeCommand.class.getPackage().getImplementationVersion();
      return new String[] {"safeloop-bridge " + (v == null ? "development" : v)};
    }
  }
}
