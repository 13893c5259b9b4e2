package org.safeloop.plc.runtime;

import java.time.Instant;
import org.safeloop.plc.approval.ApprovalCheck;

/**
 * What allows closed loop: a verified approval and the instant it stops being valid. The runtime
 * asks {@link #verify()} when closed loop starts or is promoted to, and checks {@link
 * #validUntil()} every cycle. Implementations must be thread-safe.
 */
public interface ClosedLoopAuthority {

  /** Verifies the approval now (signature, trusted key, file hashes, mode, validity). */
  ApprovalCheck verify();

  /** Returns the first instant at which the approval is no longer valid. */
  Instant validUntil();
}
