package org.safeloop.experiments.bench;

import org.safeloop.env.SignalSpace;
import org.safeloop.shield.AdmissibleActions;
import org.safeloop.shield.PlantSnapshot;
import org.safeloop.shield.SafetyShield;
import org.safeloop.shield.ShieldCounters;
import org.safeloop.shield.ShieldDecision;

/**
 * Times the shield's decisions; delegates everything. For {@link DeployBenchmark}; not thread-safe.
 */
final class TimedShield implements SafetyShield {
  final MicrosHistogram decide = new MicrosHistogram();
  private final SafetyShield delegate;

  TimedShield(SafetyShield delegate) {
    this.delegate = delegate;
  }

  @Override
  public String name() {
    return delegate.name();
  }

  @Override
  public SignalSpace actionSpace() {
    return delegate.actionSpace();
  }

  @Override
  public SignalSpace observationSpace() {
    return delegate.observationSpace();
  }

  @Override
  public double controlIntervalSeconds() {
    return delegate.controlIntervalSeconds();
  }

  @Override
  public ShieldDecision decide(PlantSnapshot plant, double[] proposed, double[] previousApplied) {
    long start = System.nanoTime();
    try {
      return delegate.decide(plant, proposed, previousApplied);
    } finally {
      decide.record((System.nanoTime() - start) / 1000);
    }
  }

  @Override
  public AdmissibleActions admissible(PlantSnapshot plant, double[] previousApplied) {
    return delegate.admissible(plant, previousApplied);
  }

  @Override
  public java.util.List<org.safeloop.shield.constraint.StateConstraint> stateConstraints() {
    return delegate.stateConstraints();
  }

  @Override
  public ShieldCounters counters() {
    return delegate.counters();
  }

  @Override
  public void reset() {
    delegate.reset();
  }
}
