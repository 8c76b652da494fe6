package io.nodedaemon.sim;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One watch of {@link SimApiStore}: a WebSocket (how the fabric8 client watches) that receives the
 * events of one resource, filtered by namespace, name and selectors, in resourceVersion order.
 *
 * <p>The store registers the watch, and may start delivering, before the client has finished the
 * WebSocket handshake; events offered until then are queued and flushed on open, in order.
 */
final class SimWatch extends WebSocketListener {

  /**
   * One change of a stored object, with the object's previous state to tell selector entries and
   * exits.
   */
  static final class Event {
    final String type;
    final long resourceVersion;
    final String resourceKey;
    final JsonNode object;
    final String objectJson;
    final JsonNode previous;
    private String asAdded;
    private String asModified;
    private String asDeleted;

    Event(
        String type,
        long resourceVersion,
        String resourceKey,
        JsonNode object,
        String objectJson,
        JsonNode previous) {
      this.type = type;
      this.resourceVersion = resourceVersion;
      this.resourceKey = resourceKey;
      this.object = object;
      this.objectJson = objectJson;
      this.previous = previous;
    }

    /**
     * The WebSocket frame for this event sent as {@code type}; built once however many watches get
     * it.
     */
    synchronized String message(String type) {
      switch (type) {
        case "ADDED":
          return asAdded != null ? asAdded : (asAdded = frame(type, objectJson));
        case "MODIFIED":
          return asModified != null ? asModified : (asModified = frame(type, objectJson));
        default:
          return asDeleted != null ? asDeleted : (asDeleted = frame(type, objectJson));
      }
    }

    static String frame(String type, String objectJson) {
      return "{\"type\":\"" + type + "\",\"object\":" + objectJson + "}";
    }
  }

  final String resourceKey;
  private final String namespace;
  private final String name;
  private final SimSelector labels;
  private final SimSelector fields;
  private final Consumer<SimWatch> onClose;
  private final List<String> pending = new ArrayList<>();
  private WebSocket socket;
  private boolean closed;
  // Set when the watch cannot start (its resourceVersion is older than the retained history):
  // the client gets one ERROR event (410 Expired, which informers answer by relisting) and a close.
  private String failure;

  SimWatch(
      String resourceKey,
      String namespace,
      String name,
      SimSelector labels,
      SimSelector fields,
      Consumer<SimWatch> onClose) {
    this.resourceKey = resourceKey;
    this.namespace = namespace;
    this.name = name;
    this.labels = labels;
    this.fields = fields;
    this.onClose = onClose;
  }

  boolean matches(JsonNode object) {
    if (object == null) {
      return false;
    }
    JsonNode meta = object.path("metadata");
    return (namespace == null || namespace.equals(meta.path("namespace").asText()))
        && (name == null || name.equals(meta.path("name").asText()))
        && labels.test(object)
        && fields.test(object);
  }

  /**
   * Sends {@code event} if it concerns this watch. Like the API server, a modification that moves
   * an object into the watch's selection arrives as ADDED, and one that moves it out as DELETED.
   */
  void offer(Event event) {
    boolean now = matches(event.object);
    String type = event.type;
    if ("MODIFIED".equals(type)) {
      boolean before = matches(event.previous);
      if (!now && !before) {
        return;
      }
      type = now && before ? "MODIFIED" : now ? "ADDED" : "DELETED";
    } else if (!now) {
      return;
    }
    send(event.message(type));
  }

  /** Queues the initial ADDED event of an object that exists when the watch starts. */
  void offerInitial(String objectJson) {
    send(Event.frame("ADDED", objectJson));
  }

  void fail(String errorEventJson) {
    synchronized (this) {
      failure = errorEventJson;
    }
  }

  private synchronized void send(String frame) {
    if (closed || failure != null) {
      return;
    }
    if (socket == null) {
      pending.add(frame);
    } else {
      socket.send(frame);
    }
  }

  @Override
  public void onOpen(WebSocket webSocket, Response response) {
    String failed;
    synchronized (this) {
      socket = webSocket;
      if (closed) {
        // Dropped before the handshake finished: the client must see the close, not a silent
        // watch.
        webSocket.close(1001, "watch dropped");
        return;
      }
      failed = failure;
      if (failed == null) {
        pending.forEach(webSocket::send);
      }
      pending.clear();
    }
    if (failed != null) {
      webSocket.send(failed);
      webSocket.close(1000, "resource version too old");
      close();
    }
  }

  @Override
  public void onClosing(WebSocket webSocket, int code, String reason) {
    webSocket.close(code, reason);
    close();
  }

  @Override
  public void onClosed(WebSocket webSocket, int code, String reason) {
    close();
  }

  @Override
  public void onFailure(WebSocket webSocket, Throwable t, Response response) {
    close();
  }

  /**
   * Closes the connection from the server's side, as an API server that restarts or a load balancer
   * that cuts idle connections does: the client has to watch again, from the last resourceVersion
   * it saw.
   */
  void disconnect() {
    WebSocket open;
    synchronized (this) {
      open = socket;
    }
    close();
    if (open != null) {
      open.close(1001, "watch dropped");
    }
  }

  /** Stops delivery and unregisters from the store (idempotent). */
  void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      pending.clear();
    }
    onClose.accept(this);
  }
}
