package org.safeloop.plc.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.safeloop.plc.approval.Approval;
import org.safeloop.plc.approval.ApprovalKeys;
import org.safeloop.plc.approval.Approvals;
import org.safeloop.plc.runtime.DeploymentInputs;
import org.safeloop.plc.runtime.Mode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code safeloop approve}: a signed approval bound to the exact files to deploy. */
@Command(
    name = "approve",
    mixinStandardHelpOptions = true,
    description = {
      "Sign an approval for a deployment mode, valid until a time.",
      "It is bound to the SHA-256 of the policy bundle, the shield file and the plant file, and",
      "of every file they depend on (the scenario and model files a shield names). The bridge",
      "verifies it against a trusted public key and refuses closed loop on any mismatch."
    })
public final class ApproveCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--policy", required = true, paramLabel = "BUNDLE", description = "Bundle.")
  Path policy;

  @Option(names = "--shield", required = true, paramLabel = "FILE", description = "Shield file.")
  Path shield;

  @Option(names = "--plant", required = true, paramLabel = "FILE", description = "Plant file.")
  Path plant;

  @Option(
      names = "--mode",
      defaultValue = "closed-loop",
      paramLabel = "MODE",
      description = "Mode approved (default ${DEFAULT-VALUE}).")
  String mode;

  @Option(names = "--approver", required = true, paramLabel = "NAME", description = "Who.")
  String approver;

  @Option(
      names = "--valid-until",
      required = true,
      paramLabel = "TIME",
      description = "An ISO-8601 instant (2026-12-01T06:00:00Z) or a duration from now (8h, 2d).")
  String validUntil;

  @Option(
      names = "--key",
      required = true,
      paramLabel = "FILE",
      description = "Private key (NAME.key); its NAME.pub must sit beside it.")
  Path key;

  @Option(names = "--comment", defaultValue = "", description = "Why, for the record.")
  String comment;

  @Option(
      names = {"-o", "--output"},
      defaultValue = "approval.json",
      paramLabel = "FILE",
      description = "Approval file (default ${DEFAULT-VALUE}).")
  Path out;

  /** The old spelling of {@code --output}, accepted for one release. */
  @Option(names = "--out", hidden = true, paramLabel = "FILE")
  void legacyOut(Path value) {
    out = value;
  }

  /** The longest an approval may run: a quarter, so that approvals are reviewed. */
  static final Duration MAX_VALIDITY = Duration.ofDays(92);

  @Override
  public Integer call() {
    Clock clock = Clock.systemUTC();
    Mode approved = Mode.of(mode);
    if (approved == Mode.SHADOW) {
      throw new IllegalArgumentException(
          "--mode shadow needs no approval (it writes nothing); approve advisory or closed-loop");
    }
    Instant until = parseUntil(validUntil, clock.instant());
    if (Duration.between(clock.instant(), until).compareTo(MAX_VALIDITY) > 0) {
      throw new IllegalArgumentException(
          "--valid-until "
              + until
              + " is more than "
              + MAX_VALIDITY.toDays()
              + " days away; approvals are reviewed at least each quarter");
    }
    String pub = key.getFileName().toString().replaceAll("\\.key$", "") + ".pub";
    KeyPair keys = ApprovalKeys.loadKeyPair(key, key.resolveSibling(pub));
    // Each file is loaded as its kind (a shield file given as --plant is refused), and everything
    // the shield depends on is hashed with it.
    DeploymentInputs inputs = DeploymentInputs.read(policy, shield, plant);
    inputs.bundle();
    Approval approval =
        Approvals.sign(inputs.files(), approved.label(), approver, until, comment, keys, clock);
    Approvals.save(approval, out);
    PrintWriter w = spec.commandLine().getOut();
    w.printf(
        Locale.ROOT,
        "approval for %s by %s, valid until %s, bound to %d files, written to %s%n",
        mode,
        approver,
        until,
        inputs.files().bundle().size()
            + inputs.files().shield().size()
            + inputs.files().plant().size(),
        out);
    w.flush();
    return 0;
  }

  static Instant parseUntil(String text, Instant now) {
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException notAnInstant) {
      String t = text.trim().toLowerCase(Locale.ROOT);
      try {
        if (t.startsWith("p")) {
          return now.plus(Duration.parse(text));
        }
        long amount = Long.parseLong(t.substring(0, t.length() - 1));
        return switch (t.charAt(t.length() - 1)) {
          case 'm' -> now.plus(Duration.ofMinutes(amount));
          case 'h' -> now.plus(Duration.ofHours(amount));
          case 'd' -> now.plus(Duration.ofDays(amount));
          default -> throw new NumberFormatException();
        };
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(
            "--valid-until: give an ISO-8601 instant (2026-12-01T06:00:00Z) or a duration such"
                + " as 30m, 8h or 2d, got '"
                + text
                + "'");
      }
    }
  }
}
