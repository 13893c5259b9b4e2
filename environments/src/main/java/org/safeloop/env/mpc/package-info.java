/**
 * Model-predictive control on the scenario's own model: the NMPC oracle ({@link
 * org.safeloop.env.mpc.NmpcOracle}: nominal model, true state, perfect preview; the bound of what
 * any controller can earn) and the deployable {@code nmpc} ({@link
 * org.safeloop.env.mpc.EstimatingNmpc}: the same optimiser on Kalman-filter estimates). Both are
 * {@link org.safeloop.env.control.Policy policies} built on Hipparchus alone, so that evaluation,
 * training (as a residual policy's base) and the deployed bridge run the same controller.
 */
package org.safeloop.env.mpc;
