package org.safeloop.plc.approval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.safeloop.plc.approval.ApprovalCheck.Outcome;

/** Signing and verifying approvals: one accepted case and one refusal per check. */
class ApprovalsTest {
  private static final Instant ISSUED = Instant.parse("2025-06-02T08:00:00Z");
  private static final Instant VALID_UNTIL = Instant.parse("2025-06-30T18:00:00Z");
  private static final Clock AT_ISSUE = Clock.fixed(ISSUED, ZoneOffset.UTC);
  private static final Clock A_WEEK_LATER =
      Clock.fixed(ISSUED.plus(Duration.ofDays(7)), ZoneOffset.UTC);
  private static final String CLOSED_LOOP = "closed-loop";
  private static final KeyPair MANAGER = ApprovalKeys.generate();
  private static final KeyPair SOMEONE_ELSE = ApprovalKeys.generate();

  @TempDir Path dir;
  private Path bundle;
  private Path shield;
  private Path plant;

  @BeforeEach
  void writeDeploymentFiles() throws IOException {
    bundle = dir.resolve("cstr-ppo.bundle");
    byte[] weights = new byte[4096];
    for (int i = 0; i < weights.length; i++) {
      weights[i] = (byte) (i * 31);
    }
    Files.write(bundle, weights);
    shield = Files.writeString(dir.resolve("cstr-shield.yaml"), "constraints:\n  T: [321, 327]\n");
    plant = Files.writeString(dir.resolve("reactor-3.yaml"), "connection: opc.tcp://plc:4840\n");
  }

  private Approval signClosedLoop(KeyPair keys) {
    return Approvals.sign(
        RawFiles.of(bundle, shield, plant),
        CLOSED_LOOP,
        "J. Meyer, operations manager",
        VALID_UNTIL,
        "after 14 days of shadow operation",
        keys,
        AT_ISSUE);
  }

  private ApprovalCheck verify(Approval approval, Clock clock) {
    return Approvals.verify(
        approval, MANAGER.getPublic(), RawFiles.of(bundle, shield, plant), CLOSED_LOOP, clock);
  }

  @Test
  void aFreshApprovalLetsItsFilesRunInItsModeUntilItExpires() {
    Approval approval = signClosedLoop(MANAGER);

    assertEquals(ISSUED, approval.issuedAt());
    assertEquals("cstr-ppo.bundle", approval.bundle().name());
    assertEquals(ApprovalKeys.fingerprint(MANAGER.getPublic()), approval.keyFingerprint());
    for (Clock clock :
        new Clock[] {
          AT_ISSUE, A_WEEK_LATER, Clock.fixed(VALID_UNTIL.minusNanos(1), ZoneOffset.UTC)
        }) {
      ApprovalCheck check = verify(approval, clock);
      assertTrue(check.accepted(), check::message);
      assertEquals(Outcome.ACCEPTED, check.outcome());
    }
  }

  @Test
  void anApprovalSavedAndLoadedIsEqualAndStillVerifies() {
    Approval approval = signClosedLoop(MANAGER);
    Path file = dir.resolve("approval.json");

    Approvals.save(approval, file);
    Approval loaded = Approvals.load(file);

    assertEquals(approval, loaded);
    assertTrue(verify(loaded, A_WEEK_LATER).accepted());
    assertTrue(
        Approvals.verifyFile(
                file,
                MANAGER.getPublic(),
                RawFiles.of(bundle, shield, plant),
                CLOSED_LOOP,
                A_WEEK_LATER)
            .accepted());
  }

  @Test
  void theApprovalFileIsReadableJsonNamingEveryField() throws IOException {
    Path file = dir.resolve("approval.json");
    Approvals.save(signClosedLoop(MANAGER), file);

    String text = Files.readString(file);

    for (String field :
        new String[] {
          "\"approver\" : \"J. Meyer, operations manager\"",
          "\"mode\" : \"closed-loop\"",
          "\"name\" : \"cstr-ppo.bundle\"",
          "\"issued_at\" : \"2025-06-02T08:00:00Z\"",
          "\"valid_until\" : \"2025-06-30T18:00:00Z\"",
          "\"key_fingerprint\"",
          "\"signature\""
        }) {
      assertTrue(text.contains(field), () -> field + " missing from\n" + text);
    }
  }

