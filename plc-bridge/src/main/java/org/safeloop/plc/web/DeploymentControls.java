package org.safeloop.plc.web;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import org.safeloop.plc.approval.Approval;

/**
 * What a deployment's view may ask of the running deployment: its mode, its approval, and the one
 * write, a step back to advisory, which the deployment carries out on its cycle's thread.
 * Implementations are thread-safe.
 */
public interface DeploymentControls {
  /** Returns the mode in force, e.g. {@code closed-loop}. */
  String mode();

  /** Returns the cycles run so far. */
  long cycles();

  /** Returns the approval last verified, or null when none was. */
  Approval approval();

  /** Returns when the approval last verified expires, or null when none was. */
  default Instant approvalValidUntil() {
    Approval a = approval();
    return a == null ? null : a.validUntil();
  }

  /**
   * Asks to step back from closed loop to advisory at the start of the next cycle.
   *
   * @return completes with null once done, or with why not
   */
  CompletableFuture<String> requestStepBack(String who, String why);
}
