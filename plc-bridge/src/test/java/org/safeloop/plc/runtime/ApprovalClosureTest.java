package org.safeloop.plc.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.safeloop.plc.approval.Approval;
import org.safeloop.plc.approval.ApprovalCheck;
import org.safeloop.plc.approval.ApprovalCheck.Outcome;
import org.safeloop.plc.approval.ApprovalKeys;
import org.safeloop.plc.approval.Approvals;
import org.safeloop.policy.PolicyBundles;

/**
 * An approval covers every file the deployment depends on: the shield's scenario and that
 * scenario's equation model, not only the three files named on the command line.
 */
class ApprovalClosureTest {
  static final Instant NOW = Instant.parse("2026-12-01T08:00:00Z");
  static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  static final KeyPair MANAGER = ApprovalKeys.generate();

  @TempDir Path dir;
  Path bundle;
  Path shield;
  Path scenario;
  Path model;
  Path plant;
  Path approvalFile;

  @BeforeEach
  void writeDeployment() throws IOException {
    bundle = Files.write(dir.resolve("policy.bundle"), new byte[] {1, 2, 3, 4});
    Files.createDirectories(dir.resolve("models"));
    model = copy("models/cstr-equations.yaml", dir.resolve("models/cstr-equations.yaml"));
    scenario = copy("scenarios/cstr-equations.yaml", dir.resolve("reactor.yaml"));
    shield = copy("scenarios/cstr-constrained.shield.yaml", dir.resolve("reactor.shield.yaml"));
    Files.writeString(
        shield, Files.readString(shield).replace("model: cstr-constrained", "model: reactor.yaml"));
    plant = copy("plants/cstr-virtual-modbus.yaml", dir.resolve("plant.yaml"));
    approvalFile = dir.resolve("approval.json");
    Approvals.save(
        Approvals.sign(
            DeploymentInputs.read(bundle, shield, plant).files(),
            "closed-loop",
            "J. Meyer",
            NOW.plus(Duration.ofHours(8)),
            "",
            MANAGER,
            Clock.fixed(NOW.minusSeconds(60), ZoneOffset.UTC)),
        approvalFile);
  }

  Path copy(String resource, Path to) throws IOException {
    try (InputStream in = getClass().getClassLoader().getResourceAsStream(resource)) {
      Files.write(to, in.readAllBytes());
    }
    return to;
  }

  ApprovalCheck verifyAsDeployed() {
    return new ApprovalAuthority(
            approvalFile,
            MANAGER.getPublic(),
            DeploymentInputs.read(bundle, shield, plant).files(),
            CLOCK)
        .verify();
  }

  @Test
  void theApprovalRecordsEachFileTheShieldDependsOnWithItsHash() {
    Approval approval = Approvals.load(approvalFile);

    assertEquals(2, approval.shield().dependsOn().size());
    assertEquals("scenario", approval.shield().dependsOn().get(0).kind());
    assertEquals(scenario.toString(), approval.shield().dependsOn().get(0).location());
    assertEquals("model", approval.shield().dependsOn().get(1).kind());
    assertEquals(model.toString(), approval.shield().dependsOn().get(1).location());
    assertTrue(verifyAsDeployed().accepted(), verifyAsDeployed().message());
  }