  @Test
  void noApprovalIsRefusedAsMissing() {
    assertEquals(Outcome.MISSING, verify(null, A_WEEK_LATER).outcome());
    ApprovalCheck check =
        Approvals.verifyFile(
            dir.resolve("approval.json"),
            MANAGER.getPublic(),
            RawFiles.of(bundle, shield, plant),
            CLOSED_LOOP,
            A_WEEK_LATER);
    assertEquals(Outcome.MISSING, check.outcome());
    assertTrue(check.message().contains("approval.json"), check.message());
  }

  @Test
  void anUnsignedApprovalIsRefusedAsSignatureInvalid() {
    Approval unsigned = signClosedLoop(MANAGER).withSignature("");

    ApprovalCheck check = verify(unsigned, A_WEEK_LATER);

    assertEquals(Outcome.SIGNATURE_INVALID, check.outcome());
    assertTrue(check.message().contains("not signed"), check.message());
  }

  @Test
  void anApprovalSignedByAnotherKeyIsRefusedAsUntrusted() {
    ApprovalCheck check = verify(signClosedLoop(SOMEONE_ELSE), A_WEEK_LATER);

    assertEquals(Outcome.UNTRUSTED_KEY, check.outcome());
    assertTrue(
        check.message().contains(ApprovalKeys.fingerprint(MANAGER.getPublic()).substring(0, 12)),
        check.message());
  }

  @Test
  void anotherKeysSignatureUnderTheTrustedFingerprintIsRefusedAsSignatureInvalid() {
    Approval forged =
        Approvals.signed(
            withFingerprint(
                signClosedLoop(SOMEONE_ELSE), ApprovalKeys.fingerprint(MANAGER.getPublic())),
            SOMEONE_ELSE);

    assertEquals(Outcome.SIGNATURE_INVALID, verify(forged, A_WEEK_LATER).outcome());
  }

  @Test
  void aSignatureThatIsNotBase64IsRefusedSayingSo() {
    Approval garbled = signClosedLoop(MANAGER).withSignature("not base64!");
    Approval shortened = signClosedLoop(MANAGER).withSignature("AAAA");

    ApprovalCheck notBase64 = verify(garbled, A_WEEK_LATER);
    ApprovalCheck tooShort = verify(shortened, A_WEEK_LATER);

    assertEquals(Outcome.SIGNATURE_INVALID, notBase64.outcome());
    assertTrue(notBase64.message().contains("not base64"), notBase64.message());
    assertEquals(Outcome.SIGNATURE_INVALID, tooShort.outcome());
    assertTrue(tooShort.message().contains("3 bytes"), tooShort.message());
  }

  @Test
  void anApprovalIsRefusedAsExpiredFromItsValidUntilOnAndSaysWhen() {
    Approval approval = signClosedLoop(MANAGER);

    ApprovalCheck atEnd = verify(approval, Clock.fixed(VALID_UNTIL, ZoneOffset.UTC));
    ApprovalCheck later =
        verify(approval, Clock.fixed(VALID_UNTIL.plus(Duration.ofDays(3)), ZoneOffset.UTC));

    assertEquals(Outcome.EXPIRED, atEnd.outcome());
    assertEquals(Outcome.EXPIRED, later.outcome());
    assertTrue(later.message().contains("2025-06-30T18:00:00Z"), later.message());
  }

  @Test
  void anApprovalIsRefusedAsNotYetValidBeforeItsIssueTime() {
    ApprovalCheck check =
        verify(signClosedLoop(MANAGER), Clock.fixed(ISSUED.minusSeconds(1), ZoneOffset.UTC));

    assertEquals(Outcome.NOT_YET_VALID, check.outcome());
    assertTrue(check.message().contains("2025-06-02T08:00:00Z"), check.message());
  }

  @Test
  void aClosedLoopApprovalDoesNotAuthoriseAdvisoryOrAnyOtherMode() {
    Approval approval = signClosedLoop(MANAGER);

    for (String mode : new String[] {"advisory", "shadow", "Closed-Loop", "closed-loop "}) {
      ApprovalCheck check =
          Approvals.verify(
              approval,
              MANAGER.getPublic(),
              RawFiles.of(bundle, shield, plant),
              mode,
              A_WEEK_LATER);
      assertEquals(Outcome.MODE_MISMATCH, check.outcome(), mode);
    }
  }

  @Test
  void changingOneByteOfTheBundleIsRefusedNamingTheFileAndBothHashes() throws IOException {
    Approval approval = signClosedLoop(MANAGER);
    String approvedHash = approval.bundle().sha256();
    flipOneByte(bundle, 2000);

    ApprovalCheck check = verify(approval, A_WEEK_LATER);

    assertEquals(Outcome.BUNDLE_MISMATCH, check.outcome());
    assertTrue(check.message().contains("cstr-ppo.bundle"), check.message());
    assertTrue(check.message().contains(approvedHash.substring(0, 12)), check.message());
    assertTrue(
        check.message().contains(Approvals.sha256(bundle).substring(0, 12)), check.message());
  }

