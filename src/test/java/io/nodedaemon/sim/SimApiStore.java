package io.nodedaemon.sim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.zjsonpatch.JsonPatch;
import io.fabric8.zjsonpatch.JsonPatchException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.BinaryOperator;

/**
 * An in-memory Kubernetes API store: objects kept parsed and indexed by resource, namespace and
 * name, so that reads and writes cost the same with 10 objects as with 10,000, and watch events go
 * only to the watches of the resource concerned.
 *
 * <p>It stands in for fabric8's CRUD mock dispatcher (which scans every stored object on every
 * request and every watch event) behind {@link SimApiDispatcher}, and behaves like an API server
 * where the operator can tell the difference: one global resourceVersion counter, watches that
 * start from a list's resourceVersion without replaying it, resourceVersion preconditions (409),
 * {@code generation} bumped by writes outside metadata and status, {@code generateName}, graceful
 * deletion of pods bound to a node ({@code deletionTimestamp} set, the object kept until the
 * kubelet deletes it with a grace period of 0), finalizers holding a deleted object until the last
 * one is removed, and label selectors with set operators. Writes are serialised by one lock, so a
 * read-modify-write (a patch) is atomic.
 *
 * <p>Like the old mock, and unlike a real server: status is writable through the main resource of
 * built-in kinds (the stand-ins and {@link SimulatedCluster#updateNode} rely on it); only custom
 * resources whose CRD declares a status subresource ignore {@code .status} outside {@code /status}.
 */
final class SimApiStore extends Dispatcher {

  /**
   * Watch events kept for watches that resume from an older resourceVersion; older ones get 410
   * Gone.
   */
  static final int HISTORY_EVENTS = 10_000;

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String CRDS = "apiextensions.k8s.io/v1/customresourcedefinitions";
  private static final String PODS = "v1/pods";

  /** The API server's default of a pod's {@code spec.terminationGracePeriodSeconds}. */
  static final long DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;

  private static final char[] NAME_SUFFIX_CHARS = "bcdfghjklmnpqrstvwxz2456789".toCharArray();

  /** One stored object and its serialised form, both never changed once stored. */
  private record Stored(ObjectNode object, String json) {
    String resourceVersion() {
      return object.path("metadata").path("resourceVersion").asText();
    }
  }

  /**
   * A request path taken apart: {@code
   * /api(s)/<gv>[/namespaces/<ns>]/<resource>[/<name>[/<subresource>]]}.
   */
  record ApiPath(
      String groupVersion,
      String resource,
      String namespace,
      String name,
      String subresource,
      Map<String, String> query) {

    String resourceKey() {
      return groupVersion + "/" + resource;
    }

    String objectKey(String objectName) {
      return key(namespace, objectName);
    }

    boolean isStatus() {
      return "status".equals(subresource);
    }

    static ApiPath parse(String rawPath) {
      int q = rawPath.indexOf('?');
      String path = q < 0 ? rawPath : rawPath.substring(0, q);
      List<String> s = new ArrayList<>();
      for (String segment : path.split("/")) {
        if (!segment.isEmpty()) {
          s.add(segment);
        }
      }
      int i;
      String gv;
      if (s.size() >= 2 && s.get(0).equals("api")) {
        gv = s.get(1);
        i = 2;
      } else if (s.size() >= 3 && s.get(0).equals("apis")) {
        gv = s.get(1) + "/" + s.get(2);
        i = 3;
      } else {
        return null;
      }
      String namespace = null;
      // namespaces/<ns>/<resource>..., except namespaces/<name>/status|finalize (a namespace's
      // subresource).
      if (s.size() - i >= 3
          && s.get(i).equals("namespaces")
          && !(s.size() - i == 3 && Set.of("status", "finalize").contains(s.get(i + 2)))) {
        namespace = s.get(i + 1);
        i += 2;
      }
      int rest = s.size() - i;
      if (rest < 1 || rest > 3) {
        return null;
      }
      return new ApiPath(
          gv,
          s.get(i),
          namespace,
          rest > 1 ? s.get(i + 1) : null,
          rest > 2 ? s.get(i + 2) : null,
          q < 0 ? Map.of() : parseQuery(rawPath.substring(q + 1)));
    }

    private static Map<String, String> parseQuery(String query) {
      Map<String, String> params = new HashMap<>();
      for (String pair : query.split("&")) {
        int eq = pair.indexOf('=');
        String k = eq < 0 ? pair : pair.substring(0, eq);
        String v = eq < 0 ? "" : pair.substring(eq + 1);
        params.put(
            URLDecoder.decode(k, StandardCharsets.UTF_8),
            URLDecoder.decode(v, StandardCharsets.UTF_8));
      }
      return params;
    }
  }

