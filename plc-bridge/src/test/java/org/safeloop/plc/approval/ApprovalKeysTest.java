package org.safeloop.plc.approval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ed25519 key files: saved, loaded back, and refused with a clear message when wrong. */
class ApprovalKeysTest {
  @TempDir Path dir;

  @Test
  void savedKeysLoadBackAsTheSameKeys() {
    KeyPair pair = ApprovalKeys.generate();
    Path privateFile = dir.resolve("keys/manager.key");
    Path publicFile = dir.resolve("keys/manager.pub");

    ApprovalKeys.savePrivateKey(pair.getPrivate(), privateFile);
    ApprovalKeys.savePublicKey(pair.getPublic(), publicFile);
    PrivateKey privateKey = ApprovalKeys.loadPrivateKey(privateFile);
    PublicKey publicKey = ApprovalKeys.loadPublicKey(publicFile);

    assertArrayEquals(pair.getPrivate().getEncoded(), privateKey.getEncoded());
    assertArrayEquals(pair.getPublic().getEncoded(), publicKey.getEncoded());
    assertEquals(
        ApprovalKeys.fingerprint(pair.getPublic()),
        ApprovalKeys.fingerprint(ApprovalKeys.loadKeyPair(privateFile, publicFile).getPublic()));
  }

  @Test
  void keyFilesArePemWithTheStandardLabels() throws IOException {
    KeyPair pair = ApprovalKeys.generate();
    ApprovalKeys.savePrivateKey(pair.getPrivate(), dir.resolve("a.key"));
    ApprovalKeys.savePublicKey(pair.getPublic(), dir.resolve("a.pub"));

    assertTrue(Files.readString(dir.resolve("a.key")).startsWith("-----BEGIN PRIVATE KEY-----\n"));
    assertTrue(Files.readString(dir.resolve("a.pub")).startsWith("-----BEGIN PUBLIC KEY-----\n"));
  }

  @Test
  void thePrivateKeyFileIsReadableByItsOwnerOnly() throws IOException {
    assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"));
    Path file = dir.resolve("manager.key");

    ApprovalKeys.savePrivateKey(ApprovalKeys.generate().getPrivate(), file);

    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
  }

  @Test
  void anExistingPrivateKeyIsNeverOverwritten() throws IOException {
    Path file = dir.resolve("manager.key");
    ApprovalKeys.savePrivateKey(ApprovalKeys.generate().getPrivate(), file);
    String original = Files.readString(file);

    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ApprovalKeys.savePrivateKey(ApprovalKeys.generate().getPrivate(), file));

    assertTrue(e.getMessage().contains("already exists"), e.getMessage());
    assertEquals(original, Files.readString(file));
  }

  @Test
  void aPublicKeyFileGivenAsPrivateKeyIsRefusedSayingWhatItHolds() {
    Path file = dir.resolve("manager.pub");
    ApprovalKeys.savePublicKey(ApprovalKeys.generate().getPublic(), file);

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ApprovalKeys.loadPrivateKey(file));

    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("'PUBLIC KEY', expected a 'PRIVATE KEY'"), e.getMessage());
  }

  @Test
  void anRsaKeyIsRefusedAsNotEd25519() throws Exception {
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    KeyPair pair = rsa.generateKeyPair();
    Path file = dir.resolve("rsa.key");
    Files.writeString(
        file,
        "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder().encodeToString(pair.getPrivate().getEncoded())
            + "\n-----END PRIVATE KEY-----\n");

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ApprovalKeys.loadPrivateKey(file));
    assertTrue(e.getMessage().contains("does not hold an Ed25519 private key"), e.getMessage());

    assertThrows(
        IllegalArgumentException.class,
        () -> ApprovalKeys.savePublicKey(pair.getPublic(), dir.resolve("rsa.pub")));
  }

  @Test
  void anEd448KeyIsRefusedAsNotEd25519() throws Exception {
    KeyPair pair = KeyPairGenerator.getInstance("Ed448").generateKeyPair();
    Path file = dir.resolve("ed448.pub");
    Files.writeString(
        file,
        "-----BEGIN PUBLIC KEY-----\n"
            + Base64.getMimeEncoder().encodeToString(pair.getPublic().getEncoded())
            + "\n-----END PUBLIC KEY-----\n");

    assertThrows(IllegalArgumentException.class, () -> ApprovalKeys.loadPublicKey(file));
  }

  @Test
  void malformedKeyFilesAreRefusedNamingTheFileAndTheProblem() throws IOException {
    Path missing = dir.resolve("missing.pub");
    Path notPem = Files.writeString(dir.resolve("notpem.pub"), "hello\n");
    Path truncated =
        Files.writeString(dir.resolve("truncated.pub"), "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2Vw");
    Path badBase64 =
        Files.writeString(
            dir.resolve("bad.pub"), "-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n");
    Path garbage =
        Files.writeString(
            dir.resolve("garbage.pub"),
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");

    assertMessage(missing, "not found");
    assertMessage(notPem, "is not a PEM file");
    assertMessage(truncated, "truncated");
    assertMessage(badBase64, "base64");
    assertMessage(garbage, "does not hold an Ed25519 public key");
  }

  @Test
  void halvesOfDifferentKeyPairsAreRefusedWhenLoadedTogether() {
    Path privateFile = dir.resolve("a.key");
    Path publicFile = dir.resolve("b.pub");
    ApprovalKeys.savePrivateKey(ApprovalKeys.generate().getPrivate(), privateFile);
    ApprovalKeys.savePublicKey(ApprovalKeys.generate().getPublic(), publicFile);

    assertThrows(
        IllegalArgumentException.class, () -> ApprovalKeys.loadKeyPair(privateFile, publicFile));
  }

  @Test
  void theFingerprintIsTheSha256OfTheX509Encoding() throws Exception {
    PublicKey key = ApprovalKeys.generate().getPublic();

    String fingerprint = ApprovalKeys.fingerprint(key);

    assertEquals(64, fingerprint.length());
    assertEquals(
        HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getEncoded())),
        fingerprint);
  }

  private static void assertMessage(Path file, String expected) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ApprovalKeys.loadPublicKey(file));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }
}
