/**
 * PI tuning for the baselines learned policies are compared against: loops tuned by the SIMC or
 * Lambda rule from a step test on the scenario's model ({@link
 * org.safeloop.agent.baseline.PiTuner}). The model-predictive baselines ({@code nmpc}, {@code
 * oracle}) live in {@code org.safeloop.env.mpc}, where the bridge can run them without DJL.
 */
package org.safeloop.agent.baseline;