  /** An API error, answered with a Kubernetes {@code Status} body. */
  private static final class ApiError extends RuntimeException {
    final int code;
    final String reason;

    ApiError(int code, String reason, String message) {
      super(message, null, false, false);
      this.code = code;
      this.reason = reason;
    }
  }

  private final Object lock = new Object();
  // resource key ("v1/pods", "apps/v1/daemonsets") → "namespace/name" → object; sorted, so that
  // lists come out in the API server's order and a namespace is a contiguous range.
  private final Map<String, ConcurrentSkipListMap<String, Stored>> tables =
      new ConcurrentHashMap<>();
  private final Map<String, List<SimWatch>> watches = new HashMap<>();
  private final ArrayDeque<SimWatch.Event> history = new ArrayDeque<>();
  private final Set<String> statusSubresources = ConcurrentHashMap.newKeySet();
  private final Map<String, String> crdKinds = new ConcurrentHashMap<>();
  private final BinaryOperator<String> builtInKinds;
  private final Clock clock;
  private final int historyLimit;
  private final SecureRandom random = new SecureRandom();
  private long resourceVersion;
  // The newest resourceVersion dropped from history: a watch from an older one may have missed
  // events.
  private long forgottenUpTo;

  /**
   * @param builtInKinds (groupVersion, resource) → kind, or null when unknown: names the lists
   * @param clock for creation and deletion timestamps
   */
  SimApiStore(BinaryOperator<String> builtInKinds, Clock clock) {
    this(builtInKinds, clock, HISTORY_EVENTS);
  }

  /**
   * @param historyLimit how many watch events to keep for resuming watches (tests use a small one)
   */
  SimApiStore(BinaryOperator<String> builtInKinds, Clock clock, int historyLimit) {
    this.builtInKinds = builtInKinds;
    this.clock = clock;
    this.historyLimit = historyLimit;
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    ApiPath path = ApiPath.parse(request.getPath());
    if (path == null) {
      return status(404, "NotFound", "the server could not find the requested resource");
    }
    try {
      return switch (request.getMethod()) {
        case "GET" ->
            "true".equals(path.query().get("watch"))
                ? watch(path)
                : path.name() == null ? list(path) : get(path);
        case "POST" -> create(path, request.getUtf8Body());
        case "PUT" -> update(path, request.getUtf8Body());
        case "PATCH" -> patch(path, request.getHeader("Content-Type"), request.getUtf8Body());
        case "DELETE" ->
            path.name() == null
                ? deleteCollection(path, request.getUtf8Body())
                : delete(path, request.getUtf8Body());
        default -> status(405, "MethodNotAllowed", request.getMethod() + " is not supported");
      };
    } catch (ApiError e) {
      return status(e.code, e.reason, e.getMessage());
    }
  }

  // --- reads ---------------------------------------------------------------------------------

  private MockResponse get(ApiPath p) {
    Stored s = table(p).get(p.objectKey(p.name()));
    if (s == null) {
      throw notFound(p, p.name());
    }
    return json(200, s.json());
  }

