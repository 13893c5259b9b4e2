package org.safeloop.plc.opcua;

import java.nio.file.Path;
import java.util.Objects;
import org.safeloop.plc.ProtocolOptions;

/**
 * OPC UA settings of a connection: security, identity and the client's PKI directory. Immutable and
 * thread-safe; {@link #toString()} hides the password.
 *
 * <p>The PKI directory holds the client's own certificate and its trust lists:
 *
 * <pre>
 * pki/own/client.pfx        key and certificate (PKCS#12), created on first use
 * pki/own/client.der        the certificate alone, to copy into a server's trusted directory
 * pki/trusted/certs/        server certificates this client trusts (DER files)
 * pki/issuer/certs/, crl/   CA certificates and revocation lists
 * pki/rejected/             server certificates the client refused, for an engineer to review
 * </pre>
 *
 * @param securityPolicy NONE, BASIC256SHA256, AES128_SHA256_RSAOAEP or AES256_SHA256_RSAPSS
 * @param securityMode NONE with policy NONE; SIGN or SIGN_AND_ENCRYPT with any other policy
 * @param pkiDirectory the client's PKI directory; required unless the policy is NONE
 * @param username user name for username authentication, or null for anonymous
 * @param password the user's password; required with a username
 * @param applicationUri the client's application URI, written into its certificate
 * @param endpointPath path of the server endpoint, e.g. "/safeloop" (empty for none)
 */
