package org.safeloop.plc.approval;

import java.util.Objects;

/**
 * The answer of {@link Approvals#verify}: accepted, or refused with the one check that failed and a
 * message for the operator and the audit log.
 *
 * @param outcome {@link Outcome#ACCEPTED} or the reason for the refusal
 * @param message one sentence saying what was checked and what was found, e.g. {@code "bundle file
 *     cstr.bundle does not match the approval: approved sha256 3f1a9c0e22b7..., found
 *     8d04c6b1e9aa..."}
 */
public record ApprovalCheck(Outcome outcome, String message) {

  /** Why an approval was accepted or refused, one value per check. */
  public enum Outcome {
    /** Every check passed. */
    ACCEPTED,
    /** There is no approval (no file, or none given). */
    MISSING,
    /** The approval file exists but cannot be read or is malformed. */
    UNREADABLE,
    /** The approval is signed by a key other than the trusted one (fingerprint differs). */
    UNTRUSTED_KEY,
    /** The approval is unsigned, or its content was changed after signing. */
    SIGNATURE_INVALID,
    /** The approval is for another mode than the one requested. */
    MODE_MISMATCH,
    /** The approval's issue time is still in the future. */
    NOT_YET_VALID,
    /** The approval's validity ended. */
    EXPIRED,
    /** The policy bundle file is not the one approved (checked before it is unpacked). */
    BUNDLE_MISMATCH,
    /** The shield file, or a scenario or model file it depends on, is not the one approved. */
    SHIELD_MISMATCH,
    /** The plant file, or a file it depends on, is not the one approved. */
    PLANT_MISMATCH,
    /**
     * A deployed file (or one it depends on) changed on disk since the deployment loaded it: what
     * runs may be approved, but the files no longer show it.
     */
    CHANGED_SINCE_LOADED
  }

  /** Checks both components are present. */
  public ApprovalCheck {
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(message, "message");
  }

  /** Returns true when every check passed. */
  public boolean accepted() {
    return outcome == Outcome.ACCEPTED;
  }
}