  /**
   * A list, paginated as the API server does it when the client sends {@code limit}: the reply
   * carries a {@code continue} token while more items remain, and every page reports the first
   * page's resourceVersion. (Later pages read the current objects rather than a snapshot; a watch
   * from that resourceVersion replays whatever changed, so an informer still ends up right.)
   */
  private MockResponse list(ApiPath p) {
    SimSelector labels = labelSelector(p);
    SimSelector fields = fieldSelector(p);
    int limit = parseLimit(p.query().get("limit"));
    String token = p.query().getOrDefault("continue", "");
    String after = null;
    List<Stored> items = new ArrayList<>();
    long listVersion;
    String next = null;
    // Under the write lock: the list and its resourceVersion must be one consistent snapshot,
    // or a watch started from that resourceVersion could miss or repeat an event.
    synchronized (lock) {
      listVersion = resourceVersion;
      if (!token.isEmpty()) {
        int colon = token.indexOf(':');
        if (colon < 0) {
          throw new ApiError(400, "BadRequest", "invalid continue token " + token);
        }
        listVersion = Long.parseLong(token.substring(0, colon));
        after = token.substring(colon + 1);
      }
      for (Stored s : candidates(p, SimSelector.pinnedName(p.query().get("fieldSelector")))) {
        String key = keyOf(s);
        if (after != null && key.compareTo(after) <= 0) {
          continue;
        }
        if (labels.test(s.object()) && fields.test(s.object())) {
          if (limit > 0 && items.size() == limit) {
            next = listVersion + ":" + keyOf(items.get(items.size() - 1));
            break;
          }
          items.add(s);
        }
      }
    }
    return json(200, listJson(p, items, listVersion, next));
  }

  private static int parseLimit(String limit) {
    try {
      return limit == null || limit.isEmpty() ? 0 : Math.max(0, Integer.parseInt(limit));
    } catch (NumberFormatException e) {
      throw new ApiError(400, "BadRequest", "invalid limit " + limit);
    }
  }

  /** The table key of a stored object (namespace/name, or the name when cluster-scoped). */
  private static String keyOf(Stored s) {
    JsonNode meta = s.object().path("metadata");
    String namespace = meta.path("namespace").asText("");
    return key(namespace.isEmpty() ? null : namespace, meta.path("name").asText());
  }

  private String listJson(ApiPath p, List<Stored> items, long listVersion, String continueToken) {
    StringBuilder body = new StringBuilder(64 + items.size() * 1024);
    body.append("{\"apiVersion\":\"")
        .append(p.groupVersion())
        .append("\",\"kind\":\"")
        .append(kindOf(p, items))
        .append("List\",\"metadata\":{\"resourceVersion\":\"")
        .append(listVersion)
        .append(continueToken == null ? "\"" : "\",\"continue\":\"" + continueToken + "\"")
        .append("},\"items\":[");
    for (int i = 0; i < items.size(); i++) {
      if (i > 0) {
        body.append(',');
      }
      body.append(items.get(i).json());
    }
    return body.append("]}").toString();
  }

  /**
   * The objects a list or watch has to look at: one namespace's range, one name, or the whole
   * resource.
   */
  private Collection<Stored> candidates(ApiPath p, String pinnedName) {
    ConcurrentSkipListMap<String, Stored> table = table(p);
    if (pinnedName != null && p.namespace() != null) {
      Stored s = table.get(p.objectKey(pinnedName));
      return s == null ? List.of() : List.of(s);
    }
    if (p.namespace() != null) {
      return table.subMap(p.namespace() + "/", p.namespace() + "/\uffff").values();
    }
    return table.values();
  }

  private MockResponse watch(ApiPath p) {
    String name =
        p.name() != null ? p.name() : SimSelector.pinnedName(p.query().get("fieldSelector"));
    SimWatch watch =
        new SimWatch(
            p.resourceKey(), p.namespace(), name, labelSelector(p), fieldSelector(p), this::forget);
    String from = p.query().getOrDefault("resourceVersion", "");
    synchronized (lock) {
      if (from.isEmpty() || from.equals("0")) {
        // No resourceVersion: the API server first sends the current state as ADDED events.
        for (Stored s : candidates(p, name)) {
          if (watch.matches(s.object())) {
            watch.offerInitial(s.json());
          }
        }
      } else {
        long since = parseResourceVersion(from);
        if (since < forgottenUpTo) {
          watch.fail(
              SimWatch.Event.frame(
                  "ERROR",
                  statusJson(
                      410,
                      "Expired",
                      "too old resource version: " + since + " (" + forgottenUpTo + ")")));
          return new MockResponse().withWebSocketUpgrade(watch);
        }
        for (SimWatch.Event e : history) {
          if (e.resourceVersion > since && e.resourceKey.equals(watch.resourceKey)) {
            watch.offer(e);
          }
        }
      }
      watches.computeIfAbsent(watch.resourceKey, k -> new ArrayList<>()).add(watch);
    }
    return new MockResponse().withWebSocketUpgrade(watch);
  }

