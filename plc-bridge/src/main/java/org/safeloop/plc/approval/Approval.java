package org.safeloop.plc.approval;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A signed record that lets a policy bundle run on a plant in one mode until a given time: who
 * approved, which exact files (by SHA-256), when, and the approver's Ed25519 signature. Created by
 * {@link Approvals#sign}, checked by {@link Approvals#verify}, stored by {@link Approvals#save} as
 * a small JSON file.
 *
 * <h2>What is signed</h2>
 *
 * The signature covers every other component, encoded as bytes in this exact order (version 2):
 *
 * <ol>
 *   <li>the string {@code "SafeLoop approval v2"} (separates these signatures from any other use of
 *       the key, and names the encoding version);
 *   <li>{@code approver}, {@code mode};
 *   <li>for the bundle, the shield and the plant file in turn: its {@code name}, its {@code
 *       sha256}, the number of files it depends on as a 4-byte big-endian integer, and for each of
 *       them its {@code kind}, {@code location} and {@code sha256};
 *   <li>{@code issuedAt}, {@code validUntil};
 *   <li>{@code comment}, {@code keyFingerprint}.
 * </ol>
 *
 * <h2>What is bound</h2>
 *
 * Each approved file carries the files it depends on, as its loader read them: a shield file the
 * scenario its {@code model:} names and that scenario's equation file (built-in resources included,
 * so an upgrade that changes a shipped model needs a new approval). Editing any of them after
 * approval refuses closed loop with the file named.
 *
 * <p>A string is its UTF-8 byte length as a 4-byte big-endian unsigned integer followed by those
 * bytes (no terminator; a string that is not valid Unicode, such as one with a lone surrogate,
 * cannot be encoded and is refused). An instant is its seconds since 1970-01-01T00:00:00Z as an
 * 8-byte big-endian signed integer followed by its nanosecond of the second as a 4-byte big-endian
 * integer. Length prefixes make the encoding unambiguous: moving characters from one field to the
 * next changes the bytes. The encoding depends only on the values, never on the JSON text, so the
 * file may be re-indented or its instants written with more digits without breaking the signature.
 *
 * <p>The signature is the 64-byte Ed25519 signature of those bytes, in standard base64; an empty
 * string means unsigned.
 *
 * @param approver who approved, e.g. {@code "J. Meyer, operations manager"}; not blank
 * @param mode the one deployment mode approved, e.g. {@code "closed-loop"} or {@code "advisory"};
 *     compared exactly
 * @param bundle the policy bundle file approved
 * @param shield the shield (constraint) file approved
 * @param plant the plant file approved
 * @param issuedAt when the approval was signed; it is not valid before
 * @param validUntil the first instant at which the approval is no longer valid
 * @param comment free text for the record (may be empty, not null)
 * @param keyFingerprint the signer's public key fingerprint, see {@link ApprovalKeys#fingerprint}
 * @param signature the base64 Ed25519 signature described above; empty when unsigned
 */
