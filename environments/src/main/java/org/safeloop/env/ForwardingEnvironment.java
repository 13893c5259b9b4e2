package org.safeloop.env;

import java.util.List;
import org.safeloop.env.process.ModelTimeUnit;

/**
 * An environment that forwards every call to another one: the base of wrappers (a normalised view,
 * a shielded environment) that change a few calls and keep the rest. Not thread-safe, like the
 * environment it wraps.
 */
public abstract class ForwardingEnvironment implements ProcessEnvironment {
  private final ProcessEnvironment inner;

  /** Wraps {@code inner}. */
  protected ForwardingEnvironment(ProcessEnvironment inner) {
    this.inner = inner;
  }

  /** Returns the wrapped environment. */
  public ProcessEnvironment unwrapped() {
    return inner;
  }

  @Override
  public String name() {
    return inner.name();
  }

  @Override
  public SignalSpace observationSpace() {
    return inner.observationSpace();
  }

  @Override
  public SignalSpace actionSpace() {
    return inner.actionSpace();
  }

  @Override
  public SignalSpace stateSpace() {
    return inner.stateSpace();
  }

  @Override
  public List<String> constraintNames() {
    return inner.constraintNames();
  }

  @Override
  public List<String> setpointNames() {
    return inner.setpointNames();
  }

  @Override
  public double controlInterval() {
    return inner.controlInterval();
  }

  @Override
  public ModelTimeUnit timeUnit() {
    return inner.timeUnit();
  }

  @Override
  public int episodeSteps() {
    return inner.episodeSteps();
  }

  @Override
  public Observation reset(long seed) {
    return inner.reset(seed);
  }

  @Override
  public StepResult step(double[] action) {
    return inner.step(action);
  }

  @Override
  public double[] state() {
    return inner.state();
  }

  @Override
  public double[] lastAppliedAction() {
    return inner.lastAppliedAction();
  }

  @Override
  public PredictiveModel predictiveModel() {
    return inner.predictiveModel();
  }
}
