package org.safeloop.plc.opcua;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import org.eclipse.milo.opcua.stack.core.security.FileBasedCertificateQuarantine;
import org.eclipse.milo.opcua.stack.core.security.FileBasedTrustListManager;
import org.eclipse.milo.opcua.stack.core.util.SelfSignedCertificateBuilder;
import org.eclipse.milo.opcua.stack.core.util.SelfSignedCertificateGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An application's PKI directory on disk, shared by the bridge (client) and the plant server:
 * {@code own/} holds the application's key and self-signed certificate, {@code trusted/} and {@code
 * issuer/} the trust lists (managed by Milo's {@link FileBasedTrustListManager}, which watches
 * them, so a certificate copied into {@code trusted/certs} is trusted without a restart), {@code
 * rejected/} certificates that were refused. Public for the virtual plant's server, which keeps its
 * certificates the same way. Stateless helpers; thread-safe.
 */
public final class Pki {

  private static final Logger LOG = LoggerFactory.getLogger(Pki.class);

  /**
   * Password of the PKCS#12 files. It protects nothing beyond the file's permissions (owner-only
   * where the file system supports it); the key is as safe as the directory.
   */
  private static final char[] STORE_PASSWORD = "safeloop".toCharArray();

  private static final String ALIAS = "application";

  /**
   * An application's key pair and certificate.
   *
   * @param keyPair the RSA key pair
   * @param certificate the self-signed certificate of its public key
   */
  public record Identity(KeyPair keyPair, X509Certificate certificate) {}

  private Pki() {}

  /**
   * Registers Bouncy Castle (a dependency of Milo) as a security provider once: Milo's
   * Aes256_Sha256_RsaPss signs with {@code SHA256withRSA/PSS}, which only Bouncy Castle names so.
   * Idempotent and thread-safe.
   */
  public static synchronized void requireBouncyCastle() {
    if (java.security.Security.getProvider(
            org.bouncycastle.jce.provider.BouncyCastleProvider.PROVIDER_NAME)
        == null) {
      java.security.Security.addProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider());
    }
  }

  /**
   * Loads {@code own/<name>.pfx}, or creates a 2048-bit RSA key and a self-signed certificate for
   * {@code applicationUri} (with "localhost" and 127.0.0.1 as alternative names) and stores both,
   * plus {@code own/<name>.der} with the certificate alone.
   *
   * @param pkiDirectory the PKI directory
   * @param name the application's file name stem, e.g. {@code server}
   * @param applicationUri the OPC UA application URI the certificate names
   * @return the key pair and certificate
   * @throws IOException when the files cannot be read or written
   */
  public static Identity loadOrCreate(Path pkiDirectory, String name, String applicationUri)
      throws IOException {
    Path own = pkiDirectory.resolve("own");
    Files.createDirectories(own);
    Path store = own.resolve(name + ".pfx");
    try {
      KeyStore keyStore = KeyStore.getInstance("PKCS12");
      if (Files.exists(store)) {
        try (InputStream in = Files.newInputStream(store)) {
          keyStore.load(in, STORE_PASSWORD);
        }
        PrivateKey key = (PrivateKey) keyStore.getKey(ALIAS, STORE_PASSWORD);
        X509Certificate certificate = (X509Certificate) keyStore.getCertificate(ALIAS);
        return new Identity(new KeyPair(certificate.getPublicKey(), key), certificate);
      }
      KeyPair keyPair = SelfSignedCertificateGenerator.generateRsaKeyPair(2048);
      X509Certificate certificate =
          new SelfSignedCertificateBuilder(keyPair)
              .setCommonName("SafeLoop " + name)
              .setOrganization("SafeLoop")
              .setApplicationUri(applicationUri)
              .addDnsName("localhost")
              .addIpAddress("127.0.0.1")
              .build();
      keyStore.load(null, STORE_PASSWORD);
      keyStore.setKeyEntry(
          ALIAS, keyPair.getPrivate(), STORE_PASSWORD, new Certificate[] {certificate});
      Path temporary = Files.createTempFile(own, name, ".tmp");
      restrictToOwner(temporary);
      try (OutputStream out = Files.newOutputStream(temporary)) {
        keyStore.store(out, STORE_PASSWORD);
      }
      Files.move(temporary, store, StandardCopyOption.ATOMIC_MOVE);
      Files.write(own.resolve(name + ".der"), certificate.getEncoded());
      LOG.info("created {} certificate for {} in {}", name, applicationUri, store);
      return new Identity(keyPair, certificate);
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("cannot load or create the " + name + " certificate in " + own, e);
    }
  }

  /**
   * Returns Milo's trust list manager on the directory's {@code trusted/} and {@code issuer/}.
   *
   * @param pkiDirectory the PKI directory
   * @return the manager, watching the directory
   * @throws IOException when the directories cannot be created
   */
  public static FileBasedTrustListManager trustList(Path pkiDirectory) throws IOException {
    return FileBasedTrustListManager.createAndInitialize(pkiDirectory);
  }

  /**
   * Returns the quarantine of refused certificates, {@code rejected/}.
   *
   * @param pkiDirectory the PKI directory
   * @return the quarantine
   * @throws IOException when the directory cannot be created
   */
  public static FileBasedCertificateQuarantine quarantine(Path pkiDirectory) throws IOException {
    return FileBasedCertificateQuarantine.create(pkiDirectory.resolve("rejected"));
  }

  /**
   * Returns where trusted certificates are copied.
   *
   * @param pkiDirectory the PKI directory
   * @return {@code trusted/certs} below it
   */
  public static Path trustedCertificates(Path pkiDirectory) {
    return pkiDirectory.resolve("trusted").resolve("certs");
  }

  /**
   * Writes {@code certificate} into the trusted directory, as an engineer would copy it.
   *
   * @param pkiDirectory the PKI directory
   * @param certificate the certificate to trust
   * @return the file written
   * @throws IOException when it cannot be written
   */
  public static Path trust(Path pkiDirectory, X509Certificate certificate) throws IOException {
    Path dir = trustedCertificates(pkiDirectory);
    Files.createDirectories(dir);
    try {
      String name =
          HexFormat.of()
              .formatHex(
                  java.security.MessageDigest.getInstance("SHA-1")
                      .digest(certificate.getEncoded()));
      return Files.write(dir.resolve(name + ".der"), certificate.getEncoded());
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot encode certificate", e);
    }
  }

  private static void restrictToOwner(Path file) {
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException | IOException e) {
      LOG.debug("cannot restrict permissions of {}: {}", file, e.toString());
    }
  }
}
