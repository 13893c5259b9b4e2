package org.safeloop.experiments.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.safeloop.env.SignalSpec;
import org.safeloop.env.config.ConfigException;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.env.scenario.Scenarios;
import org.safeloop.plc.cli.HttpOptions;
import org.safeloop.plc.modbus.ModbusAddress;
import org.safeloop.plc.virtualplant.PlantLayout;
import org.safeloop.plc.virtualplant.PlantLayout.PlantTag;
import org.safeloop.plc.virtualplant.PlantView;
import org.safeloop.plc.virtualplant.VirtualPlant;
import org.safeloop.plc.virtualplant.VirtualPlant.Protocol;
import org.safeloop.plc.virtualplant.VirtualPlantBuilder;
import org.safeloop.plc.web.WebOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code safeloop plant}: the virtual plant on this machine, a scenario's process behind a Modbus
 * TCP slave and an OPC UA server on 127.0.0.1, until Ctrl-C. Prints the endpoints, the tag layout
 * and a status line now and then; optionally writes the plant files that reach it.
 */
@Command(
    name = "plant",
    mixinStandardHelpOptions = true,
    description = {
      "Run the virtual plant: a scenario's process behind a Modbus TCP slave and an OPC UA server"
          + " on 127.0.0.1, with PLC logic (remote setpoint within limits, operator mode,"
          + " watchdog). Runs until Ctrl-C.",
      "The plant files of --write-plant-files connect the deployment runtime to it.",
      "With --set the process runs with other parameter values than the scenario's model (its"
          + " truth), while the tags and plant files stay the model's."
    })
