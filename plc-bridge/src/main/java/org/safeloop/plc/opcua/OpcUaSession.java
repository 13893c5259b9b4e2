package org.safeloop.plc.opcua;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.milo.opcua.sdk.client.OpcUaClient;
import org.eclipse.milo.opcua.sdk.client.SessionActivityListener;
import org.eclipse.milo.opcua.sdk.client.UaSession;
import org.eclipse.milo.opcua.stack.core.StatusCodes;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.UInteger;
import org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.UShort;
import org.safeloop.plc.PlcConnectionConfig;
import org.safeloop.plc.PlcException;
import org.safeloop.plc.PlcException.Reason;
import org.safeloop.plc.Tag;
import org.safeloop.plc.Tags;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Milo session behind one connection: whether it is up (Milo reconnects on its own) or closed,
 * node ids resolved on it from namespace URIs, and its calls bounded by the call timeout with their
 * failures told as {@link PlcException}s. Every call of the connection goes through it, so that
 * none waits without a bound and none runs on a session that is down. Thread-safe.
 */
final class OpcUaSession {

  private static final Logger LOG = LoggerFactory.getLogger(OpcUaSession.class);

  private final PlcConnectionConfig config;
  private final OpcUaClient client;
  private final String name;
  private volatile boolean active;
  private volatile boolean closed;

  /**
   * Follows the client's session.
   *
   * @param onLoss told each time the session goes down, on Milo's thread
   */
  OpcUaSession(PlcConnectionConfig config, OpcUaClient client, String name, Runnable onLoss) {
    this.config = config;
    this.client = client;
    this.name = name;
    client.addSessionActivityListener(
        new SessionActivityListener() {
          @Override
          public void onSessionActive(UaSession session) {
            active = true;
            LOG.info("{}: session active", OpcUaSession.this.name);
          }

          @Override
          public void onSessionInactive(UaSession session) {
            active = false;
            LOG.info("{}: session inactive", OpcUaSession.this.name);
            onLoss.run();
          }
        });
  }

  OpcUaClient client() {
    return client;
  }

  /** The connection's name, {@code opcua://host:port/path}, which every message starts with. */
  String name() {
    return name;
  }

  /** Marks the session up once the first connect returned. */
  void connected() {
    active = true;
  }

  boolean isActive() {
    return active;
  }

  boolean isClosed() {
    return closed;
  }

  /** Marks the session closed and down; calls fail from now on. */
  void markClosed() {
    closed = true;
    active = false;
  }

  /** How long one call may take: connecting again, then the request. */
  Duration callTimeout() {
    return config.connectTimeout().plus(config.requestTimeout());
  }

  /** Refuses a tag that is not an OPC UA tag. */
  static List<Tag> checkTags(Collection<Tag> tags) {
    return Tags.requireAll(tags, OpcUaAddress.class, "an OPC UA connection");
  }

  /**
   * Resolves namespace URIs to the server's current indexes, on every call, because a restarted
   * server may renumber its namespaces.
   */
  List<NodeId> resolve(List<Tag> tags) throws PlcException {
    if (closed) {
      throw closedException();
    }
    if (!active) {
      throw new PlcException(
          Reason.CONNECTION,
          StatusCodes.Bad_NoCommunication,
          name + ": no session (reconnecting); " + names(tags));
    }
    List<NodeId> ids = new ArrayList<>(tags.size());
    boolean refreshed = false;
    for (Tag tag : tags) {
      OpcUaAddress address = (OpcUaAddress) tag.address();
      UShort index = client.getNamespaceTable().getIndex(address.namespaceUri());
      if (index == null && !refreshed) {
        // The client's copy of the namespace table may predate the server's namespaces (a server
        // that registers them just after it starts listening): read it again, once per call.
        refreshed = true;
        try {
          client
              .readNamespaceTableAsync()
              .get(config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
          // fall through: the index stays unknown and the call fails below
        }
        index = client.getNamespaceTable().getIndex(address.namespaceUri());
      }
      if (index == null) {
        throw new PlcException(
            Reason.NOT_FOUND,
            StatusCodes.Bad_NodeIdUnknown,
            name
                + ": tag "
                + tag.name()
                + ": the server has no namespace "
                + address.namespaceUri());
      }
      ids.add(
          address.idType() == OpcUaAddress.IdType.NUMERIC
              ? new NodeId(index, UInteger.valueOf(Long.parseLong(address.identifier())))
              : new NodeId(index, address.identifier()));
    }
    return ids;
  }

  /** Bounds an asynchronous call by the call timeout and maps Milo failures to PlcException. */
  <T> CompletableFuture<T> bounded(CompletableFuture<T> future, String what) {
    CompletableFuture<T> result = new CompletableFuture<>();
    future
        .orTimeout(callTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete(
            (value, error) -> {
              if (error == null) {
                result.complete(value);
              } else {
                result.completeExceptionally(translate(error, name + ": " + what));
              }
            });
    return result;
  }

  private Throwable translate(Throwable error, String what) {
    Throwable cause = OpcUaStatus.unwrap(error);
    if (cause instanceof PlcException || cause instanceof IllegalArgumentException) {
      return cause;
    }
    if (closed) {
      return new PlcException(Reason.CLOSED, 0, what + ": connection closed", cause);
    }
    return OpcUaStatus.toPlc(cause, what);
  }

  /** Waits for {@code future} at most {@code timeout}; cancels it when the wait ends early. */
  static <T> T await(CompletableFuture<T> future, Duration timeout, String what)
      throws PlcException, InterruptedException {
    try {
      return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      future.cancel(false);
      throw e;
    } catch (TimeoutException e) {
      future.cancel(false);
      throw new PlcException(
          Reason.TIMEOUT, StatusCodes.Bad_Timeout, what + ": no answer within " + timeout, e);
    } catch (ExecutionException e) {
      throw OpcUaStatus.toPlc(e, what);
    }
  }

  /** The tags' names, for messages. */
  static String names(List<Tag> tags) {
    List<String> names = new ArrayList<>();
    tags.forEach(t -> names.add(t.name()));
    return "tag(s) " + String.join(", ", names);
  }

  PlcException closedException() {
    return new PlcException(Reason.CLOSED, 0, name + " is closed");
  }
}
