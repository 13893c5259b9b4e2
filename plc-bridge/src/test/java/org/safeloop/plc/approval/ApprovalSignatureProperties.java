package org.safeloop.plc.approval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The signature binds every field: over generated approvals (any Unicode text, any instants), any
 * change to one field, including moving characters across a field boundary, breaks it.
 */
class ApprovalSignatureProperties {
  private static final KeyPair KEYS = ApprovalKeys.generate();
  private static final String FINGERPRINT = ApprovalKeys.fingerprint(KEYS.getPublic());

  @Provide
  Arbitrary<Approval> approvals() {
    Arbitrary<String> text =
        Arbitraries.strings()
            .withCharRange(' ', '\ud7ff')
            .withCharRange('\ue000', '\ufffd')
            .ofMaxLength(24);
    Arbitrary<String> name = text.filter(s -> !s.isBlank());
    Arbitrary<String> hash = Arbitraries.strings().withChars("0123456789abcdef").ofLength(64);
    Arbitrary<Approval.ApprovedFile> file =
        Combinators.combine(text, hash)
            .as((fileName, sha) -> new Approval.ApprovedFile(fileName, sha, List.of()));
    Arbitrary<Instant> instant =
        Combinators.combine(
                Arbitraries.longs().between(0, 4_102_444_800L),
                Arbitraries.integers().between(0, 999_999_999))
            .as(Instant::ofEpochSecond);
    return Combinators.combine(name, name, file, file, file, instant, instant, text)
        .as(
            (approver, mode, bundle, shield, plant, issuedAt, validUntil, comment) ->
                new Approval(
                    approver,
                    mode,
                    bundle,
                    shield,
                    plant,
                    issuedAt,
                    validUntil,
                    comment,
                    FINGERPRINT,
                    ""));
  }

  @Property(tries = 300)
  void anyApprovalSurvivesTheFileAndChangingAnyOneFieldBreaksItsSignature(
      @ForAll("approvals") Approval unsigned,
      @ForAll("fields") int field,
      @ForAll("edits") String edit) {
    Approval signed = Approvals.signed(unsigned, KEYS);
    assertTrue(signatureValid(signed), "a fresh signature verifies");

    Approval tampered = change(signed, field, edit);

    assertFalse(tampered.equals(signed), "the change must change the approval");
    assertFalse(
        Arrays.equals(signed.signedContent(), tampered.signedContent()),
        "a different approval must encode differently");
    assertFalse(signatureValid(tampered), "the tampered approval must not verify");
  }

  @Property(tries = 200)
  void movingCharactersAcrossAFieldBoundaryChangesTheSignedContent(
      @ForAll("approvals") Approval approval) {
    String joined = approval.approver() + approval.mode();
    for (int split = 1; split < joined.length(); split++) {
      String approver = joined.substring(0, split);
      String mode = joined.substring(split);
      if (approver.isBlank() || mode.isBlank() || approver.equals(approval.approver())) {
        continue;
      }
      Approval shifted =
          new Approval(
              approver,
              mode,
              approval.bundle(),
              approval.shield(),
              approval.plant(),
              approval.issuedAt(),
              approval.validUntil(),
              approval.comment(),
              approval.keyFingerprint(),
              "");
      assertFalse(Arrays.equals(approval.signedContent(), shifted.signedContent()));
    }
  }

  @Property(tries = 50)
  void theSignedContentIsTheSameAfterSavingAndLoading(@ForAll("approvals") Approval unsigned)
      throws Exception {
    Approval signed = Approvals.signed(unsigned, KEYS);
    Path dir = Files.createTempDirectory("approval");
    try {
      Path file = dir.resolve("approval.json");
      Approvals.save(signed, file);
      Approval loaded = Approvals.load(file);
      assertEquals(signed, loaded);
      assertArrayEquals(signed.signedContent(), loaded.signedContent());
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Provide
  Arbitrary<Integer> fields() {
    return Arbitraries.integers().between(0, 12);
  }

  @Provide
  Arbitrary<String> edits() {
    return Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(3);
  }

  private static boolean signatureValid(Approval approval) {
    return Approvals.signatureValid(approval, KEYS.getPublic());
  }

  /** Returns {@code a} with field number {@code field} changed by appending {@code edit}. */
  private static Approval change(Approval a, int field, String edit) {
    String approver = a.approver();
    String mode = a.mode();
    Approval.ApprovedFile bundle = a.bundle();
    Approval.ApprovedFile shield = a.shield();
    Approval.ApprovedFile plant = a.plant();
    Instant issuedAt = a.issuedAt();
    Instant validUntil = a.validUntil();
    String comment = a.comment();
    switch (field) {
      case 0 -> approver += edit;
      case 1 -> mode += edit;
      case 2 ->
          bundle =
              new Approval.ApprovedFile(bundle.name() + edit, bundle.sha256(), bundle.dependsOn());
      case 3 ->
          bundle =
              new Approval.ApprovedFile(bundle.name(), flip(bundle.sha256()), bundle.dependsOn());
      case 4 ->
          shield =
              new Approval.ApprovedFile(shield.name() + edit, shield.sha256(), shield.dependsOn());
      case 5 ->
          shield =
              new Approval.ApprovedFile(shield.name(), flip(shield.sha256()), shield.dependsOn());
      case 6 ->
          plant = new Approval.ApprovedFile(plant.name() + edit, plant.sha256(), plant.dependsOn());
      case 7 ->
          plant = new Approval.ApprovedFile(plant.name(), flip(plant.sha256()), plant.dependsOn());
      case 8 -> issuedAt = issuedAt.plusNanos(edit.length());
      case 9 -> validUntil = validUntil.plusSeconds(edit.length());
      case 10 -> validUntil = validUntil.plusNanos(1);
      case 11 -> comment += edit;
      default -> comment = edit + comment;
    }
    return new Approval(
        approver,
        mode,
        bundle,
        shield,
        plant,
        issuedAt,
        validUntil,
        comment,
        a.keyFingerprint(),
        a.signature());
  }

  private static String flip(String hex) {
    char first = hex.charAt(0);
    return (first == '0' ? '1' : '0') + hex.substring(1);
  }
}