  @Test
  void thePidADeploymentRunsComesFromTheScenarioTheApprovalBinds() throws IOException {
    // A PI tuning in the scenario file beside the shield: the PID deployed is that one.
    String text = Files.readString(scenario);
    assertTrue(text.contains("kp: -60.0"), "the scenario's PI gain");
    Files.writeString(scenario, text.replace("kp: -60.0", "kp: -45.0"));

    DeploymentInputs inputs = DeploymentInputs.read(bundle, shield, plant);

    assertEquals(-45.0, inputs.modelScenario().controllerTunings().get(0).kp(), 0.0);
    assertEquals(
        inputs.files().shield().get(1).sha256(),
        org.safeloop.env.config.SourceFiles.sha256(Files.readAllBytes(scenario)),
        "the scenario bytes hashed are those of the file the PID came from");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"reactor.yaml", "models/cstr-equations.yaml", "reactor.shield.yaml"})
  void editingAnyFileTheShieldDependsOnAfterApprovalIsRefusedNamingIt(String edited)
      throws IOException {
    Path file = dir.resolve(edited);
    Files.writeString(file, "\n# edited after approval\n", StandardOpenOption.APPEND);

    ApprovalCheck check = verifyAsDeployed();

    assertEquals(Outcome.SHIELD_MISMATCH, check.outcome(), check.message());
    assertTrue(check.message().contains(file.toString()), check.message());
  }

  @Test
  void aChangedModelParameterInTheScenarioIsRefused() throws IOException {
    Files.writeString(
        scenario,
        Files.readString(scenario).replace("steps: 60", "steps: 60\nparameters: {k0: 5.76e10}"));

    ApprovalCheck check = verifyAsDeployed();

    assertEquals(Outcome.SHIELD_MISMATCH, check.outcome(), check.message());
    assertTrue(check.message().contains("scenario file " + scenario), check.message());
  }

  @Test
  void aFileEditedOnDiskAfterTheDeploymentLoadedItRefusesPromotion() throws IOException {
    ApprovalAuthority authority =
        new ApprovalAuthority(
            approvalFile,
            MANAGER.getPublic(),
            DeploymentInputs.read(bundle, shield, plant).files(),
            CLOCK);
    assertTrue(authority.verify().accepted());
    Files.writeString(model, "\n# edited while running\n", StandardOpenOption.APPEND);

    ApprovalCheck check = authority.verify();

    assertEquals(Outcome.CHANGED_SINCE_LOADED, check.outcome(), check.message());
    assertTrue(check.message().contains(model.toString()), check.message());
  }

  @Test
  void aCertificateAddedToTheOpcUaTrustListAfterApprovalIsRefusedNamingIt() throws IOException {
    Path opcua = copy("plants/cstr-virtual-opcua.yaml", dir.resolve("plant-opcua.yaml"));
    Files.writeString(
        opcua,
        Files.readString(opcua)
            .replace(
                "  security_policy: none",
                "  security_policy: basic256sha256\n  security_mode: sign-and-encrypt\n"
                    + "  pki_directory: pki"));
    Path trusted = Files.createDirectories(dir.resolve("pki/trusted/certs"));
    Files.write(trusted.resolve("plant-server.der"), new byte[] {0x30, 0x01, 0x02});
    Approval approval =
        Approvals.sign(
            DeploymentInputs.read(bundle, shield, opcua).files(),
            "closed-loop",
            "J. Meyer",
            NOW.plus(Duration.ofHours(8)),
            "",
            MANAGER,
            Clock.fixed(NOW.minusSeconds(60), ZoneOffset.UTC));
    assertEquals(1, approval.plant().dependsOn().size());
    assertEquals("trusted certificate", approval.plant().dependsOn().get(0).kind());

    Path rogue = Files.write(trusted.resolve("rogue-server.der"), new byte[] {0x30, 0x03});
    ApprovalCheck check =
        Approvals.verify(
            approval,
            MANAGER.getPublic(),
            DeploymentInputs.read(bundle, shield, opcua).files(),
            "closed-loop",
            CLOCK);

    assertEquals(Outcome.PLANT_MISMATCH, check.outcome(), check.message());
    assertTrue(check.message().contains(rogue.toString()), check.message());
  }

  @Test
  void aZipBombInPlaceOfTheBundleIsRefusedOnItsHashWithoutBeingUnpacked() throws IOException {
    writeZipBomb(bundle, 300L * 1024 * 1024);

    DeploymentInputs inputs = DeploymentInputs.read(bundle, shield, plant);
    ApprovalCheck check =
        new ApprovalAuthority(approvalFile, MANAGER.getPublic(), inputs.files(), CLOCK).verify();

    assertEquals(Outcome.BUNDLE_MISMATCH, check.outcome(), check.message());
    // And unpacking it anyway stops at the cap instead of exhausting memory.
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, inputs::bundle);
    assertTrue(e.getMessage().contains("unpacks to more than"), e.getMessage());
    assertTrue(
        e.getMessage().contains(Long.toString(PolicyBundles.MAX_UNCOMPRESSED_BYTES)),
        e.getMessage());
  }

  /** A small zip whose one entry inflates to {@code bytes} zeros. */
  static void writeZipBomb(Path file, long bytes) throws IOException {
    try (OutputStream out = Files.newOutputStream(file);
        ZipOutputStream zip = new ZipOutputStream(out)) {
      zip.putNextEntry(new ZipEntry("weights.bin"));
      byte[] zeros = new byte[1 << 20];
      for (long written = 0; written < bytes; written += zeros.length) {
        zip.write(zeros);
      }
      zip.closeEntry();
    }
  }
}
