package org.safeloop.sweeps;

import org.safeloop.experiments.cli.SafeLoopCommand;
import picocli.CommandLine;

/**
 * Entry point of the sweeps jar: the {@code safeloop} command line with {@code sweep} added. A jar
 * of its own so that Spark stays off the class path of {@code safeloop.jar} and of the bridge.
 */
public final class SweepMain {
  private SweepMain() {}

  /**
   * Runs the command line and exits with its code.
   *
   * @param args the command line, e.g. {@code sweep grid.yaml --master local[2]}
   */
  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** Builds the {@code safeloop} command line with {@code sweep}. */
  public static CommandLine commandLine() {
    // Spark's own launcher sets these beside its --add-opens (the jar's manifest opens the
    // modules).
    System.setProperty("io.netty.tryReflectionSetAccessible", "true");
    CommandLine cli = SafeLoopCommand.commandLine();
    cli.addSubcommand("sweep", new SweepCommand());
    return cli;
  }
}
