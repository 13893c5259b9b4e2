package org.safeloop.plc.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.function.UnaryOperator;
import org.safeloop.env.control.Policy;
import org.safeloop.env.scenario.Scenario;
import org.safeloop.plc.approval.ApprovalKeys;
import org.safeloop.plc.approval.Approvals;
import org.safeloop.plc.audit.AuditLog;

/**
 * Deployments for tests, assembled by {@link Deployment} as {@code safeloop deploy} assembles them:
 * the built-in cstr-constrained shield as a file, an in-process policy, and for closed loop a real
 * approval signed for the files as they are.
 */
public final class TestDeployments {
  private TestDeployments() {}

  /**
   * A builder for a test deployment of {@code policy} on the plant file, with the shield file and
   * audit log in {@code dir}; closed loop gets an approval valid for an hour.
   *
   * @param dir a folder for the shield, approval and audit files
   * @param plantFile the plant file
   * @param scenario the scenario whose observation and action spaces the policy uses
   * @param policy the policy
   * @param mode the start mode
   * @param clock the deployment's clock
   * @return the builder, ready to build
   */
  public static Deployment.Builder builder(
      Path dir, Path plantFile, Scenario scenario, Policy policy, Mode mode, Clock clock)
      throws IOException {
    return builder(dir, plantFile, scenario, policy, mode, clock, UnaryOperator.identity());
  }

  /** As above, with the built-in shield's text edited by {@code shieldEdit} first. */
  public static Deployment.Builder builder(
      Path dir,
      Path plantFile,
      Scenario scenario,
      Policy policy,
      Mode mode,
      Clock clock,
      UnaryOperator<String> shieldEdit)
      throws IOException {
    String stem = plantFile.getFileName().toString().replaceAll("\\.yaml$", "");
    Path shieldFile = ShieldFiles.writeBuiltIn(dir.resolve("shield.yaml"));
    Files.writeString(shieldFile, shieldEdit.apply(Files.readString(shieldFile)));
    Deployment.Builder builder =
        Deployment.builder(plantFile)
            .shield(shieldFile.toString())
            .policy(policy, scenario.observationSpace(), scenario.actionSpace(), "the test policy")
            .mode(mode)
            .audit(AuditLog.Options.builder(dir.resolve(stem + "-audit.jsonl")).build())
            .clock(clock);
    if (mode == Mode.CLOSED_LOOP) {
      KeyPair keys = ApprovalKeys.generate();
      Path note = dir.resolve("policy.txt");
      Files.writeString(note, "the test policy");
      Path approvalFile = dir.resolve(stem + "-approval.json");
      Approvals.save(
          Approvals.sign(
              DeploymentInputs.read(note, shieldFile, plantFile).files(),
              "closed-loop",
              "test",
              clock.instant().plus(Duration.ofHours(1)),
              "",
              keys,
              Clock.fixed(clock.instant().minusSeconds(1), ZoneOffset.UTC)),
          approvalFile);
      builder.approvedAs(note).approval(approvalFile, keys.getPublic());
    }
    return builder;
  }
}
