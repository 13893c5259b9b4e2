/**
 * Policy bundles: one file holding a trained policy's network, observation normalisation, signal
 * specs with units, output squashing and provenance ({@link org.safeloop.policy.PolicyBundle},
 * saved and loaded by {@link org.safeloop.policy.PolicyBundles}), and the pure-Java forward pass
 * that runs it ({@link org.safeloop.policy.MlpPolicy}), with float32 weights or with per-channel
 * int8 weights from post-training quantisation ({@link org.safeloop.policy.Int8Quantizer}). The
 * agent module writes bundles after training; the plc-bridge reads and runs them, float32 and int8
 * alike. This module depends on {@code environments} alone, so no deep-learning engine, ONNX
 * Runtime or protobuf reaches a deployed bridge (an enforcer rule in this module and in the
 * bridge's fails the build if one does).
 */
package org.safeloop.policy;
