package org.safeloop.plc.approval;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import org.safeloop.env.config.SourceFiles.Source;
import org.safeloop.plc.approval.ApprovalCheck.Outcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signs, verifies, saves and loads {@link Approval}s: the record an operations manager signs to let
 * a policy bundle run on a plant in advisory or closed-loop mode.
 *
 * <p>An approval authorises exactly one mode: a closed-loop approval does not authorise advisory
 * operation, nor the reverse. Each is a separate decision with its own risk, and an exact match
 * leaves nothing to interpret. (Shadow mode writes nothing and needs no approval.)
 *
 * <p>Thread-safe: stateless.
 */
public final class Approvals {
  private static final Logger LOG = LoggerFactory.getLogger(Approvals.class);
  private static final String ALGORITHM = "Ed25519";

  /** Hex digits of a hash shown in messages: enough to tell two files apart at a glance. */
  private static final int HASH_PREFIX = 12;

  private Approvals() {}

  /**
   * Signs an approval for a deployment's files as they were loaded.
   *
   * @param files the bundle, shield and plant files with everything they depend on, as loaded
   * @param mode the one mode approved, e.g. {@code "closed-loop"}
   * @param approver who approves; not blank
   * @param validUntil the first instant at which the approval is no longer valid; after now
   * @param comment free text for the record; may be empty
   * @param signingKeys the approver's Ed25519 key pair (the public half gives the fingerprint: the
   *     JDK cannot derive it from the private key)
   * @param clock gives the issue time
   * @throws IllegalArgumentException when a key is not Ed25519 or the keys do not belong together,
   *     a text is blank or not valid Unicode, or {@code validUntil} is not after now
   */
  public static Approval sign(
      DeploymentFiles files,
      String mode,
      String approver,
      Instant validUntil,
      String comment,
      KeyPair signingKeys,
      Clock clock) {
    Objects.requireNonNull(files, "files");
    Objects.requireNonNull(signingKeys, "signingKeys");
    Objects.requireNonNull(validUntil, "validUntil");
    ApprovalKeys.requireEd25519(signingKeys.getPrivate(), "signing private key");
    ApprovalKeys.requireEd25519(signingKeys.getPublic(), "signing public key");
    if (!ApprovalKeys.matches(signingKeys)) {
      throw new IllegalArgumentException(
          "the signing public key does not belong to the signing private key");
    }
    Instant issuedAt = clock.instant();
    if (!validUntil.isAfter(issuedAt)) {
      throw new IllegalArgumentException(
          "validUntil " + validUntil + " must be after the issue time " + issuedAt);
    }
    Approval unsigned =
        new Approval(
            approver,
            mode,
            approvedFile(files.bundle()),
            approvedFile(files.shield()),
            approvedFile(files.plant()),
            issuedAt,
            validUntil,
            Objects.requireNonNull(comment, "comment"),
            ApprovalKeys.fingerprint(signingKeys.getPublic()),
            "");
    return signed(unsigned, signingKeys);
  }

