/**
 * Seeded realism for simulated processes: imperfect sensors ({@link
 * org.safeloop.env.realism.Sensor}), disturbances on model parameters ({@link
 * org.safeloop.env.realism.Disturbance}) and parameter uncertainty resampled at reset ({@link
 * org.safeloop.env.realism.ParameterUncertainty}), all configured per scenario through {@link
 * org.safeloop.env.realism.RealismConfig}.
 *
 * <p>Every random effect draws from a {@link java.util.SplittableRandom} handed over at reset, so
 * the same seed reproduces every sample exactly. Each effect takes its own split of that generator
 * and a reset consumes a fixed amount of the caller's generator whatever is enabled, so switching
 * one effect on or off does not change the random numbers any other effect sees.
 *
 * <p>Times are in the process model's time unit.
 */
package org.safeloop.env.realism;
