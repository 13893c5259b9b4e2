package org.safeloop.telemetry;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.safeloop.plc.telemetry.TelemetryUrl;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code safeloop telemetry forward AUDIT --telemetry URL}: sends an audit log to a telemetry topic
 * from its checkpoint on ({@link AuditForwarder}). {@code deploy --telemetry} runs it beside the
 * bridge with {@code --follow}; run by hand, it sends what a deployment's forwarder had not sent
 * (the {@code unsent} of its {@code TELEMETRY_STOPPED} event), or a whole log.
 */
@Command(
    name = "forward",
    mixinStandardHelpOptions = true,
    description = {
      "Send an audit log's records to a telemetry topic, from where the last forwarder of this log",
      "stopped (its checkpoint, AUDIT.telemetry) to the end, at least once and in order."
    })
final class ForwardCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "AUDIT", description = "The audit log's active file.")
  Path audit;

  @Option(
      names = "--telemetry",
      required = true,
      paramLabel = "kafka://HOST:PORT/TOPIC",
      description = "The telemetry topic, as deploy --telemetry.")
  String telemetry;

  @Option(
      names = "--plant",
      paramLabel = "NAME",
      description = "The plant the records are keyed by (default: the audit file's folder name).")
  String plant;

  @Option(
      names = "--follow",
      description = "Keep sending new records as they are written, until stopped (Ctrl-C).")
  boolean follow;

  @Option(
      names = "--timeout",
      defaultValue = "60",
      paramLabel = "SECONDS",
      description =
          "Without --follow, give up after this long while the broker takes nothing (default"
              + " ${DEFAULT-VALUE} s); the checkpoint keeps what was sent.")
  long timeoutSeconds;

  // deploy --telemetry: status as JSON lines on standard output, stop when standard input closes.
  @Option(names = "--report-to-parent", hidden = true)
  boolean reportToParent;

  @Override
  public Integer call() throws IOException, InterruptedException {
    TelemetryUrl url = TelemetryUrl.parse(telemetry);
    if (timeoutSeconds < 1) {
      throw new IllegalArgumentException("--timeout must be at least 1 s, got " + timeoutSeconds);
    }
    if (!reportToParent && !Files.exists(audit)) {
      throw new IllegalArgumentException("no audit log at " + audit);
    }
    String key = plant != null ? plant : defaultPlant(audit);
    PrintWriter out = spec.commandLine().getOut();
    AtomicBoolean following = new AtomicBoolean(follow);
    AuditForwarder.Status[] printed = {null};
    long[] lastReport = {0};
    try (AuditForwarder forwarder =
        new AuditForwarder(
            url,
            key,
            audit,
            status -> {
              long now = System.nanoTime();
              boolean changed = printed[0] == null || !status.state().equals(printed[0].state());
              // Every change of state at once, progress at most five times a second; the
              // forwarder calls again while idle, so the last progress is never held back long.
              if (changed || (!status.equals(printed[0]) && now - lastReport[0] > 200_000_000L)) {
                printed[0] = status;
                lastReport[0] = now;
                if (reportToParent) {
                  out.println(json(status));
                  out.flush();
                } else if (changed) {
                  out.println(describe(url, status));
                  out.flush();
                }
              }
            })) {
      if (reportToParent) {
        out.println(json(forwarder.status()));
        out.flush();
        watchForEndOfInput(System.in, following);
      }
      AuditForwarder.Status last =
          forwarder.run(following::get, follow ? null : Instant.now().plusSeconds(timeoutSeconds));
      if (!reportToParent) {
        out.println(describe(url, last));
        out.flush();
      }
      return last.state().equals("done") ? 0 : 1;
    }
  }

  /** The folder a deployment's audit log sits in is named after the plant and the start. */
  static String defaultPlant(Path audit) {
    Path parent = audit.toAbsolutePath().getParent();
    String folder = parent == null ? "plant" : parent.getFileName().toString();
    int cut = folder.indexOf("__");
    return cut > 0 ? folder.substring(0, cut) : folder;
  }

  /** Clears {@code following} when {@code in} reaches its end (the parent closed it, or died). */
  private static void watchForEndOfInput(InputStream in, AtomicBoolean following) {
    Thread t =
        new Thread(
            () -> {
              try {
                while (in.read() >= 0) {
                  // the parent writes nothing; any byte is ignored
                }
              } catch (IOException e) {
                // closed: the same as the end
              }
              following.set(false);
            },
            "safeloop-telemetry-parent");
    t.setDaemon(true);
    t.start();
  }

  private static String json(AuditForwarder.Status s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("state", s.state());
    m.put("acknowledged", s.acknowledged());
    m.put("seq", s.seq());
    m.put("lost", s.lost());
    m.put("error", s.error());
    try {
      return JSON.writeValueAsString(m);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String describe(TelemetryUrl url, AuditForwarder.Status s) {
    return String.format(
        Locale.ROOT,
        "%s: %s, %d records acknowledged, up to seq %d%s%s",
        url,
        s.state(),
        s.acknowledged(),
        s.seq(),
        s.lost() > 0 ? ", " + s.lost() + " rotated out of the log before they were sent" : "",
        s.error() == null ? "" : " (" + s.error() + ")");
  }
}
