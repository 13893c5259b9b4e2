package org.safeloop.plc.approval;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.interfaces.EdECKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.KeySpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;

/**
 * Creates, saves and loads the Ed25519 key pairs that sign approvals, using the JDK's own provider.
 *
 * <p>Files are PEM: the private key as PKCS#8 ({@code -----BEGIN PRIVATE KEY-----}), written with
 * owner-only permissions (0600) where the file system is POSIX and never over an existing file; the
 * public key as X.509 SubjectPublicKeyInfo ({@code -----BEGIN PUBLIC KEY-----}). Both are readable
 * by OpenSSL ({@code openssl pkey -in key.pem -noout -text}). A key's fingerprint is the lowercase
 * hex SHA-256 of its X.509 encoding.
 *
 * <p>Thread-safe: stateless.
 */
public final class ApprovalKeys {
  private static final String ALGORITHM = "Ed25519";
  private static final String PRIVATE_LABEL = "PRIVATE KEY";
  private static final String PUBLIC_LABEL = "PUBLIC KEY";

  private ApprovalKeys() {}

  /** Generates a new Ed25519 key pair for an approver. */
  public static KeyPair generate() {
    try {
      return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JDK has no Ed25519 provider", e);
    }
  }

  /**
   * Writes a private key as PKCS#8 PEM, readable by its owner only where the file system supports
   * POSIX permissions.
   *
   * @throws IllegalArgumentException when the key is not Ed25519 or the file already exists (an
   *     existing private key is never overwritten: it may be the only copy)
   * @throws UncheckedIOException when the file cannot be written
   */
  public static void savePrivateKey(PrivateKey key, Path file) {
    requireEd25519(key, "private key");
    byte[] pem = pem(PRIVATE_LABEL, key.getEncoded());
    Path parent = file.toAbsolutePath().getParent();
    try {
      Files.createDirectories(parent);
      FileAttribute<?>[] ownerOnly =
          parent.getFileSystem().supportedFileAttributeViews().contains("posix")
              ? new FileAttribute<?>[] {
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))
              }
              : new FileAttribute<?>[0];
      // Created with its permissions in one step, so the key is never readable by others.
      try (SeekableByteChannel out =
          Files.newByteChannel(
              file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), ownerOnly)) {
        ByteBuffer buffer = ByteBuffer.wrap(pem);
        while (buffer.hasRemaining()) {
          out.write(buffer);
        }
      }
    } catch (FileAlreadyExistsException e) {
      throw new IllegalArgumentException(
          "private key file " + file + " already exists; refusing to overwrite it", e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write private key file " + file, e);
    }
  }

  /**
   * Writes a public key as X.509 PEM, replacing the file if it exists.
   *
   * @throws IllegalArgumentException when the key is not Ed25519
   * @throws UncheckedIOException when the file cannot be written
   */
  public static void savePublicKey(PublicKey key, Path file) {
    requireEd25519(key, "public key");
    try {
      Path parent = file.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Files.write(file, pem(PUBLIC_LABEL, key.getEncoded()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write public key file " + file, e);
    }
  }

  /**
   * Reads a private key written by {@link #savePrivateKey} (or by {@code openssl genpkey -algorithm
   * ed25519}).
   *
   * @throws IllegalArgumentException when the file is missing, readable or writable by anyone but
   *     its owner (on a POSIX file system), not PEM, holds another kind of key or a key of another
   *     algorithm (the message names the file and the problem)
   */
  public static PrivateKey loadPrivateKey(Path file) {
    byte[] der = readPem(file, PRIVATE_LABEL);
    PrivateKey key = (PrivateKey) decode(file, new PKCS8EncodedKeySpec(der), true);
    requireOwnerOnly(file);
    return key;
  }

  /**
   * Refuses a private key file that others may read or write: a signing key anyone on the machine
   * can copy approves nothing. Skipped where the file system has no POSIX permissions.
   */
  private static void requireOwnerOnly(Path file) {
    Set<PosixFilePermission> permissions;
    try {
      permissions = Files.getPosixFilePermissions(file);
    } catch (UnsupportedOperationException notPosix) {
      return;
    } catch (IOException e) {
      return; // missing or unreadable: readPem says so in its words
    }
    Set<PosixFilePermission> others = EnumSet.copyOf(permissions);
    others.removeAll(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
    if (!others.isEmpty()) {
      throw new IllegalArgumentException(
          "private key "
              + file
              + " is accessible to others ("
              + PosixFilePermissions.toString(permissions)
              + "); make it owner-only: chmod 600 "
              + file);
    }
  }

  /**
   * Reads a public key written by {@link #savePublicKey} (or by {@code openssl pkey -pubout}).
   *
   * @throws IllegalArgumentException when the file is missing, not PEM, holds another kind of key
   *     or a key of another algorithm (the message names the file and the problem)
   */
  public static PublicKey loadPublicKey(Path file) {
    byte[] der = readPem(file, PUBLIC_LABEL);
    return (PublicKey) decode(file, new X509EncodedKeySpec(der), false);
  }

  /**
   * Reads both halves of an approver's key pair and checks that they belong together.
   *
   * @throws IllegalArgumentException when either file cannot be loaded or the public key is not the
   *     private key's
   */
  public static KeyPair loadKeyPair(Path privateKeyFile, Path publicKeyFile) {
    KeyPair pair = new KeyPair(loadPublicKey(publicKeyFile), loadPrivateKey(privateKeyFile));
    if (!matches(pair)) {
      throw new IllegalArgumentException(
          "public key " + publicKeyFile + " does not belong to private key " + privateKeyFile);
    }
    return pair;
  }

  /**
   * Returns the fingerprint that identifies a public key in an approval: the lowercase hex SHA-256
   * of its X.509 (SubjectPublicKeyInfo) encoding, 64 characters.
   */
  public static String fingerprint(PublicKey key) {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(key.getEncoded()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JDK has no SHA-256", e);
    }
  }

  /** Whether the public key of {@code pair} verifies what its private key signs. */
  static boolean matches(KeyPair pair) {
    byte[] probe = "SafeLoop approval key pair check".getBytes(StandardCharsets.US_ASCII);
    try {
      Signature signer = Signature.getInstance(ALGORITHM);
      signer.initSign(pair.getPrivate());
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(ALGORITHM);
      verifier.initVerify(pair.getPublic());
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (InvalidKeyException | SignatureException e) {
      return false;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JDK has no Ed25519 provider", e);
    }
  }

  /** Throws unless {@code key} is an Ed25519 key (not RSA, EC or Ed448). */
  static void requireEd25519(Key key, String what) {
    if (key == null) {
      throw new IllegalArgumentException(what + " is missing");
    }
    if (!(key instanceof EdECKey edec) || !ALGORITHM.equals(edec.getParams().getName())) {
      throw new IllegalArgumentException(
          what + " is a " + key.getAlgorithm() + " key; approvals need an Ed25519 key");
    }
  }

  private static byte[] pem(String label, byte[] der) {
    String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
    return ("-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] readPem(Path file, String label) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("key file " + file + " not found", e);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read key file " + file + ": " + e, e);
    }
    String begin = "-----BEGIN ";
    int start = text.indexOf(begin);
    if (start < 0) {
      throw new IllegalArgumentException(
          "key file "
              + file
              + " is not a PEM file: expected a '-----BEGIN "
              + label
              + "-----' line");
    }
    int labelEnd = text.indexOf("-----", start + begin.length());
    if (labelEnd < 0) {
      throw new IllegalArgumentException("key file " + file + " has a broken PEM header line");
    }
    String found = text.substring(start + begin.length(), labelEnd);
    if (!found.equals(label)) {
      throw new IllegalArgumentException(
          "key file " + file + " holds a '" + found + "', expected a '" + label + "'");
    }
    String end = "-----END " + label + "-----";
    int bodyStart = labelEnd + "-----".length();
    int bodyEnd = text.indexOf(end, bodyStart);
    if (bodyEnd < 0) {
      throw new IllegalArgumentException(
          "key file " + file + " is truncated: no '" + end + "' line");
    }
    try {
      // Strict decoding: the MIME decoder would skip stray characters and hide a damaged file.
      return Base64.getDecoder().decode(text.substring(bodyStart, bodyEnd).replaceAll("\\s+", ""));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "key file " + file + " has a corrupted base64 body: " + e.getMessage(), e);
    }
  }

  private static Key decode(Path file, KeySpec spec, boolean isPrivate) {
    try {
      KeyFactory factory = KeyFactory.getInstance(ALGORITHM);
      return isPrivate ? factory.generatePrivate(spec) : factory.generatePublic(spec);
    } catch (InvalidKeySpecException e) {
      throw new IllegalArgumentException(
          "key file "
              + file
              + " does not hold an Ed25519 "
              + (isPrivate ? "private" : "public")
              + " key (another algorithm, or corrupted): "
              + e.getMessage(),
          e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK has no Ed25519 provider", e);
    }
  }
}
