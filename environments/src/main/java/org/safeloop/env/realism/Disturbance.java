package org.safeloop.env.realism;

import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The offset of one disturbance over an episode, as configured by a {@link DisturbanceConfig}. The
 * environment calls {@link #offsetAt} once per control step and adds the result to the parameter.
 *
 * <p>Step, ramp and sine are functions of time alone. A random walk advances by the time elapsed
 * since the previous call (the part of it inside [start, end]), so its times must not decrease; the
 * offset at time {@code t} has variance {@code std^2 (t - start)} (before clipping) however often
 * it is called. Not thread-safe: one instance per environment.
 */
public final class Disturbance {
  private final DisturbanceConfig config;
  private final DisturbanceType kind;
  private final double start;
  private final double end;
  private final double min;
  private final double max;
  private final double magnitude;
  private final double rate;
  private final double std;
  private final double angularFrequency;

  private SplittableRandom walkRandom;
  private boolean ready;
  private double lastTime;
  private double walk;

  /**
   * Builds a disturbance; call {@link #reset} before the first {@link #offsetAt}.
   *
   * @param config what to apply, to which parameter and when
   */
  public Disturbance(DisturbanceConfig config) {
    this.config = Objects.requireNonNull(config, "config");
    this.kind = config.kind();
    this.start = config.start();
    this.end = config.end();
    this.min = config.min();
    this.max = config.max();
    this.magnitude = orZero(config.magnitude());
    this.rate = orZero(config.rate());
    this.std = orZero(config.std());
    this.angularFrequency = kind == DisturbanceType.SINE ? 2.0 * Math.PI / config.period() : 0.0;
  }

  /** Returns the configuration this disturbance was built from. */
  public DisturbanceConfig config() {
    return config;
  }

  /** Returns the name of the model parameter the offset applies to. */
  public String parameter() {
    return config.parameter();
  }

  /**
   * Starts a new episode with the offset back at zero. Takes one split of {@code random} whatever
   * the type, so the caller's generator advances the same amount for every disturbance.
   *
   * @param random the episode's generator; not retained
   */
  public void reset(SplittableRandom random) {
    Objects.requireNonNull(random, "random");
    walkRandom = random.split();
    lastTime = Double.NEGATIVE_INFINITY;
    walk = 0.0;
    ready = true;
  }

  /**
   * Returns the offset at {@code time}, in the parameter's unit.
   *
   * @param time time since reset, in the model's time unit; for a random walk not earlier than the
   *     previous call
   * @throws IllegalArgumentException when {@code time} is NaN, or earlier than the previous call on
   *     a random walk
   * @throws IllegalStateException before the first {@link #reset}
   */
  public double offsetAt(double time) {
    if (!ready) {
      throw new IllegalStateException("disturbance on " + parameter() + " used before reset");
    }
    if (Double.isNaN(time)) {
      throw new IllegalArgumentException("disturbance on " + parameter() + ": time is NaN");
    }
    double offset =
        switch (kind) {
          case STEP -> time >= start && time < end ? magnitude : 0.0;
          case RAMP -> time > start ? rate * (Math.min(time, end) - start) : 0.0;
          case SINE ->
              time >= start && time < end
                  ? magnitude * Math.sin(angularFrequency * (time - start))
                  : 0.0;
          case RANDOM_WALK -> advanceWalk(time);
        };
    return Math.max(min, Math.min(max, offset));
  }

  private double advanceWalk(double time) {
    if (time < lastTime) {
      throw new IllegalArgumentException(
          "random-walk disturbance on "
              + parameter()
              + ": time went back from "
              + lastTime
              + " to "
              + time);
    }
    double elapsed = Math.min(time, end) - Math.max(lastTime, start);
    lastTime = time;
    if (elapsed > 0.0) {
      walk += std * Math.sqrt(elapsed) * walkRandom.nextGaussian();
      // Clipping the state, not only the output, lets the walk leave a bound as soon as it turns.
      walk = Math.max(min, Math.min(max, walk));
    }
    return walk;
  }

  private static double orZero(Double value) {
    return value == null ? 0.0 : value;
  }
}