  /** Returns {@code unsigned} with the Ed25519 signature of its content by {@code keys}. */
  static Approval signed(Approval unsigned, KeyPair keys) {
    try {
      Signature signer = Signature.getInstance(ALGORITHM);
      signer.initSign(keys.getPrivate());
      signer.update(unsigned.signedContent());
      return unsigned.withSignature(Base64.getEncoder().encodeToString(signer.sign()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign with Ed25519: " + e.getMessage(), e);
    }
  }

  /**
   * Checks that {@code approval} lets these files run in {@code requestedMode} now.
   *
   * <p>Checks in this order and reports the first that fails: present; signed by the trusted key
   * (fingerprint); signature valid over the content; mode equal to the requested one; issued at or
   * before now; now before {@code validUntil}; the SHA-256 of the bundle, shield and plant files,
   * and of every file each depends on (in order and kind), equal to the approved ones. File names
   * and locations are not compared: the hash is what binds, so a renamed copy of an approved file,
   * or a deployment moved to another directory, is still approved.
   *
   * @param approval the approval, or null when there is none
   * @param trustedPublicKey the key of the approver this plant trusts
   * @param files the files about to run, as loaded
   * @param requestedMode the mode about to start, compared exactly with the approved mode
   * @param clock gives the current time
   * @return accepted, or the one failed check with a message naming file, hashes or times
   */
  public static ApprovalCheck verify(
      Approval approval,
      PublicKey trustedPublicKey,
      DeploymentFiles files,
      String requestedMode,
      Clock clock) {
    ApprovalKeys.requireEd25519(trustedPublicKey, "trusted public key");
    Objects.requireNonNull(files, "files");
    Objects.requireNonNull(requestedMode, "requestedMode");
    Objects.requireNonNull(clock, "clock");
    if (approval == null) {
      return refuse(Outcome.MISSING, "no approval: " + requestedMode + " needs a signed approval");
    }
    String trusted = ApprovalKeys.fingerprint(trustedPublicKey);
    if (!trusted.equals(approval.keyFingerprint())) {
      return refuse(
          Outcome.UNTRUSTED_KEY,
          "approval by "
              + approval.approver()
              + " is signed by key "
              + prefix(approval.keyFingerprint())
              + "..., not by the trusted key "
              + prefix(trusted)
              + "...");
    }
    if (approval.unsigned()) {
      return refuse(Outcome.SIGNATURE_INVALID, "approval is not signed");
    }
    byte[] signature = base64(approval.signature());
    if (signature == null || signature.length != 64) {
      return refuse(
          Outcome.SIGNATURE_INVALID,
          signature == null
              ? "approval signature is not base64 text: the file was damaged or edited"
              : "approval signature has "
                  + signature.length
                  + " bytes; an Ed25519 signature has 64: the file was damaged or edited");
    }
    if (!signatureValid(approval, trustedPublicKey)) {
      return refuse(
          Outcome.SIGNATURE_INVALID,
          "approval signature is invalid: the approval was changed after it was signed");
    }
    if (!approval.mode().equals(requestedMode)) {
      return refuse(
          Outcome.MODE_MISMATCH,
          "approval is for mode '"
              + approval.mode()
              + "', not for the requested mode '"
              + requestedMode
              + "'");
    }
    Instant now = clock.instant();
    if (now.isBefore(approval.issuedAt())) {
      return refuse(
          Outcome.NOT_YET_VALID,
          "approval is not valid before " + approval.issuedAt() + " (now " + now + ")");
    }
    if (!now.isBefore(approval.validUntil())) {
      return refuse(
          Outcome.EXPIRED, "approval expired at " + approval.validUntil() + " (now " + now + ")");
    }
    ApprovalCheck mismatch =
        checkFiles(Outcome.BUNDLE_MISMATCH, "bundle", approval.bundle(), files.bundle());
    if (mismatch == null) {
      mismatch = checkFiles(Outcome.SHIELD_MISMATCH, "shield", approval.shield(), files.shield());
    }
    if (mismatch == null) {
      mismatch = checkFiles(Outcome.PLANT_MISMATCH, "plant", approval.plant(), files.plant());
    }
    if (mismatch != null) {
      return mismatch;
    }
    return new ApprovalCheck(
        Outcome.ACCEPTED,
        "approval by "
            + approval.approver()
            + " for "
            + approval.mode()
            + " valid until "
            + approval.validUntil());
  }

  /**
   * Loads an approval file and {@link #verify verifies} it: a missing file is refused as {@link
   * Outcome#MISSING}, a malformed one as {@link Outcome#UNREADABLE} with the loader's message.
   */
  public static ApprovalCheck verifyFile(
      Path approvalFile,
      PublicKey trustedPublicKey,
      DeploymentFiles files,
      String requestedMode,
      Clock clock) {
    if (!Files.exists(approvalFile)) {
      return refuse(
          Outcome.MISSING,
          "no approval file "
              + approvalFile
              + ": "
              + requestedMode
              + " needs a signed approval (safeloop approve)");
    }
    Approval approval;
    try {
      approval = load(approvalFile);
    } catch (IllegalArgumentException e) {
      return refuse(Outcome.UNREADABLE, e.getMessage());
    }
    return verify(approval, trustedPublicKey, files, requestedMode, clock);
  }

  /**
   * Writes an approval as a small, indented JSON file (replacing it in one rename).
   *
   * @throws UncheckedIOException when the file cannot be written
   */
  public static void save(Approval approval, Path file) {
    ApprovalJson.write(approval, file);
  }

  /**
   * Reads an approval file written by {@link #save}; does not verify it.
   *
   * @throws IllegalArgumentException when the file is missing, not JSON, of another format, or a
   *     field is missing, unknown or malformed (the message names the file and the field)
   */
  public static Approval load(Path file) {
    return ApprovalJson.read(file);
  }

  /**
   * Returns the SHA-256 of a file's content in lowercase hex.
   *
   * @throws NoSuchFileException when the file does not exist
   * @throws IOException when it cannot be read
   */
  static String sha256(Path file) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JDK has no SHA-256", e);
    }
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buffer = new byte[64 * 1024];
      int n;
      while ((n = in.read(buffer)) > 0) {
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static Approval.ApprovedFile approvedFile(List<Source> loaded) {
    Source file = loaded.get(0);
    Path name = Path.of(file.location()).getFileName();
    List<Approval.Dependency> dependsOn = new ArrayList<>();
    for (Source d : loaded.subList(1, loaded.size())) {
      dependsOn.add(new Approval.Dependency(d.kind(), d.location(), d.sha256()));
    }
    return new Approval.ApprovedFile(
        name == null ? file.location() : name.toString(), file.sha256(), dependsOn);
  }

  /** Decodes standard base64, or returns null when the text is not base64. */
  private static byte[] base64(String text) {
    try {
      return Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** Whether the approval carries a valid Ed25519 signature of its content by {@code key}. */
  static boolean signatureValid(Approval approval, PublicKey key) {
    byte[] signature;
    try {
      signature = Base64.getDecoder().decode(approval.signature());
    } catch (IllegalArgumentException e) {
      return false;
    }
    try {
      Signature verifier = Signature.getInstance(ALGORITHM);
      verifier.initVerify(key);
      verifier.update(approval.signedContent());
      return verifier.verify(signature);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      // A signature of the wrong length, or content that cannot be encoded, is simply invalid.
      return false;
    }
  }

  /**
   * Compares one approved file and its dependencies with the file loaded and its dependencies: same
   * count, and pairwise the same kind and hash. Returns null when they match.
   */
  private static ApprovalCheck checkFiles(
      Outcome mismatch, String role, Approval.ApprovedFile approved, List<Source> loaded) {
    Source file = loaded.get(0);
    if (!file.sha256().equals(approved.sha256())) {
      return refuse(
          mismatch,
          role
              + " file "
              + file.location()
              + " does not match the approval: approved "
              + approved.name()
              + " sha256 "
              + prefix(approved.sha256())
              + "..., found "
              + prefix(file.sha256())
              + "...");
    }
    List<Approval.Dependency> approvedDeps = approved.dependsOn();
    List<Source> loadedDeps = loaded.subList(1, loaded.size());
    String of = ", which " + role + " file " + file.location() + " depends on,";
    for (int i = 0; i < Math.max(approvedDeps.size(), loadedDeps.size()); i++) {
      if (i >= approvedDeps.size()) {
        Source extra = loadedDeps.get(i);
        return refuse(
            mismatch,
            extra.kind() + " file " + extra.location() + of + " is not covered by the approval");
      }
      Approval.Dependency a = approvedDeps.get(i);
      if (i >= loadedDeps.size()) {
        return refuse(
            mismatch,
            "the approval covers "
                + a.kind()
                + " file "
                + a.location()
                + ", which "
                + role
                + " file "
                + file.location()
                + " no longer depends on");
      }
      Source d = loadedDeps.get(i);
      if (!a.kind().equals(d.kind()) || !a.sha256().equals(d.sha256())) {
        return refuse(
            mismatch,
            d.kind()
                + " file "
                + d.location()
                + of
                + " does not match the approval: approved "
                + a.kind()
                + " "
                + a.location()
                + " sha256 "
                + prefix(a.sha256())
                + "..., found "
                + prefix(d.sha256())
                + "...");
      }
    }
    return null;
  }

  private static ApprovalCheck refuse(Outcome outcome, String message) {
    LOG.debug("approval refused ({}): {}", outcome, message);
    return new ApprovalCheck(outcome, message);
  }

  static String prefix(String hash) {
    return hash.substring(0, Math.min(HASH_PREFIX, hash.length()));
  }
}
