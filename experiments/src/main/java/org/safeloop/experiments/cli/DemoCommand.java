package org.safeloop.experiments.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.safeloop.experiments.demo.Demo;
import org.safeloop.experiments.demo.StageFailure;
import org.safeloop.plc.virtualplant.VirtualPlant.Protocol;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code safeloop demo}: the whole lifecycle in one command (see {@link Demo}): train, compare,
 * start the virtual plant, deploy through the shield up to closed loop, inject faults, report.
 * Exits 1 naming the stage that failed.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "The SafeLoop lifecycle in one command: train PPO-Lag with the shield on the constrained"
          + " CSTR, compare it with the PID and the NMPC oracle, deploy it on the virtual plant"
          + " (shadow, advisory, approved closed loop), show the agent stepping back on an"
          + " operator override and a communication loss, and write runs/demo-<time>/report.html."
    })
final class DemoCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--quick",
      description = "A smoke run under a minute (2,048 training steps, 3 episodes, fewer cycles).")
  boolean quick;

  @Option(
      names = "--protocol",
      defaultValue = "modbus",
      paramLabel = "modbus|opcua",
      description = "Protocol between the bridge and the virtual plant (default ${DEFAULT-VALUE}).")
  String protocol;

  @Option(
      names = "--keep-plant",
      description = "Leave the virtual plant running at the end until Ctrl-C (to connect an HMI).")
  boolean keepPlant;

  @Option(
      names = {"-o", "--output"},
      defaultValue = "runs",
      paramLabel = "DIR",
      description = "Folder for the demo's run folder (default ${DEFAULT-VALUE}).")
  Path out;

  /** The old spelling of {@code --output}, accepted for one release. */
  @Option(names = "--out", hidden = true, paramLabel = "DIR")
  void legacyOut(Path value) {
    out = value;
  }

  @Override
  public Integer call() {
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter stderr = spec.commandLine().getErr();
    Protocol chosen =
        switch (protocol) {
          case "modbus" -> Protocol.MODBUS;
          case "opcua" -> Protocol.OPCUA;
          default ->
              throw new CommandLine.ParameterException(
                  spec.commandLine(), "--protocol must be modbus or opcua, not '" + protocol + "'");
        };
    Demo.Options options =
        new Demo.Options(out, quick ? Demo.Budget.QUICK : Demo.Budget.FULL, chosen, keepPlant);
    try {
      Demo.run(options, stdout);
      return 0;
    } catch (StageFailure e) {
      stdout.flush();
      stderr.println("demo failed at " + e.describe());
      stderr.flush();
      return 1;
    }
  }
}
