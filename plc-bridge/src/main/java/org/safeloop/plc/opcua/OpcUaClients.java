package org.safeloop.plc.opcua;

import static org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.Unsigned.uint;

import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.milo.opcua.sdk.client.DiscoveryClient;
import org.eclipse.milo.opcua.sdk.client.OpcUaClient;
import org.eclipse.milo.opcua.sdk.client.OpcUaClientConfigBuilder;
import org.eclipse.milo.opcua.sdk.client.identity.AnonymousProvider;
import org.eclipse.milo.opcua.sdk.client.identity.UsernameProvider;
import org.eclipse.milo.opcua.stack.core.StatusCodes;
import org.eclipse.milo.opcua.stack.core.UaException;
import org.eclipse.milo.opcua.stack.core.security.DefaultClientCertificateValidator;
import org.eclipse.milo.opcua.stack.core.security.FileBasedTrustListManager;
import org.eclipse.milo.opcua.stack.core.security.SecurityPolicy;
import org.eclipse.milo.opcua.stack.core.types.builtin.LocalizedText;
import org.eclipse.milo.opcua.stack.core.types.enumerated.MessageSecurityMode;
import org.eclipse.milo.opcua.stack.core.types.structured.EndpointDescription;
import org.eclipse.milo.opcua.stack.core.util.EndpointUtil;
import org.safeloop.plc.PlcConnectionConfig;
import org.safeloop.plc.PlcException;
import org.safeloop.plc.PlcException.Reason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the Milo client for one connection attempt, with the plant file's security: discovers the
 * server's endpoints, takes the one with the configured security policy and mode (refusing, with
 * what the server offers, when none matches), and sets up the trust list, the client's certificate
 * ({@link Pki}) and the user identity. It does not connect. Stateless.
 */
final class OpcUaClients {

  private static final Logger LOG = LoggerFactory.getLogger(OpcUaClients.class);

  private OpcUaClients() {}

  /**
   * A client not yet connected, and the trust list it validates the server with.
   *
   * @param client the Milo client
   * @param trustList the trust list to close with the client, or null without a PKI directory
   */
  record Created(OpcUaClient client, FileBasedTrustListManager trustList) {}

  /** Discovers the endpoint and builds the client, within {@code timeout}. */
  static Created create(
      PlcConnectionConfig config, OpcUaOptions options, String name, Duration timeout)
      throws PlcException, InterruptedException {
    String url = "opc.tcp://" + config.host() + ":" + config.port() + options.endpointPath();
    long connectMillis = timeout.toMillis();
    List<EndpointDescription> endpoints =
        OpcUaSession.await(
            DiscoveryClient.getEndpoints(url, t -> t.setConnectTimeout(uint(connectMillis))),
            timeout,
            name + ": discovering endpoints");
    EndpointDescription endpoint = select(endpoints, options, name);
    endpoint = EndpointUtil.updateUrl(endpoint, config.host(), config.port());

    OpcUaClientConfigBuilder builder =
        new OpcUaClientConfigBuilder()
            .setApplicationName(LocalizedText.english("SafeLoop PLC bridge"))
            .setApplicationUri(options.applicationUri())
            .setProductUri("urn:safeloop")
            .setEndpoint(endpoint)
            .setRequestTimeout(uint(config.requestTimeout().toMillis()))
            .setIdentityProvider(
                options.username() == null
                    ? AnonymousProvider.INSTANCE
                    : new UsernameProvider(options.username(), options.password()));
    FileBasedTrustListManager trustList = null;
    try {
      if (options.pkiDirectory() != null) {
        trustList = Pki.trustList(options.pkiDirectory());
        builder.setCertificateValidator(
            new DefaultClientCertificateValidator(
                trustList, Pki.quarantine(options.pkiDirectory())));
        if (options.securityPolicy() != OpcUaOptions.SecurityPolicy.NONE) {
          Pki.Identity identity =
              Pki.loadOrCreate(options.pkiDirectory(), "client", options.applicationUri());
          builder
              .setKeyPair(identity.keyPair())
              .setCertificate(identity.certificate())
              .setCertificateChain(new X509Certificate[] {identity.certificate()});
        }
      }
    } catch (IOException e) {
      closeQuietly(trustList);
      throw new PlcException(
          Reason.ACCESS_DENIED, 0, name + ": cannot prepare the PKI directory: " + e, e);
    }
    try {
      return new Created(
          OpcUaClient.create(builder.build(), t -> t.setConnectTimeout(uint(connectMillis))),
          trustList);
    } catch (UaException e) {
      closeQuietly(trustList);
      throw OpcUaStatus.toPlc(e, name + ": cannot create the client");
    }
  }

  private static EndpointDescription select(
      List<EndpointDescription> endpoints, OpcUaOptions options, String name) throws PlcException {
    SecurityPolicy policy =
        switch (options.securityPolicy()) {
          case NONE -> SecurityPolicy.None;
          case BASIC256SHA256 -> SecurityPolicy.Basic256Sha256;
          case AES128_SHA256_RSAOAEP -> SecurityPolicy.Aes128_Sha256_RsaOaep;
          case AES256_SHA256_RSAPSS -> SecurityPolicy.Aes256_Sha256_RsaPss;
        };
    MessageSecurityMode mode =
        switch (options.securityMode()) {
          case NONE -> MessageSecurityMode.None;
          case SIGN -> MessageSecurityMode.Sign;
          case SIGN_AND_ENCRYPT -> MessageSecurityMode.SignAndEncrypt;
        };
    List<String> offered = new ArrayList<>();
    for (EndpointDescription endpoint : endpoints) {
      offered.add(endpoint.getSecurityPolicyUri() + " " + endpoint.getSecurityMode());
      if (policy.getUri().equals(endpoint.getSecurityPolicyUri())
          && endpoint.getSecurityMode() == mode) {
        return endpoint;
      }
    }
    throw new PlcException(
        Reason.NOT_FOUND,
        StatusCodes.Bad_SecurityPolicyRejected,
        name
            + ": the server offers no endpoint with "
            + policy.getUri()
            + " "
            + mode
            + "; it offers "
            + offered);
  }

  /**
   * Closes a trust list, logging rather than throwing: it is closed on the way out of a failure.
   */
  static void closeQuietly(FileBasedTrustListManager trustList) {
    if (trustList != null) {
      try {
        trustList.close();
      } catch (IOException e) {
        LOG.debug("closing trust list", e);
      }
    }
  }
}