  private void forget(SimWatch watch) {
    synchronized (lock) {
      List<SimWatch> list = watches.get(watch.resourceKey);
      if (list != null) {
        list.remove(watch);
      }
    }
  }

  // --- writes --------------------------------------------------------------------------------

  private MockResponse create(ApiPath p, String body) {
    if (p.name() != null) {
      throw new ApiError(
          405, "MethodNotAllowed", "POST is not supported on " + p.resource() + "/" + p.name());
    }
    ObjectNode object = parseObject(body);
    ObjectNode meta = metadata(object);
    synchronized (lock) {
      String namespace = p.namespace();
      String sent = meta.path("namespace").asText("");
      if (namespace != null && !sent.isEmpty() && !sent.equals(namespace)) {
        throw new ApiError(
            400,
            "BadRequest",
            "the namespace of the provided object does not match the namespace sent on the request");
      }
      ConcurrentSkipListMap<String, Stored> table = table(p);
      String name = meta.path("name").asText("");
      if (name.isEmpty()) {
        String prefix = meta.path("generateName").asText("");
        if (prefix.isEmpty()) {
          if (p.resource().endsWith("reviews")) {
            // Access and token reviews are answered, never stored (JOSDK's leader election asks
            // one).
            return json(201, write(object));
          }
          throw new ApiError(
              422,
              "Invalid",
              p.resource()
                  + " \"\" is invalid: metadata.name: Required value: "
                  + "name or generateName is required");
        }
        do {
          name = prefix + randomSuffix();
        } while (table.containsKey(p.objectKey(name)));
        meta.put("name", name);
      } else if (table.containsKey(p.objectKey(name))) {
        throw new ApiError(409, "AlreadyExists", qualified(p) + " \"" + name + "\" already exists");
      }
      if (namespace != null) {
        meta.put("namespace", namespace);
      }
      meta.put("uid", UUID.randomUUID().toString());
      meta.put("creationTimestamp", now());
      meta.put("resourceVersion", String.valueOf(++resourceVersion));
      meta.put("generation", 1L);
      meta.remove("deletionTimestamp");
      meta.remove("deletionGracePeriodSeconds");
      if (!object.has("apiVersion")) {
        object.put("apiVersion", p.groupVersion());
      }
      if (!object.has("kind")) {
        object.put("kind", kindOf(p, List.of()));
      }
      if (statusSubresources.contains(p.resourceKey())) {
        object.remove("status");
      }
      if (p.resourceKey().equals(CRDS)) {
        learnCrd(object);
      }
      return json(201, commit("ADDED", p, name, object, null));
    }
  }

  private MockResponse update(ApiPath p, String body) {
    ObjectNode sent = parseObject(body);
    synchronized (lock) {
      Stored current = existing(p);
      String sentVersion = sent.path("metadata").path("resourceVersion").asText("");
      requireVersion(p, current, sentVersion);
      String sentName = sent.path("metadata").path("name").asText("");
      if (!sentName.isEmpty() && !sentName.equals(p.name())) {
        throw new ApiError(
            400,
            "BadRequest",
            "the name of the object ("
                + sentName
                + ") does not match the name on the URL ("
                + p.name()
                + ")");
      }
      return json(200, change(p, current, sent));
    }
  }

  private MockResponse patch(ApiPath p, String contentType, String body) {
    String type = contentType == null ? "" : contentType.split(";")[0].trim();
    JsonNode patch = parse(body);
    synchronized (lock) {
      Stored current = existing(p);
      JsonNode patched;
      try {
        patched =
            switch (type) {
              case "application/json-patch+json" -> JsonPatch.apply(patch, current.object());
              // A strategic merge patch is approximated by a merge patch: lists are replaced, not
              // merged by key.
              case "application/merge-patch+json", "application/strategic-merge-patch+json" ->
                  SimApiDispatcher.applyMergePatch(current.object(), patch);
              default ->
                  throw new ApiError(
                      415,
                      "UnsupportedMediaType",
                      "the body of the request was in an unknown format - accepted media types include: "
                          + "application/json-patch+json, application/merge-patch+json, "
                          + "application/strategic-merge-patch+json");
            };
      } catch (JsonPatchException e) {
        throw new ApiError(422, "Invalid", "the patch could not be applied: " + e.getMessage());
      }
      if (!patched.isObject()) {
        throw new ApiError(422, "Invalid", "the patch does not yield an object");
      }
      // A resourceVersion in the patch is a precondition, as on a real API server.
      requireVersion(p, current, patched.path("metadata").path("resourceVersion").asText(""));
      return json(200, change(p, current, (ObjectNode) patched));
    }
  }

