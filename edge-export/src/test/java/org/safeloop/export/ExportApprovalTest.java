package org.safeloop.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safeloop.env.scenario.Scenarios;
import org.safeloop.plc.approval.Approval;
import org.safeloop.plc.approval.ApprovalCheck;
import org.safeloop.plc.approval.ApprovalKeys;
import org.safeloop.plc.approval.Approvals;
import org.safeloop.plc.runtime.DeploymentInputs;
import org.safeloop.policy.PolicyBundle;
import org.safeloop.policy.PolicyBundles;

/**
 * An exported or quantised policy is another artifact: its file's hash differs from the bundle's,
 * so a closed-loop approval signed for the bundle covers neither its ONNX model nor its int8
 * bundle, while the bundle itself stays approved.
 */
class ExportApprovalTest {
  static final Instant NOW = Instant.parse("2026-12-01T08:00:00Z");
  static final KeyPair MANAGER = ApprovalKeys.generate();

  @TempDir Path dir;

  Path copy(String resource, Path to) throws IOException {
    try (InputStream in = getClass().getClassLoader().getResourceAsStream(resource)) {
      Files.write(to, in.readAllBytes());
    }
    return to;
  }

  /** Checks the approval for closed loop now, as the bridge does at start. */
  private static ApprovalCheck verify(Approval approval, Path bundle, Path shield, Path plant) {
    return Approvals.verify(
        approval,
        MANAGER.getPublic(),
        DeploymentInputs.read(bundle, shield, plant).files(),
        "closed-loop",
        Clock.fixed(NOW, ZoneOffset.UTC));
  }

  @Test
  void anApprovalForABundleCoversNeitherItsOnnxModelNorItsInt8Bundle() throws IOException {
    PolicyBundle bundle = Bundles.plain(Scenarios.load("cstr-constrained"), "ppo-lag", "clip", 1);
    Path original = dir.resolve("policy.bundle");
    PolicyBundles.save(bundle, original);
    String sha = PolicyBundles.sha256(original);
    Path int8 = dir.resolve("policy-int8.bundle");
    PolicyBundles.save(OnnxExportTest.int8(bundle), int8);
    Path onnx = dir.resolve("policy.onnx");
    OnnxFiles.write(OnnxExporter.export(bundle, sha, "test", Map.of()), bundle, sha, onnx, 1, 100);
    Path shield =
        copy("scenarios/cstr-constrained.shield.yaml", dir.resolve("reactor.shield.yaml"));
    Path plant = copy("plants/cstr-virtual-modbus.yaml", dir.resolve("plant.yaml"));
    Approval approval =
        Approvals.sign(
            DeploymentInputs.read(original, shield, plant).files(),
            "closed-loop",
            "J. Meyer",
            NOW.plus(Duration.ofHours(8)),
            "",
            MANAGER,
            Clock.fixed(NOW.minusSeconds(60), ZoneOffset.UTC));
    ApprovalCheck approved = verify(approval, original, shield, plant);
    assertTrue(approved.accepted(), approved.message());
    for (Path derived : new Path[] {int8, onnx}) {
      assertNotEquals(sha, PolicyBundles.sha256(derived));
      ApprovalCheck check = verify(approval, derived, shield, plant);
      assertEquals(ApprovalCheck.Outcome.BUNDLE_MISMATCH, check.outcome(), derived.toString());
      assertTrue(check.message().contains("does not match the approval"), check.message());
    }
  }
}