public record OpcUaOptions(
    SecurityPolicy securityPolicy,
    SecurityMode securityMode,
    Path pkiDirectory,
    String username,
    String password,
    String applicationUri,
    String endpointPath)
    implements ProtocolOptions {

  /** Default application URI of the SafeLoop bridge. */
  public static final String DEFAULT_APPLICATION_URI = "urn:safeloop:plc-bridge";

  /** The security policies supported. */
  public enum SecurityPolicy {
    /** No security: for test benches and isolated networks only. */
    NONE("none", "http://opcfoundation.org/UA/SecurityPolicy#None"),
    /** Basic256Sha256 (RSA 2048+, SHA-256, AES-256, RSA-OAEP with SHA-1). */
    BASIC256SHA256("basic256sha256", "http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256"),
    /** Aes128_Sha256_RsaOaep (RSA 2048+, SHA-256, AES-128, RSA-OAEP with SHA-1). */
    AES128_SHA256_RSAOAEP(
        "aes128_sha256_rsaoaep",
        "http://opcfoundation.org/UA/SecurityPolicy#Aes128_Sha256_RsaOaep"),
    /** Aes256_Sha256_RsaPss (RSA 2048+, SHA-256, AES-256, RSA-OAEP with SHA-256, RSA-PSS). */
    AES256_SHA256_RSAPSS(
        "aes256_sha256_rsapss", "http://opcfoundation.org/UA/SecurityPolicy#Aes256_Sha256_RsaPss");

    private final String label;
    private final String uri;

    SecurityPolicy(String label, String uri) {
      this.label = label;
      this.uri = uri;
    }

    /**
     * The policy's name in plant files.
     *
     * @return e.g. {@code aes128_sha256_rsaoaep}
     */
    public String label() {
      return label;
    }

    /**
     * The policy's URI, as servers list it in their endpoints.
     *
     * @return e.g. {@code http://opcfoundation.org/UA/SecurityPolicy#Aes128_Sha256_RsaOaep}
     */
    public String uri() {
      return uri;
    }

    /**
     * The policy with this plant-file name.
     *
     * @param label e.g. {@code basic256sha256}
     * @return the policy
     * @throws IllegalArgumentException naming the policies there are
     */
    public static SecurityPolicy fromLabel(String label) {
      for (SecurityPolicy policy : values()) {
        if (policy.label.equals(label)) {
          return policy;
        }
      }
      throw new IllegalArgumentException(
          "unknown security policy '" + label + "'; use one of " + labels());
    }

    /**
     * Every policy's plant-file name.
     *
     * @return e.g. {@code [none, basic256sha256, ...]}
     */
    public static java.util.List<String> labels() {
      return java.util.Arrays.stream(values()).map(SecurityPolicy::label).toList();
    }
  }

  /** The message security modes. */
  public enum SecurityMode {
    /** No signing or encryption (policy NONE only). */
    NONE,
    /** Messages are signed. */
    SIGN,
    /** Messages are signed and encrypted. */
    SIGN_AND_ENCRYPT
  }

  /** Validates the combination of fields, naming the one that is wrong. */
  public OpcUaOptions {
    Objects.requireNonNull(securityPolicy, "opcua.securityPolicy must not be null");
    Objects.requireNonNull(securityMode, "opcua.securityMode must not be null");
    if ((securityPolicy == SecurityPolicy.NONE) != (securityMode == SecurityMode.NONE)) {
      throw new IllegalArgumentException(
          "opcua.securityMode "
              + securityMode
              + " does not go with securityPolicy "
              + securityPolicy
              + " (NONE goes with NONE; every other policy with SIGN or"
              + " SIGN_AND_ENCRYPT)");
    }
    if (securityPolicy != SecurityPolicy.NONE && pkiDirectory == null) {
      throw new IllegalArgumentException(
          "opcua.pkiDirectory is required with securityPolicy " + securityPolicy);
    }
    if (username != null && username.isBlank()) {
      throw new IllegalArgumentException("opcua.username must not be blank; omit it for anonymous");
    }
    if (username != null && password == null) {
      throw new IllegalArgumentException("opcua.password is required with a username");
    }
    applicationUri =
        applicationUri == null || applicationUri.isBlank()
            ? DEFAULT_APPLICATION_URI
            : applicationUri;
    endpointPath = endpointPath == null ? "" : endpointPath;
    if (!endpointPath.isEmpty() && !endpointPath.startsWith("/")) {
      throw new IllegalArgumentException("opcua.endpointPath must start with '/': " + endpointPath);
    }
  }

  /**
   * Anonymous, unsecured options.
   *
   * @param endpointPath the endpoint path, e.g. "/safeloop"
   * @return the options
   */
  public static OpcUaOptions insecure(String endpointPath) {
    return new OpcUaOptions(
        SecurityPolicy.NONE, SecurityMode.NONE, null, null, null, null, endpointPath);
  }

  /**
   * Basic256Sha256 options, anonymous until {@link #withUser(String, String)}.
   *
   * @param mode SIGN or SIGN_AND_ENCRYPT
   * @param pkiDirectory the client's PKI directory
   * @param endpointPath the endpoint path
   * @return the options
   */
  public static OpcUaOptions secure(SecurityMode mode, Path pkiDirectory, String endpointPath) {
    return secure(SecurityPolicy.BASIC256SHA256, mode, pkiDirectory, endpointPath);
  }

  /**
   * Secure options with a given policy, anonymous until {@link #withUser(String, String)}.
   *
   * @param policy any policy but NONE
   * @param mode SIGN or SIGN_AND_ENCRYPT
   * @param pkiDirectory the client's PKI directory
   * @param endpointPath the endpoint path
   * @return the options
   */
  public static OpcUaOptions secure(
      SecurityPolicy policy, SecurityMode mode, Path pkiDirectory, String endpointPath) {
    return new OpcUaOptions(policy, mode, pkiDirectory, null, null, null, endpointPath);
  }

  /**
   * Returns a copy that authenticates with a user name and password.
   *
   * @param user the user name
   * @param secret the password
   * @return the new options
   */
  public OpcUaOptions withUser(String user, String secret) {
    return new OpcUaOptions(
        securityPolicy, securityMode, pkiDirectory, user, secret, applicationUri, endpointPath);
  }

  @Override
  public String protocol() {
    return OpcUaAddress.PROTOCOL;
  }

  @Override
  public String toString() {
    return "OpcUaOptions[securityPolicy="
        + securityPolicy
        + ", securityMode="
        + securityMode
        + ", pkiDirectory="
        + pkiDirectory
        + ", username="
        + username
        + ", password="
        + (password == null ? "null" : "****")
        + ", applicationUri="
        + applicationUri
        + ", endpointPath="
        + endpointPath
        + "]";
  }
}
