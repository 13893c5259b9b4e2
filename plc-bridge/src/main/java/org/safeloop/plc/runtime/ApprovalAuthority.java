package org.safeloop.plc.runtime;

import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import org.safeloop.plc.approval.Approval;
import org.safeloop.plc.approval.ApprovalCheck;
import org.safeloop.plc.approval.Approvals;
import org.safeloop.plc.approval.DeploymentFiles;

/**
 * Closed-loop authority from an approval file: verified against a trusted public key and the exact
 * files deployed, as they were loaded (bundle, shield, plant and every file they depend on), for
 * mode {@code closed-loop}. Each verification (at start and at every promotion) also hashes the
 * files on disk again and refuses when one changed since it was loaded: what runs is what was
 * approved, and an edit on disk is not silently ignored.
 *
 * <p>The expiry the runtime checks every cycle is the one of the approval as verified, kept in
 * memory: editing the file afterwards (say, moving its valid-until later) extends nothing.
 * Thread-safe.
 */
public final class ApprovalAuthority implements ClosedLoopAuthority {
  private final Path approvalFile;
  private final PublicKey trustedKey;
  private final DeploymentFiles files;
  private final Clock clock;
  private volatile Instant verifiedUntil = Instant.MIN;
  private volatile Approval verified;

  /**
   * Creates an authority; nothing is verified until {@link #verify()}.
   *
   * @param approvalFile the signed approval ({@code safeloop approve})
   * @param trustedKey the public key approvals must be signed with
   * @param files the deployed files as loaded ({@link DeploymentInputs#files()})
   * @param clock the clock validity is checked against
   */
  public ApprovalAuthority(
      Path approvalFile, PublicKey trustedKey, DeploymentFiles files, Clock clock) {
    this.approvalFile = Objects.requireNonNull(approvalFile, "approvalFile");
    this.trustedKey = Objects.requireNonNull(trustedKey, "trustedKey");
    this.files = Objects.requireNonNull(files, "files");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public ApprovalCheck verify() {
    verifiedUntil = Instant.MIN;
    verified = null;
    Approval approval;
    try {
      approval = Approvals.load(approvalFile);
    } catch (RuntimeException e) {
      // Missing or unreadable: let verifyFile say which, in its words.
      return Approvals.verifyFile(approvalFile, trustedKey, files, Mode.CLOSED_LOOP.label(), clock);
    }
    // Verify the very record whose expiry is kept (no second read of the file).
    ApprovalCheck check =
        Approvals.verify(approval, trustedKey, files, Mode.CLOSED_LOOP.label(), clock);
    if (!check.accepted()) {
      return check;
    }
    String changed = files.changedOnDisk();
    if (changed != null) {
      return new ApprovalCheck(ApprovalCheck.Outcome.CHANGED_SINCE_LOADED, changed);
    }
    verifiedUntil = approval.validUntil();
    verified = approval;
    return check;
  }

  /** Returns the approval last verified and accepted, or null (none yet, or the last refused). */
  public Approval approval() {
    return verified;
  }

  /** Returns the valid-until of the approval last verified; {@link Instant#MIN} before that. */
  @Override
  public Instant validUntil() {
    return verifiedUntil;
  }
}
