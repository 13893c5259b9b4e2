package org.safeloop.experiments.bench;

import java.time.Instant;
import org.safeloop.plc.approval.ApprovalCheck;
import org.safeloop.plc.runtime.ClosedLoopAuthority;

/**
 * Times the approval's expiry check, made every cycle; delegates verification. For {@link
 * DeployBenchmark}; not thread-safe.
 */
final class TimedAuthority implements ClosedLoopAuthority {
  final MicrosHistogram validUntil = new MicrosHistogram();
  private final ClosedLoopAuthority delegate;

  TimedAuthority(ClosedLoopAuthority delegate) {
    this.delegate = delegate;
  }

  @Override
  public ApprovalCheck verify() {
    return delegate.verify();
  }

  @Override
  public Instant validUntil() {
    long start = System.nanoTime();
    try {
      return delegate.validUntil();
    } finally {
      validUntil.record((System.nanoTime() - start) / 1000);
    }
  }
}