  @Test
  void changingTheShieldFileIsRefusedAsShieldMismatch() throws IOException {
    Approval approval = signClosedLoop(MANAGER);
    flipOneByte(shield, 20);

    ApprovalCheck check = verify(approval, A_WEEK_LATER);

    assertEquals(Outcome.SHIELD_MISMATCH, check.outcome());
    assertTrue(check.message().contains("cstr-shield.yaml"), check.message());
  }

  @Test
  void changingThePlantFileIsRefusedAsPlantMismatch() throws IOException {
    Approval approval = signClosedLoop(MANAGER);
    flipOneByte(plant, 0);

    ApprovalCheck check = verify(approval, A_WEEK_LATER);

    assertEquals(Outcome.PLANT_MISMATCH, check.outcome());
    assertTrue(check.message().contains("reactor-3.yaml"), check.message());
  }

  @Test
  void aDeploymentFileGoneAfterLoadingIsRefusedNamingIt() throws IOException {
    Approval approval = signClosedLoop(MANAGER);
    DeploymentFiles loaded = RawFiles.of(bundle, shield, plant);
    Files.delete(shield);

    assertTrue(
        Approvals.verify(approval, MANAGER.getPublic(), loaded, CLOSED_LOOP, A_WEEK_LATER)
            .accepted(),
        "what was loaded is approved");
    String changed = loaded.changedOnDisk();
    assertTrue(changed != null && changed.contains(shield.toString()), changed);
    assertTrue(changed.contains("gone"), changed);
  }

  @Test
  void aRenamedCopyOfTheApprovedBundleIsStillApproved() throws IOException {
    Approval approval = signClosedLoop(MANAGER);
    Path copy = Files.copy(bundle, dir.resolve("renamed.bundle"));

    ApprovalCheck check =
        Approvals.verify(
            approval,
            MANAGER.getPublic(),
            RawFiles.of(copy, shield, plant),
            CLOSED_LOOP,
            A_WEEK_LATER);

    assertTrue(check.accepted(), check::message);
  }

