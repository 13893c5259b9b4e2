/**
 * Policy bundles: one file holding a trained policy's network, observation normalisation, signal
 * specs with units, output squashing and provenance ({@link org.safeloop.policy.PolicyBundle},
 * saved and loaded by {@link org.safeloop.policy.PolicyBundles}), and the pure-Java forward pass
 * that runs it ({@link org.safeloop.policy.MlpPolicy}). The agent module writes bundles after
 * training; the plc-bridge reads and runs them. This module depends on {@code environments} alone,
 * so no deep-learning engine reaches a deployed bridge (an enforcer rule in this module and in the
 * bridge's fails the build if one does).
 */
package org.safeloop.policy;
