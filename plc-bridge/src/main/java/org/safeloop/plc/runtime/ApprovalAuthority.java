package org.safeloop.plc.runtime;

import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import org.safeloop.plc.approval.Approval;
import org.safeloop.plc.approval.ApprovalCheck;
import org.safeloop.plc.approval.Approvals;

/**
 * Closed-loop authority from an approval file: verified against a trusted public key and the exact
 * bundle, shield and plant files deployed, for mode {@code closed-loop}. The expiry the runtime
 * checks every cycle is the one of the approval as verified, kept in memory: editing the file
 * afterwards (say, moving its valid-until later) extends nothing. Thread-safe.
 */
public final class ApprovalAuthority implements ClosedLoopAuthority {
  private final Path approvalFile;
  private final PublicKey trustedKey;
  private final Path bundle;
  private final Path shield;
  private final Path plant;
  private final Clock clock;
  private volatile Instant verifiedUntil = Instant.MIN;

  /**
   * Creates an authority; nothing is verified until {@link #verify()}.
   *
   * @param approvalFile the signed approval ({@code safeloop approve})
   * @param trustedKey the public key approvals must be signed with
   * @param bundle the policy bundle file deployed
   * @param shield the shield (constraint) file deployed
   * @param plant the plant file deployed
   * @param clock the clock validity is checked against
   */
  public ApprovalAuthority(
      Path approvalFile, PublicKey trustedKey, Path bundle, Path shield, Path plant, Clock clock) {
    this.approvalFile = Objects.requireNonNull(approvalFile, "approvalFile");
    this.trustedKey = Objects.requireNonNull(trustedKey, "trustedKey");
    this.bundle = Objects.requireNonNull(bundle, "bundle");
    this.shield = Objects.requireNonNull(shield, "shield");
    this.plant = Objects.requireNonNull(plant, "plant");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public ApprovalCheck verify() {
    verifiedUntil = Instant.MIN;
    Approval approval;
    try {
      approval = Approvals.load(approvalFile);
    } catch (RuntimeException e) {
      // Missing or unreadable: let verifyFile say which, in its words.
      return Approvals.verifyFile(
          approvalFile, trustedKey, bundle, shield, plant, Mode.CLOSED_LOOP.label(), clock);
    }
    // Verify the very record whose expiry is kept (no second read of the file).
    ApprovalCheck check =
        Approvals.verify(
            approval, trustedKey, bundle, shield, plant, Mode.CLOSED_LOOP.label(), clock);
    if (check.accepted()) {
      verifiedUntil = approval.validUntil();
    }
    return check;
  }

  /** Returns the valid-until of the approval last verified; {@link Instant#MIN} before that. */
  @Override
  public Instant validUntil() {
    return verifiedUntil;
  }
}