  @ParameterizedTest(name = "{0}: {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "valid_until | \"2025-06-30T18:00:00Z\" | \"2026-06-30T18:00:00Z\"",
        "issued_at | \"2025-06-02T08:00:00Z\" | \"2025-06-01T08:00:00Z\"",
        "approver | \"J. Meyer, operations manager\" | \"K. Schmidt, operations manager\"",
        "comment | \"after 14 days of shadow operation\" | \"after 1 day of shadow operation\"",
        "mode | \"closed-loop\" | \"advisory\"",
        "name | \"cstr-ppo.bundle\" | \"other.bundle\"",
      })
  void editingASignedFieldInTheApprovalFileIsRefusedAsSignatureInvalid(
      String field, String before, String after) throws IOException {
    Path file = dir.resolve("approval.json");
    Approvals.save(signClosedLoop(MANAGER), file);
    String text = Files.readString(file);
    String edited = text.replace("\"" + field + "\" : " + before, "\"" + field + "\" : " + after);
    assertFalse(text.equals(edited), "the edit must change the file");
    Files.writeString(file, edited);

    ApprovalCheck check =
        Approvals.verifyFile(
            file,
            MANAGER.getPublic(),
            RawFiles.of(bundle, shield, plant),
            "mode".equals(field) ? "advisory" : CLOSED_LOOP,
            A_WEEK_LATER);

    assertEquals(Outcome.SIGNATURE_INVALID, check.outcome(), check.message());
  }

  @Test
  void approvingATamperedBundleByEditingItsHashInTheFileIsRefusedAsSignatureInvalid()
      throws IOException {
    Path file = dir.resolve("approval.json");
    Approval approval = signClosedLoop(MANAGER);
    Approvals.save(approval, file);
    flipOneByte(bundle, 7);
    Files.writeString(
        file, Files.readString(file).replace(approval.bundle().sha256(), Approvals.sha256(bundle)));

    ApprovalCheck check =
        Approvals.verifyFile(
            file,
            MANAGER.getPublic(),
            RawFiles.of(bundle, shield, plant),
            CLOSED_LOOP,
            A_WEEK_LATER);

    assertEquals(Outcome.SIGNATURE_INVALID, check.outcome());
  }

  @Test
  void reformattingTheApprovalFileKeepsItValid() throws IOException {
    Path file = dir.resolve("approval.json");
    Approvals.save(signClosedLoop(MANAGER), file);
    String oneLine =
        Files.readString(file)
            .replaceAll("\\s*\\n\\s*", "")
            .replace("\"2025-06-30T18:00:00Z\"", "\"2025-06-30T18:00:00.000Z\"");
    Files.writeString(file, oneLine);

    ApprovalCheck check =
        Approvals.verifyFile(
            file,
            MANAGER.getPublic(),
            RawFiles.of(bundle, shield, plant),
            CLOSED_LOOP,
            A_WEEK_LATER);

    assertTrue(check.accepted(), check::message);
  }

  @Test
  void signingRefusesAValidityThatEndsBeforeItStarts() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Approvals.sign(
                    RawFiles.of(bundle, shield, plant),
                    CLOSED_LOOP,
                    "J. Meyer",
                    ISSUED,
                    "",
                    MANAGER,
                    AT_ISSUE));
    assertTrue(e.getMessage().contains("validUntil"), e.getMessage());
  }

  @Test
  void signingRefusesAKeyPairWhoseHalvesDoNotBelongTogether() {
    KeyPair mixed = new KeyPair(SOMEONE_ELSE.getPublic(), MANAGER.getPrivate());

    assertThrows(IllegalArgumentException.class, () -> signClosedLoop(mixed));
  }

  @Test
  void signingRefusesAMissingFileNamingIt() throws IOException {
    Files.delete(plant);

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> signClosedLoop(MANAGER));
    assertTrue(e.getMessage().contains("reactor-3.yaml"), e.getMessage());
  }

  private static Approval withFingerprint(Approval a, String fingerprint) {
    return new Approval(
        a.approver(),
        a.mode(),
        a.bundle(),
        a.shield(),
        a.plant(),
        a.issuedAt(),
        a.validUntil(),
        a.comment(),
        fingerprint,
        a.signature());
  }

  private static void flipOneByte(Path file, int position) throws IOException {
    byte[] content = Files.readAllBytes(file);
    content[position] ^= 0x01;
    Files.write(file, content);
  }

  @Test
  void theSignedContentIsTheDocumentedLengthPrefixedEncoding() {
    Approval approval =
        new Approval(
            "Ana",
            "advisory",
            new Approval.ApprovedFile("b", "a".repeat(64), List.of()),
            new Approval.ApprovedFile(
                "s",
                "b".repeat(64),
                List.of(new Approval.Dependency("scenario", "/x/s.yaml", "e".repeat(64)))),
            new Approval.ApprovedFile("p", "c".repeat(64), List.of()),
            Instant.ofEpochSecond(1_700_000_000L, 5),
            Instant.ofEpochSecond(1_800_000_000L),
            "ok \u00e9",
            "d".repeat(64),
            "");
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(expected)) {
      writeStrings(out, "SafeLoop approval v2", "Ana", "advisory", "b", "a".repeat(64));
      out.writeInt(0);
      writeStrings(out, "s", "b".repeat(64));
      out.writeInt(1);
      writeStrings(out, "scenario", "/x/s.yaml", "e".repeat(64), "p", "c".repeat(64));
      out.writeInt(0);
      out.writeLong(1_700_000_000L);
      out.writeInt(5);
      out.writeLong(1_800_000_000L);
      out.writeInt(0);
      writeStrings(out, "ok \u00e9", "d".repeat(64));
    } catch (IOException e) {
      throw new AssertionError(e);
    }

    assertEquals(
        HexFormat.of().formatHex(expected.toByteArray()),
        HexFormat.of().formatHex(approval.signedContent()));
  }

  @Test
  void textThatIsNotValidUnicodeCannotBeSigned() {
    Approval approval = signClosedLoop(MANAGER);
    Approval loneSurrogate =
        new Approval(
            "J. \ud800 Meyer",
            approval.mode(),
            approval.bundle(),
            approval.shield(),
            approval.plant(),
            approval.issuedAt(),
            approval.validUntil(),
            approval.comment(),
            approval.keyFingerprint(),
            "");

    assertThrows(IllegalArgumentException.class, loneSurrogate::signedContent);
    assertEquals(
        Outcome.SIGNATURE_INVALID,
        verify(loneSurrogate.withSignature(approval.signature()), A_WEEK_LATER).outcome());
  }

  private static void writeStrings(DataOutputStream out, String... strings) throws IOException {
    for (String s : strings) {
      byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
      out.writeInt(utf8.length);
      out.write(utf8);
    }
  }
}