  private MockResponse delete(ApiPath p, String body) {
    JsonNode options = deleteOptions(body);
    synchronized (lock) {
      Stored current = existing(p);
      JsonNode preconditions = options.path("preconditions");
      String uid = preconditions.path("uid").asText("");
      if (!uid.isEmpty() && !uid.equals(current.object().path("metadata").path("uid").asText())) {
        throw conflict(
            p,
            "Precondition failed: UID in precondition: "
                + uid
                + ", UID in object meta: "
                + current.object().path("metadata").path("uid").asText());
      }
      requireVersion(p, current, preconditions.path("resourceVersion").asText(""));
      return json(200, remove(p, current, options.path("gracePeriodSeconds")));
    }
  }

  private static JsonNode deleteOptions(String body) {
    return body == null || body.isBlank() ? MAPPER.createObjectNode() : parse(body);
  }

  private MockResponse deleteCollection(ApiPath p, String body) {
    JsonNode grace = deleteOptions(body).path("gracePeriodSeconds");
    SimSelector labels = labelSelector(p);
    SimSelector fields = fieldSelector(p);
    synchronized (lock) {
      List<Stored> deleted = new ArrayList<>();
      for (Stored s :
          new ArrayList<>(candidates(p, SimSelector.pinnedName(p.query().get("fieldSelector"))))) {
        if (labels.test(s.object()) && fields.test(s.object())) {
          JsonNode meta = s.object().path("metadata");
          ApiPath one =
              new ApiPath(
                  p.groupVersion(),
                  p.resource(),
                  meta.path("namespace").asText(null),
                  meta.path("name").asText(),
                  null,
                  Map.of());
          String json = remove(one, s, grace);
          deleted.add(new Stored((ObjectNode) parse(json), json));
        }
      }
      return json(200, listJson(p, deleted, resourceVersion, null));
    }
  }

  /**
   * Deletes the object as the API server's generic registry does (BeforeDelete): a pod bound to a
   * node is deleted gracefully, i.e. only marked with {@code deletionTimestamp} (now + the grace
   * period) and {@code deletionGracePeriodSeconds}, and kept until a delete with a grace period of
   * 0 (the kubelet's, once the containers stopped) removes it; a second graceful delete may only
   * shorten the period. Any object with finalizers is only marked and kept until whoever removes
   * the last finalizer deletes it (see {@link #change}). Everything else goes at once.
   */
  private String remove(ApiPath p, Stored current, JsonNode gracePeriodSeconds) {
    ObjectNode object = current.object().deepCopy();
    ObjectNode meta = metadata(object);
    JsonNode finalizers = meta.path("finalizers");
    boolean finalized = finalizers.isArray() && !finalizers.isEmpty();
    long grace = 0;
    if (p.resourceKey().equals(PODS)) {
      if (meta.hasNonNull("deletionTimestamp")) {
        long pending = meta.path("deletionGracePeriodSeconds").asLong(0);
        if (pending > 0) {
          long requested =
              gracePeriodSeconds.isNumber() ? Math.max(gracePeriodSeconds.asLong(), 0) : pending;
          if (requested >= pending) {
            return current
                .json(); // already being deleted; only a shorter grace period changes anything
          }
          grace = requested;
          // The new deadline counts from when the graceful deletion was asked for, as upstream's.
          Instant asked =
              Instant.parse(meta.path("deletionTimestamp").asText()).minusSeconds(pending);
          meta.put("deletionTimestamp", timestamp(asked.plusSeconds(grace)));
          meta.put("deletionGracePeriodSeconds", grace);
          if (grace > 0 || finalized) {
            meta.put("resourceVersion", String.valueOf(++resourceVersion));
            return commit("MODIFIED", p, p.name(), object, current.object());
          }
        }
      } else {
        grace = podGracePeriod(current.object(), gracePeriodSeconds);
        if (grace > 0) {
          meta.put("deletionTimestamp", timestamp(clock.instant().plusSeconds(grace)));
          meta.put("deletionGracePeriodSeconds", grace);
          meta.put("resourceVersion", String.valueOf(++resourceVersion));
          return commit("MODIFIED", p, p.name(), object, current.object());
        }
      }
    }
    if (finalized) {
      if (meta.hasNonNull("deletionTimestamp")
          && meta.path("deletionGracePeriodSeconds").asLong(0) == 0) {
        return current.json();
      }
      meta.put("deletionTimestamp", now());
      // Without graceful deletion (or with its period over) the API server records a period of 0.
      meta.put("deletionGracePeriodSeconds", 0L);
      meta.put("resourceVersion", String.valueOf(++resourceVersion));
      return commit("MODIFIED", p, p.name(), object, current.object());
    }
    // A DELETED event carries the object's last state under the resourceVersion of the deletion.
    meta.put("resourceVersion", String.valueOf(++resourceVersion));
    return commit("DELETED", p, p.name(), object, current.object());
  }

