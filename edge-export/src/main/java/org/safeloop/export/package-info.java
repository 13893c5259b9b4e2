/**
 * Edge export: a policy bundle's deterministic policy as an ONNX model for runtimes that are not
 * Java ({@link org.safeloop.export.OnnxExporter}, written with the ONNX protobuf schema compiled by
 * protoc into {@code org.safeloop.export.onnx}), verified with ONNX Runtime against the pure-Java
 * forward pass before a file takes its name ({@link org.safeloop.export.OnnxFiles}, {@link
 * org.safeloop.export.OnnxVerification}), and run by ONNX Runtime as a {@code Policy} for
 * closed-loop comparisons and benchmarks ({@link org.safeloop.export.OnnxPolicy}). Used by the
 * {@code safeloop} command line only: the bridge's enforcer rule bans this module, ONNX Runtime and
 * protobuf.
 */
package org.safeloop.export;
