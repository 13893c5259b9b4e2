package org.safeloop.env;

import java.util.List;
import org.safeloop.env.process.ModelTimeUnit;

/**
 * A simulated process to control, episode by episode: {@link #reset(long)} then {@link
 * #step(double[])} until the result says the episode is done. Observations, actions and states
 * carry names, units and ranges; agents that want [-1, 1] use a {@link NormalizedEnvironment}.
 *
 * <p>Not thread-safe: one environment per thread. The same seed and the same actions give the same
 * episode.
 */
public interface ProcessEnvironment {

  /** Returns the scenario name, e.g. {@code cstr-tracking}. */
  String name();

  /**
   * Returns what a controller sees: measured variables, then setpoints, then any derived signals
   * the scenario's {@code observation} section asks for (see {@code ObservationDesign}).
   */
  SignalSpace observationSpace();

  /** Returns the manipulated inputs with actuator limits. */
  SignalSpace actionSpace();

  /** Returns the true process states (for logs and for the predictive model). */
  SignalSpace stateSpace();

  /** Returns the names of the constraints, in the order of the cost vector. */
  List<String> constraintNames();

  /** Returns the names of the tracked variables, in the order of {@link StepInfo#setpoints()}. */
  List<String> setpointNames();

  /** Returns the control interval in {@link #timeUnit()}. */
  double controlInterval();

  /** Returns the time unit of the model. */
  ModelTimeUnit timeUnit();

  /** Returns the number of steps after which an episode is truncated. */
  int episodeSteps();

  /**
   * Starts a new episode. Every random effect (noise, disturbances, parameter uncertainty) is drawn
   * from {@code seed}.
   *
   * @return the first observation
   */
  Observation reset(long seed);

  /**
   * Applies {@code action} for one control interval.
   *
   * @param action in action-space order and engineering units; values outside the actuator limits
   *     are clipped and reported in {@link StepInfo#actionLimited()}
   * @throws IllegalArgumentException if the action has the wrong length or a NaN or infinite entry
   * @throws IllegalStateException if no episode is running (call {@link #reset(long)})
   */
  StepResult step(double[] action);

  /**
   * Returns the current true state (a copy), e.g. for the shield's predictions in simulation or to
   * log an initial row.
   */
  double[] state();

  /** Returns the last applied action (a copy); after reset, the scenario's initial input. */
  double[] lastAppliedAction();

  /** Returns a new noise-free predictive view of this process with nominal parameters. */
  PredictiveModel predictiveModel();
}
