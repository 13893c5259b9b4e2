package org.safeloop.telemetry;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.safeloop.plc.audit.ShadowSummary;
import org.safeloop.plc.cli.ShadowReportCommand;
import org.safeloop.plc.telemetry.TelemetryUrl;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code safeloop telemetry --from URL}: the shadow report of a telemetry topic, as from an audit
 * log; {@code safeloop telemetry forward} sends an audit log to a topic.
 */
@Command(
    name = "telemetry",
    mixinStandardHelpOptions = true,
    subcommands = ForwardCommand.class,
    description = {
      "Read a telemetry topic (deploy --telemetry) from its beginning and print the shadow report",
      "the audit log gives, with the records missing from the topic (not forwarded yet)."
    })
public final class TelemetryCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--from",
      paramLabel = "kafka://HOST:PORT/TOPIC",
      description = "The telemetry topic.")
  String from;

  @Option(names = "--plant", paramLabel = "NAME", description = "Only this plant's records.")
  String plant;

  @Option(
      names = "--compare",
      paramLabel = "ACTION=TOLERANCE",
      description =
          "Compare this action with the setpoint in force, as shadow-report does (default"
              + " Tc=0.5).")
  Map<String, Double> compare = new java.util.LinkedHashMap<>(Map.of("Tc", 0.5));

  @Option(
      names = "--timeout",
      defaultValue = "30",
      paramLabel = "SECONDS",
      description = "Longest the read may take (default ${DEFAULT-VALUE} s).")
  long timeoutSeconds;

  @Override
  public Integer call() {
    if (from == null) {
      throw new IllegalArgumentException(
          "telemetry needs --from kafka://HOST:PORT/TOPIC (read a topic) or forward (send a log)");
    }
    TelemetryUrl url = TelemetryUrl.parse(from);
    if (timeoutSeconds < 1) {
      throw new IllegalArgumentException("--timeout must be at least 1 s, got " + timeoutSeconds);
    }
    ShadowSummary.Accumulator acc =
        ShadowSummary.accumulator(ShadowReportCommand.comparisons(compare));
    TelemetryReader.Result read =
        TelemetryReader.read(
            url, plant, Duration.ofSeconds(timeoutSeconds), m -> acc.accept(m.record()));
    PrintWriter w = spec.commandLine().getOut();
    w.println(ShadowReportCommand.describe(acc.summary(), 0));
    w.println(
        String.format(
            Locale.ROOT,
            "topic %s: %d records%s, plants %s; %d missing by sequence, %d repeats skipped, %d"
                + " unreadable",
            url,
            read.messages(),
            plant == null ? "" : " of " + plant,
            read.plants(),
            read.missing(),
            read.repeated(),
            read.unreadable()));
    w.flush();
    return 0;
  }
}
