package org.safeloop.plc.runtime;

import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Instant;
import org.safeloop.plc.approval.ApprovalCheck;
import org.safeloop.plc.approval.Approvals;

/**
 * Closed-loop authority from an approval file: verified against a trusted public key and the exact
 * bundle, shield and plant files deployed, for mode {@code closed-loop}. Thread-safe.
 *
 * @param approvalFile the signed approval ({@code safeloop approve})
 * @param trustedKey the public key approvals must be signed with
 * @param bundle the policy bundle file deployed
 * @param shield the shield (constraint) file deployed
 * @param plant the plant file deployed
 * @param clock the clock validity is checked against
 */
public record ApprovalAuthority(
    Path approvalFile, PublicKey trustedKey, Path bundle, Path shield, Path plant, Clock clock)
    implements ClosedLoopAuthority {

  @Override
  public ApprovalCheck verify() {
    return Approvals.verifyFile(
        approvalFile, trustedKey, bundle, shield, plant, Mode.CLOSED_LOOP.label(), clock);
  }

  @Override
  public Instant validUntil() {
    try {
      return Approvals.load(approvalFile).validUntil();
    } catch (RuntimeException e) {
      return Instant.MIN; // unreadable now: no longer valid
    }
  }
}
