package org.safeloop.plc.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.safeloop.plc.approval.ApprovalKeys;
import org.safeloop.plc.audit.AuditLogReader;
import org.safeloop.plc.audit.EventKind;
import org.safeloop.plc.audit.ShadowSummary;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code safeloop shadow-report}: what a shadow period showed, from its audit log. */
@Command(
    name = "shadow-report",
    mixinStandardHelpOptions = true,
    description = {
      "Summarise an audit log and check its hash chain.",
      "Agreement between the agent's (shielded) recommendation and the operator's setpoint,",
      "shield interventions, data-quality problems, cycle latency, breaks in the chain."
    })
public final class ShadowReportCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "LOG", description = "The audit log (audit.jsonl).")
  Path log;

  @Option(
      names = "--compare",
      paramLabel = "ACTION=TOLERANCE",
      description =
          "Compare this action with the setpoint in force (logged as ACTION.in_force), agreeing"
              + " within TOLERANCE in the action's unit (repeatable; default Tc=0.5).")
  Map<String, Double> compare = new java.util.LinkedHashMap<>(Map.of("Tc", 0.5));

  @Option(
      names = "--trusted-key",
      paramLabel = "FILE",
      description =
          "The deployment's public key: check the signed heads of the audit log's hash chain.")
  Path trustedKey;

  @Override
  public Integer call() {
    ShadowSummary.Accumulator acc = ShadowSummary.accumulator(comparisons(compare));
    AuditLogReader.ReadResult read = AuditLogReader.read(log, acc);
    ShadowSummary s = acc.summary();
    PrintWriter w = spec.commandLine().getOut();
    w.println(describe(s, read.truncatedLines().size()));
    w.println(
        describeChain(read, trustedKey == null ? null : ApprovalKeys.loadPublicKey(trustedKey)));
    w.flush();
    return 0;
  }

  /** Each {@code ACTION=TOLERANCE} as a comparison with the setpoint in force, ACTION.in_force. */
  public static List<ShadowSummary.OperatorSetpoint> comparisons(Map<String, Double> compare) {
    List<ShadowSummary.OperatorSetpoint> comparisons = new ArrayList<>();
    compare.forEach(
        (action, tolerance) ->
            comparisons.add(
                new ShadowSummary.OperatorSetpoint(action, action + ".in_force", tolerance)));
    return comparisons;
  }

  /** The hash chain's verdict: intact, or each break with file and line; the signed heads. */
  static String describeChain(AuditLogReader.ReadResult read, PublicKey trusted) {
    StringBuilder b = new StringBuilder();
    if (read.chainIntact()) {
      b.append(
          String.format(
              Locale.ROOT,
              "audit chain: intact over %d records, %d writer instance(s)",
              read.records(),
              read.instances().size()));
    } else {
      b.append(
          String.format(
              Locale.ROOT,
              "audit chain: BROKEN in %d place(s)%s",
              read.chainBreaks().size(),
              read.unchainedRecords() > 0
                  ? ", " + read.unchainedRecords() + " records without chain fields"
                  : ""));
      for (AuditLogReader.ChainBreak c : read.chainBreaks()) {
        b.append(
            String.format(
                Locale.ROOT,
                "%n  %s line %d (seq %d): %s",
                c.file(),
                c.lineNumber(),
                c.seq(),
                c.problem()));
      }
    }
    for (AuditLogReader.SignedHead h : read.signedHeads()) {
      String verdict;
      if (!h.matchesChain()) {
        verdict = "does NOT match the chain";
      } else if (trusted == null) {
        verdict = "not checked (give --trusted-key)";
      } else {
        verdict =
            AuditLogReader.signatureValid(h, trusted)
                ? "valid, by the trusted key"
                : "INVALID for the trusted key";
      }
      b.append(String.format(Locale.ROOT, "%nsigned chain head at seq %d: %s", h.seq(), verdict));
    }
    return b.toString();
  }

  /** The report's text: cycles, modes, agreement, interventions, inputs, latency, telemetry. */
  public static String describe(ShadowSummary s, long truncated) {
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            Locale.ROOT,
            "%d cycles over %s, by mode %s; %d events %s%n",
            s.cycles(),
            s.span(),
            s.cyclesByMode(),
            s.events(),
            s.eventsByKind()));
    for (ShadowSummary.Agreement a : s.agreement()) {
      if (a.comparedCycles() == 0) {
        b.append(
            String.format(
                Locale.ROOT,
                "agreement %s vs %s: no cycle to compare (%d skipped)%n",
                a.comparison().action(),
                a.comparison().operatorSignal(),
                a.skippedCycles()));
        continue;
      }
      b.append(
          String.format(
              Locale.ROOT,
              "agreement %s vs %s: mean |difference| %.3f, max %.3f, %.1f %% within %.3f (%d"
                  + " cycles compared, %d skipped)%n",
              a.comparison().action(),
              a.comparison().operatorSignal(),
              a.meanAbsoluteDifference(),
              a.maxAbsoluteDifference(),
              a.withinTolerancePercent(),
              a.comparison().tolerance(),
              a.comparedCycles(),
              a.skippedCycles()));
    }
    b.append(
        String.format(
            Locale.ROOT,
            "shield: %d cycles with an intervention %s, %d fallbacks%n",
            s.interventionCycles(),
            s.interventionsByLayer(),
            s.fallbackCycles()));
    b.append(
        String.format(
            Locale.ROOT,
            "inputs: %d cycles with a problem %s%n",
            s.cyclesWithInputProblems(),
            s.inputProblemsBySignal()));
    ShadowSummary.Latency l = s.latency();
    b.append(
        String.format(
            Locale.ROOT,
            "latency: median %d us, p95 %d us, p99 %d us, max %d us",
            l.medianMicros(),
            l.p95Micros(),
            l.p99Micros(),
            l.maxMicros()));
    if (s.eventsByKind().containsKey(EventKind.TELEMETRY_STARTED)) {
      b.append(
          String.format(
              Locale.ROOT,
              "%ntelemetry: forwarder started %d time(s), stalled %d time(s) (broker unreachable);"
                  + " %d records not yet sent when it last stopped (the audit log has them all)",
              s.eventsByKind().get(EventKind.TELEMETRY_STARTED),
              s.eventsByKind().getOrDefault(EventKind.TELEMETRY_STALLED, 0L),
              s.telemetryUnsent()));
    }
    if (truncated > 0) {
      b.append(String.format(Locale.ROOT, "%n%d truncated line(s) skipped", truncated));
    }
    return b.toString();
  }
}