final class PlantCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--scenario",
      required = true,
      paramLabel = "NAME|FILE",
      description = "Built-in scenario name or scenario file, e.g. cstr-constrained.")
  String scenario;

  @Option(
      names = "--opcua-port",
      defaultValue = "" + VirtualPlant.DEFAULT_OPCUA_PORT,
      paramLabel = "PORT",
      description = "OPC UA port on 127.0.0.1, 0 for a free one (default ${DEFAULT-VALUE}).")
  int opcUaPort;

  @Option(
      names = "--modbus-port",
      defaultValue = "" + VirtualPlant.DEFAULT_MODBUS_PORT,
      paramLabel = "PORT",
      description = "Modbus TCP port on 127.0.0.1, 0 for a free one (default ${DEFAULT-VALUE}).")
  int modbusPort;

  @Option(
      names = "--speed",
      defaultValue = "" + VirtualPlant.DEMO_SPEED,
      paramLabel = "X",
      description = "Model time per wall time; 1 is real time (default ${DEFAULT-VALUE}).")
  double speed;

  @Option(
      names = "--seed",
      defaultValue = "0",
      description = "Seed of noise and disturbances (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--realism",
      defaultValue = "on",
      paramLabel = "on|off",
      description =
          "Sensor effects, disturbances, parameter uncertainty (default ${DEFAULT-VALUE}).")
  String realism;

  @Option(
      names = "--watchdog-seconds",
      paramLabel = "S",
      description =
          "Shed to local when the agent heartbeat stays unchanged this long in remote mode"
              + " (default three control intervals, at least 1 s).")
  Double watchdogSeconds;

  @Option(
      names = "--remote",
      description = "Start in remote/auto mode (default: local, the operator in charge).")
  boolean remote;

  @Option(
      names = "--set",
      paramLabel = "NAME=VALUE",
      description =
          "Run the process with this model parameter value instead of the scenario's, e.g."
              + " UA=42500 (repeatable): a plant that differs from the model the agent knows.")
  Map<String, Double> truth = new LinkedHashMap<>();

  @Option(
      names = "--write-plant-files",
      paramLabel = "DIR",
      description = "Write the plant files (one per protocol) that reach this plant into DIR.")
  Path plantFiles;

  @CommandLine.Mixin HttpOptions http = new HttpOptions();

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    // Checked first: a view beyond loopback without a token is refused before anything starts.
    WebOptions web = http.webOptions();
    Scenario s = Scenarios.load(scenario);
    VirtualPlantBuilder builder =
        VirtualPlant.builder(s)
            .seed(seed)
            .realism(parseRealism(realism))
            .modbusPort(modbusPort)
            .opcUaPort(opcUaPort)
            .speed(speed)
            .startInRemote(remote);
    try {
      builder.truth(truth);
    } catch (IllegalArgumentException e) {
      // The builder names its setting; the user typed --set.
      throw new IllegalArgumentException(
          "--set: " + (e.getCause() instanceof ConfigException c ? c.problem() : e.getMessage()),
          e);
    }
    if (watchdogSeconds != null) {
      if (!(watchdogSeconds > 0) || !Double.isFinite(watchdogSeconds)) {
        throw new IllegalArgumentException(
            "--watchdog-seconds must be positive, got " + watchdogSeconds);
      }
      builder.watchdogTimeout(Duration.ofMillis(Math.round(watchdogSeconds * 1000)));
    }
    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              stop.countDown();
              try {
                stopped.await(10, TimeUnit.SECONDS); // let the main thread close the servers
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "safeloop-plant-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    VirtualPlant started;
    try {
      started = builder.start();
    } catch (IOException e) {
      Runtime.getRuntime().removeShutdownHook(hook);
      throw new IllegalStateException(
          "cannot start the virtual plant (is a port taken? --modbus-port "
              + modbusPort
              + ", --opcua-port "
              + opcUaPort
              + "): "
              + e.getMessage(),
          e);
    }
    try (VirtualPlant plant = started;
        PlantView view = web == null ? null : PlantView.start(plant, web)) {
      printIntroduction(out, plant);
      if (view != null) {
        out.println(
            "Live view: "
                + view.url()
                + (web.token() == null ? "" : "?token=<the token>")
                + " (the plant's tags, mode, watchdog and faults; read-only)");
        out.println();
      }
      if (plantFiles != null) {
        for (Path file : plant.writePlantFiles(plantFiles)) {
          out.println("Plant file written: " + file);
        }
        out.println();
      }
      out.println("Running; Ctrl-C stops the plant.");
      out.flush();
      long statusMillis = Math.max(2000, 5 * plant.stepPeriod().toMillis());
      while (!stop.await(statusMillis, TimeUnit.MILLISECONDS)) {
        out.println(status(plant));
        out.flush();
      }
      out.println("Stopping the virtual plant after " + plant.steps() + " steps.");
      out.flush();
    } finally {
      stopped.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // The JVM is shutting down already (Ctrl-C): the hook is running.
      }
    }
    return 0;
  }

  private static boolean parseRealism(String value) {
    return switch (value) {
      case "on" -> true;
      case "off" -> false;
      default -> throw new IllegalArgumentException("--realism takes on or off, got " + value);
    };
  }

  private static void printIntroduction(PrintWriter out, VirtualPlant plant) {
    Scenario s = plant.scenario();
    out.println("SafeLoop virtual plant " + plant.plantName() + ": scenario " + s.name());
    out.printf(
        Locale.ROOT,
        "One control interval (%s s of process time) every %d ms of wall time (speed %sx);"
            + " watchdog %.1f s; loop starts in %s mode.%n",
        trim(s.model().timeUnit().toMinutes(s.controlInterval()) * 60.0),
        plant.stepPeriod().toMillis(),
        trim(plant.speed()),
        plant.watchdogTimeout().toMillis() / 1000.0,
        plant.isRemote() ? "remote/auto" : "local/manual");
    if (!plant.truthDifference().isEmpty()) {
      out.println(plant.truthDifference());
    }
    out.println();
    out.println("Endpoints (127.0.0.1 only):");
    if (plant.protocols().contains(Protocol.MODBUS)) {
      out.printf(
          Locale.ROOT,
          "  Modbus TCP  127.0.0.1:%d  unit %d, zero-based addresses, float32 word order ABCD%n",
          plant.modbusPort(),
          VirtualPlant.MODBUS_UNIT_ID);
    }
    if (plant.protocols().contains(Protocol.OPCUA)) {
      out.printf(
          Locale.ROOT,
          "  OPC UA      %s  security None, Basic256Sha256, Aes128_Sha256_RsaOaep or"
              + " Aes256_Sha256_RsaPss, anonymous; namespace %s%n",
          plant.opcUaEndpoint(),
          PlantLayout.NAMESPACE_URI);
    }
    out.println();
    out.println("Tags (OPC UA node id nsu=" + PlantLayout.NAMESPACE_URI + ";s=<tag>):");
    out.printf(
        Locale.ROOT,
        "  %-20s %-20s %-8s %-7s %-7s %s%n",
        "tag",
        "Modbus (Modicon)",
        "type",
        "OPC UA",
        "unit",
        "access");
    for (PlantTag t : plant.layout().tags()) {
      ModbusAddress a = t.modbusAddress();
      String modbus =
          (a.table().isWritable() ? "holding:" : "input:")
              + a.offset()
              + " ("
              + a.modiconReference()
              + ")";
      out.printf(
          Locale.ROOT,
          "  %-20s %-20s %-8s %-7s %-7s %s%n",
          t.name(),
          modbus,
          t.modbusType().name().toLowerCase(Locale.ROOT),
          opcUaType(t, plant.layout()),
          t.unit(),
          t.writable() ? "read/write" : "read-only");
    }
    out.println();
    out.println(
        "Loop.Mode: 1 remote/auto (the agent's RemoteSP is in force), 0 local/manual (LocalSP)."
            + " Advisory.Reason on Modbus: 0 accepted, 1 repaired, 2 fallback.");
    out.println();
  }

  private static String opcUaType(PlantTag t, PlantLayout layout) {
    if (layout.opcUaNode(t).dateTime()) {
      return "DateTime";
    }
    return switch (t.opcUaType()) {
      case FLOAT64 -> "Double";
      case INT32 -> "Int32";
      case UINT16 -> "UInt16";
      case UINT32 -> "UInt32";
      case STRING -> "String";
      default -> t.opcUaType().name();
    };
  }

  private static String status(VirtualPlant plant) {
    StringBuilder line = new StringBuilder();
    line.append(String.format(Locale.ROOT, "step %6d ", plant.steps()));
    PlantLayout layout = plant.layout();
    for (SignalSpec o : layout.observations().signals()) {
      line.append(
          String.format(
              Locale.ROOT,
              " %s %.4g%s",
              o.name(),
              plant.value(layout.observation(o.name()).name()),
              o.unit().isEmpty() ? "" : " " + o.unit()));
    }
    line.append(" |");
    for (SignalSpec a : layout.actions().signals()) {
      line.append(
          String.format(
              Locale.ROOT,
              " %s in force %.3f %s",
              a.name(),
              plant.setpointInForce(a.name()),
              a.unit()));
    }
    line.append(
        String.format(
            Locale.ROOT,
            " | %s, heartbeat %.0f, watchdog sheds %d",
            plant.isRemote() ? "remote" : "local",
            plant.value(layout.agentHeartbeat().name()),
            plant.watchdogSheds()));
    return line.toString();
  }

  private static String trim(double value) {
    return new java.math.BigDecimal(value)
        .round(new java.math.MathContext(6))
        .stripTrailingZeros()
        .toPlainString();
  }
}