  /**
   * The grace period of a pod's deletion, as the pod strategy's CheckGracefulDelete decides it: the
   * one asked for, else the pod's {@code terminationGracePeriodSeconds} (30, the API default, when
   * absent: this store does no defaulting); 0 for a pod no node runs (unbound) or that already
   * ended (Failed or Succeeded), since no kubelet has anything to stop.
   */
  static long podGracePeriod(JsonNode pod, JsonNode requested) {
    JsonNode spec = pod.path("spec");
    long period =
        requested.isNumber()
            ? requested.asLong()
            : spec.path("terminationGracePeriodSeconds").isNumber()
                ? spec.path("terminationGracePeriodSeconds").asLong()
                : DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS;
    if (spec.path("nodeName").asText("").isEmpty()) {
      period = 0;
    }
    String phase = pod.path("status").path("phase").asText("");
    if (phase.equals("Failed") || phase.equals("Succeeded")) {
      period = 0;
    }
    return period < 0 ? 1 : period;
  }

  /**
   * Stores {@code sent} (a PUT body or a patched copy) as the new state of {@code current}: the
   * server-owned metadata is kept, {@code /status} writes change only the status, a status
   * subresource protects the status from main-resource writes, and a write that changes nothing
   * gets no new resourceVersion and no event.
   */
  private String change(ApiPath p, Stored current, ObjectNode sent) {
    ObjectNode old = current.object();
    ObjectNode next;
    if (p.isStatus()) {
      next = old.deepCopy();
      setOrRemove(next, "status", sent.get("status"));
    } else {
      next = sent;
      if (statusSubresources.contains(p.resourceKey())) {
        setOrRemove(next, "status", old.get("status"));
      }
    }
    ObjectNode meta = metadata(next);
    JsonNode oldMeta = old.path("metadata");
    for (String field :
        List.of(
            "name",
            "namespace",
            "uid",
            "creationTimestamp",
            "resourceVersion",
            "generation",
            "deletionTimestamp",
            "deletionGracePeriodSeconds")) {
      setOrRemove(meta, field, oldMeta.get(field));
    }
    for (String field : List.of("apiVersion", "kind")) {
      if (!next.has(field) && old.has(field)) {
        next.set(field, old.get(field));
      }
    }
    if (next.equals(old)) {
      return current.json();
    }
    if (!p.isStatus() && changedOutsideMetadataAndStatus(old, next)) {
      meta.put("generation", oldMeta.path("generation").asLong(0) + 1);
    }
    meta.put("resourceVersion", String.valueOf(++resourceVersion));
    if (p.resourceKey().equals(CRDS)) {
      learnCrd(next);
    }
    JsonNode finalizers = meta.path("finalizers");
    // As the API server: an object marked for deletion goes once its last finalizer is removed,
    // unless a graceful deletion is still running (then the delete with period 0 removes it).
    if (meta.hasNonNull("deletionTimestamp")
        && meta.path("deletionGracePeriodSeconds").asLong(0) == 0
        && (!finalizers.isArray() || finalizers.isEmpty())) {
      return commit("DELETED", p, p.name(), next, old);
    }
    return commit("MODIFIED", p, p.name(), next, old);
  }