public record Approval(
    String approver,
    String mode,
    ApprovedFile bundle,
    ApprovedFile shield,
    ApprovedFile plant,
    Instant issuedAt,
    Instant validUntil,
    String comment,
    String keyFingerprint,
    String signature) {

  /** The domain-separation string that starts the signed bytes. */
  static final String SIGNED_CONTENT_HEADER = "SafeLoop approval v2";

  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

  /**
   * One approved file: its name when it was approved (for people; the hash is what binds), the
   * SHA-256 of its bytes, and the files it depends on.
   *
   * @param name the file name without directories, e.g. {@code cstr-ppo.bundle}
   * @param sha256 the SHA-256 of the file's content, 64 lowercase hex digits
   * @param dependsOn the files its loader read besides it, in the order read; may be empty
   */
  public record ApprovedFile(String name, String sha256, List<Dependency> dependsOn) {
    /** Checks the name is present, the hash is 64 lowercase hex digits, and copies the list. */
    public ApprovedFile {
      Objects.requireNonNull(name, "name");
      requireSha256(sha256, name);
      dependsOn = List.copyOf(dependsOn);
    }
  }

  /**
   * A file an approved file depends on.
   *
   * @param kind what it is, e.g. {@code "scenario"} or {@code "model"}
   * @param location where it was read when approved: an absolute path, or {@code built-in:RESOURCE}
   *     for a file shipped inside SafeLoop (for people; the order, kind and hash are what bind, so
   *     the deployment may move to another directory)
   * @param sha256 the SHA-256 of its content
   */
  public record Dependency(String kind, String location, String sha256) {
    /** Checks nothing is missing and the hash is 64 lowercase hex digits. */
    public Dependency {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(location, "location");
      requireSha256(sha256, location);
    }
  }

  private static void requireSha256(String sha256, String of) {
    Objects.requireNonNull(sha256, "sha256");
    if (!isSha256Hex(sha256)) {
      throw new IllegalArgumentException(
          "sha256 of " + of + " must be 64 lowercase hex digits, got '" + sha256 + "'");
    }
  }

  /** Checks that no component is missing and that the fingerprint is a SHA-256 in hex. */
  public Approval {
    if (approver == null || approver.isBlank()) {
      throw new IllegalArgumentException("approver must not be blank");
    }
    if (mode == null || mode.isBlank()) {
      throw new IllegalArgumentException("mode must not be blank");
    }
    Objects.requireNonNull(bundle, "bundle");
    Objects.requireNonNull(shield, "shield");
    Objects.requireNonNull(plant, "plant");
    Objects.requireNonNull(issuedAt, "issuedAt");
    Objects.requireNonNull(validUntil, "validUntil");
    Objects.requireNonNull(comment, "comment");
    Objects.requireNonNull(keyFingerprint, "keyFingerprint");
    if (!isSha256Hex(keyFingerprint)) {
      throw new IllegalArgumentException(
          "keyFingerprint must be 64 lowercase hex digits, got '" + keyFingerprint + "'");
    }
    Objects.requireNonNull(signature, "signature");
  }

  /** Returns true when the signature is empty. */
  public boolean unsigned() {
    return signature.isEmpty();
  }

  /** Returns this approval with {@code newSignature} in place of its signature. */
  Approval withSignature(String newSignature) {
    return new Approval(
        approver,
        mode,
        bundle,
        shield,
        plant,
        issuedAt,
        validUntil,
        comment,
        keyFingerprint,
        newSignature);
  }

  /**
   * Returns the bytes the signature covers, encoded as the class documentation defines.
   *
   * @throws IllegalArgumentException when a string is not valid Unicode
   */
  byte[] signedContent() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    writeString(out, SIGNED_CONTENT_HEADER, "header");
    writeString(out, approver, "approver");
    writeString(out, mode, "mode");
    writeFile(out, bundle, "bundle");
    writeFile(out, shield, "shield");
    writeFile(out, plant, "plant");
    writeInstant(out, issuedAt);
    writeInstant(out, validUntil);
    writeString(out, comment, "comment");
    writeString(out, keyFingerprint, "keyFingerprint");
    return out.toByteArray();
  }

  static boolean isSha256Hex(String text) {
    return SHA256_HEX.matcher(text).matches();
  }

  private static void writeFile(ByteArrayOutputStream out, ApprovedFile file, String role) {
    writeString(out, file.name(), role + " name");
    writeString(out, file.sha256(), role + " sha256");
    out.write(ByteBuffer.allocate(Integer.BYTES).putInt(file.dependsOn().size()).array(), 0, 4);
    for (Dependency d : file.dependsOn()) {
      writeString(out, d.kind(), role + " dependency kind");
      writeString(out, d.location(), role + " dependency location");
      writeString(out, d.sha256(), role + " dependency sha256");
    }
  }

  private static void writeString(ByteArrayOutputStream out, String value, String field) {
    ByteBuffer utf8;
    try {
      utf8 =
          StandardCharsets.UTF_8
              .newEncoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .encode(CharBuffer.wrap(value));
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(
          field + " is not valid Unicode text (" + e.getMessage() + ")", e);
    }
    int length = utf8.remaining();
    out.write(ByteBuffer.allocate(Integer.BYTES).putInt(length).array(), 0, Integer.BYTES);
    out.write(utf8.array(), utf8.arrayOffset() + utf8.position(), length);
  }

  private static void writeInstant(ByteArrayOutputStream out, Instant instant) {
    byte[] bytes =
        ByteBuffer.allocate(Long.BYTES + Integer.BYTES)
            .putLong(instant.getEpochSecond())
            .putInt(instant.getNano())
            .array();
    out.write(bytes, 0, bytes.length);
  }
}
