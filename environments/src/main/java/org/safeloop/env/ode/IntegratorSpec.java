package org.safeloop.env.ode;

import org.safeloop.env.config.FieldException;

/**
 * How to integrate a model between control steps. Maps onto the {@code integrator} section of a
 * scenario file.
 *
 * <ul>
 *   <li>{@code rk4}: classical fixed-step Runge-Kutta with {@code substeps} steps per control
 *       interval: the fast path for training. Four sub-steps keep the CSTR within about 3e-7
 *       relative error of the reference.
 *   <li>{@code dormand-prince}: adaptive Dormand-Prince 5(4) with the given tolerances: the
 *       reference for accuracy checks.
 * </ul>
 *
 * @param method {@code rk4} or {@code dormand-prince}
 * @param substeps RK4 steps per control interval (RK4 only), at least 1; default 4
 * @param relativeTolerance Dormand-Prince relative tolerance; default 1e-8
 * @param absoluteTolerance Dormand-Prince absolute tolerance; default 1e-10
 */
public record IntegratorSpec(
    String method, Integer substeps, Double relativeTolerance, Double absoluteTolerance) {

  /** The {@code rk4} method name. */
  public static final String RK4 = "rk4";

  /** The {@code dormand-prince} method name. */
  public static final String DORMAND_PRINCE = "dormand-prince";

  /**
   * Most RK4 sub-steps per control step: beyond this a stiff model wants {@code dormand-prince},
   * and every environment step would take milliseconds.
   */
  public static final int MAX_SUBSTEPS = 1_000;

  /** Applies defaults and validates. */
  public IntegratorSpec {
    if (method == null) {
      method = RK4;
    }
    FieldException.require(
        method.equals(RK4) || method.equals(DORMAND_PRINCE),
        "method",
        "unknown integrator '" + method + "'; expected rk4 or dormand-prince");
    if (substeps == null) {
      substeps = 4;
    }
    FieldException.require(
        substeps >= 1 && substeps <= MAX_SUBSTEPS,
        "substeps",
        "must be between 1 and " + MAX_SUBSTEPS + ", got " + substeps);
    if (relativeTolerance == null) {
      relativeTolerance = 1e-8;
    }
    if (absoluteTolerance == null) {
      absoluteTolerance = 1e-10;
    }
    FieldException.require(
        relativeTolerance > 0 && relativeTolerance < 1,
        "relative_tolerance",
        "must be in (0, 1), got " + relativeTolerance);
    FieldException.require(
        absoluteTolerance > 0, "absolute_tolerance", "must be positive, got " + absoluteTolerance);
  }

  /** RK4 with {@code substeps} sub-steps per control interval. */
  public static IntegratorSpec rk4(int substeps) {
    return new IntegratorSpec(RK4, substeps, null, null);
  }

  /** Dormand-Prince 5(4) with the given tolerances. */
  public static IntegratorSpec dormandPrince(double relativeTolerance, double absoluteTolerance) {
    return new IntegratorSpec(DORMAND_PRINCE, null, relativeTolerance, absoluteTolerance);
  }

  /** The default: RK4 with 4 sub-steps. */
  public static IntegratorSpec defaults() {
    return rk4(4);
  }

  /** Returns true for the adaptive reference integrator. */
  public boolean isAdaptive() {
    return method.equals(DORMAND_PRINCE);
  }
}