  /**
   * Stores (or, for DELETED, drops) the object, records the event and hands it to the resource's
   * watches.
   */
  private String commit(
      String type, ApiPath p, String name, ObjectNode object, ObjectNode previous) {
    String json = write(object);
    ConcurrentSkipListMap<String, Stored> table = table(p);
    String key = p.objectKey(name);
    if (type.equals("DELETED")) {
      table.remove(key);
    } else {
      table.put(key, new Stored(object, json));
    }
    SimWatch.Event event =
        new SimWatch.Event(type, resourceVersion, p.resourceKey(), object, json, previous);
    history.addLast(event);
    if (history.size() > historyLimit) {
      forgottenUpTo = history.removeFirst().resourceVersion;
    }
    List<SimWatch> interested = watches.get(p.resourceKey());
    if (interested != null) {
      // A copy: a watch whose socket is gone may unregister itself while being offered the event.
      for (SimWatch w : List.copyOf(interested)) {
        w.offer(event);
      }
    }
    return json;
  }

  // --- helpers -------------------------------------------------------------------------------

  private Stored existing(ApiPath p) {
    if (p.name() == null) {
      throw new ApiError(
          405, "MethodNotAllowed", "the collection " + p.resource() + " cannot be written to");
    }
    if (p.subresource() != null && !p.isStatus()) {
      throw new ApiError(
          404,
          "NotFound",
          "the server could not find the requested resource ("
              + p.resource()
              + "/"
              + p.subresource()
              + ")");
    }
    Stored s = table(p).get(p.objectKey(p.name()));
    if (s == null) {
      throw notFound(p, p.name());
    }
    return s;
  }

  private void requireVersion(ApiPath p, Stored current, String expected) {
    if (!expected.isEmpty() && !expected.equals(current.resourceVersion())) {
      throw conflict(
          p,
          "the object has been modified; please apply your changes to the latest version and "
              + "try again");
    }
  }

  private ApiError conflict(ApiPath p, String why) {
    return new ApiError(
        409,
        "Conflict",
        "Operation cannot be fulfilled on " + qualified(p) + " \"" + p.name() + "\": " + why);
  }

  private ApiError notFound(ApiPath p, String name) {
    return new ApiError(404, "NotFound", qualified(p) + " \"" + name + "\" not found");
  }

  /** "pods", "leases.coordination.k8s.io": how the API server names a resource in messages. */
  private static String qualified(ApiPath p) {
    int slash = p.groupVersion().indexOf('/');
    return slash < 0 ? p.resource() : p.resource() + "." + p.groupVersion().substring(0, slash);
  }

  private static boolean changedOutsideMetadataAndStatus(ObjectNode old, ObjectNode next) {
    Set<String> fields = new HashSet<>();
    old.fieldNames().forEachRemaining(fields::add);
    next.fieldNames().forEachRemaining(fields::add);
    for (String f : fields) {
      if (!f.equals("metadata")
          && !f.equals("status")
          && !java.util.Objects.equals(old.get(f), next.get(f))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Remembers kind and status subresource of a custom resource, as the API server does when a CRD
   * is created.
   */
  private void learnCrd(JsonNode crd) {
    JsonNode spec = crd.path("spec");
    String group = spec.path("group").asText();
    String plural = spec.path("names").path("plural").asText();
    String kind = spec.path("names").path("kind").asText();
    for (JsonNode version : spec.path("versions")) {
      String key = group + "/" + version.path("name").asText() + "/" + plural;
      crdKinds.put(key, kind);
      if (version.path("subresources").has("status")) {
        statusSubresources.add(key);
      } else {
        statusSubresources.remove(key);
      }
    }
  }

  private String kindOf(ApiPath p, List<Stored> items) {
    String kind = crdKinds.get(p.resourceKey());
    if (kind == null) {
      kind = builtInKinds.apply(p.groupVersion(), p.resource());
    }
    if (kind == null && !items.isEmpty()) {
      kind = items.get(0).object().path("kind").asText(null);
    }
    if (kind == null) {
      // An unknown, empty resource: "widgets" → "Widget", as good a guess as any.
      String singular =
          p.resource().endsWith("s")
              ? p.resource().substring(0, p.resource().length() - 1)
              : p.resource();
      kind =
          singular.isEmpty()
              ? "Unknown"
              : Character.toUpperCase(singular.charAt(0)) + singular.substring(1);
    }
    return kind;
  }

  private ConcurrentSkipListMap<String, Stored> table(ApiPath p) {
    return tables.computeIfAbsent(p.resourceKey(), k -> new ConcurrentSkipListMap<>());
  }

  private static String key(String namespace, String name) {
    return (namespace == null ? "" : namespace) + "/" + name;
  }

  private static SimSelector labelSelector(ApiPath p) {
    try {
      return SimSelector.labels(p.query().get("labelSelector"));
    } catch (IllegalArgumentException e) {
      throw new ApiError(400, "BadRequest", "unable to parse requirement: " + e.getMessage());
    }
  }

  private static SimSelector fieldSelector(ApiPath p) {
    try {
      return SimSelector.fields(p.query().get("fieldSelector"));
    } catch (IllegalArgumentException e) {
      throw new ApiError(400, "BadRequest", e.getMessage());
    }
  }

  private static long parseResourceVersion(String value) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new ApiError(400, "BadRequest", "invalid resource version: " + value);
    }
  }

  private String randomSuffix() {
    char[] suffix = new char[5];
    for (int i = 0; i < suffix.length; i++) {
      suffix[i] = NAME_SUFFIX_CHARS[random.nextInt(NAME_SUFFIX_CHARS.length)];
    }
    return new String(suffix);
  }

  private String now() {
    return timestamp(clock.instant());
  }

  private static String timestamp(Instant t) {
    return t.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  private static ObjectNode metadata(ObjectNode object) {
    JsonNode meta = object.get("metadata");
    if (meta instanceof ObjectNode m) {
      return m;
    }
    return object.putObject("metadata");
  }

  private static void setOrRemove(ObjectNode target, String field, JsonNode value) {
    if (value == null || value.isNull() || value.isMissingNode()) {
      target.remove(field);
    } else {
      target.set(field, value);
    }
  }

  private static JsonNode parse(String body) {
    try {
      return MAPPER.readTree(body == null ? "" : body);
    } catch (JsonProcessingException e) {
      throw new ApiError(400, "BadRequest", "invalid JSON: " + e.getOriginalMessage());
    }
  }

  private static ObjectNode parseObject(String body) {
    JsonNode node = parse(body);
    if (!(node instanceof ObjectNode object)) {
      throw new ApiError(400, "BadRequest", "the request body is not a JSON object");
    }
    return object;
  }

  private static String write(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static MockResponse json(int code, String body) {
    return new MockResponse()
        .setResponseCode(code)
        .setHeader("Content-Type", "application/json")
        .setBody(body);
  }

  static MockResponse status(int code, String reason, String message) {
    return json(code, statusJson(code, reason, message));
  }

  private static String statusJson(int code, String reason, String message) {
    ObjectNode status = MAPPER.createObjectNode();
    status.put("kind", "Status").put("apiVersion", "v1");
    status.putObject("metadata");
    status.put("status", "Failure").put("message", message).put("reason", reason).put("code", code);
    return write(status);
  }

  /** Closes every open watch from the server's side (fault injection); returns how many. */
  int dropWatches() {
    List<SimWatch> open = new ArrayList<>();
    synchronized (lock) {
      watches.values().forEach(open::addAll);
    }
    open.forEach(SimWatch::disconnect);
    return open.size();
  }

  /**
   * Forgets the whole watch history, as etcd's compaction does: a watch resumed from any
   * resourceVersion before now is answered 410 Gone (Expired), and its client must list again.
   */
  void compactHistory() {
    synchronized (lock) {
      history.clear();
      forgottenUpTo = resourceVersion;
    }
  }

  /** How many watches are open, per resource key (for tests). */
  Map<String, Integer> openWatches() {
    synchronized (lock) {
      Map<String, Integer> counts = new HashMap<>();
      watches.forEach((k, v) -> counts.put(k, v.size()));
      return counts;
    }
  }

  @Override
  public void shutdown() {
    List<SimWatch> open = new ArrayList<>();
    synchronized (lock) {
      watches.values().forEach(open::addAll);
    }
    open.forEach(SimWatch::close);
  }
}
