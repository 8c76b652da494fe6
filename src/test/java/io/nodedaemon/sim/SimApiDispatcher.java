package io.nodedaemon.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.APIGroupBuilder;
import io.fabric8.kubernetes.api.model.APIGroupListBuilder;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceBuilder;
import io.fabric8.kubernetes.api.model.APIResourceListBuilder;
import io.fabric8.kubernetes.api.model.APIVersionsBuilder;
import io.fabric8.kubernetes.api.model.GroupVersionForDiscoveryBuilder;
import io.fabric8.kubernetes.api.model.RootPathsBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.internal.MockDispatcher;
import io.fabric8.mockwebserver.internal.SimpleRequest;
import io.nodedaemon.api.NodeDaemon;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.TimeUnit;

/**
 * The front of the simulated API server: serves discovery, records writes, lets failures injected
 * with {@code server.expect()} win, and hands everything else to the object store ({@link
 * SimApiStore}, or fabric8's CRUD mock for comparison).
 *
 * <p>Discovery ({@code /api}, {@code /apis}, the group-version resource lists, {@code /version}):
 * fabric8's CRUD dispatcher answers {@code /api} with a list of every stored object (its path
 * parser matches nothing, so the empty query matches everything), so kubectl and {@code
 * genericKubernetesResources} cannot work against the bare mock.
 *
 * <p>Injected failures: the operator's faults ({@link SimFaults}) first, then expectations, looked
 * up by method and full path (query included) before the store sees the request, as fabric8's
 * {@code KubernetesMixedDispatcher} does.
 */
final class SimApiDispatcher extends Dispatcher {

  private static final List<String> ALL_VERBS =
      List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");
  private static final List<String> STATUS_VERBS = List.of("get", "patch", "update");

  /** One served resource of a group-version. */
  private record Res(
      String name,
      String kind,
      boolean namespaced,
      List<String> shortNames,
      List<String> categories,
      boolean status) {}

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /**
   * The served resources by group-version: the discovery documents, and the kinds that name lists.
   */
  private static final Map<String, List<Res>> RESOURCES = new LinkedHashMap<>();

  static {
    RESOURCES.put(
        "v1",
        List.of(
            new Res("pods", "Pod", true, List.of("po"), List.of("all"), true),
            new Res("nodes", "Node", false, List.of("no"), List.of(), true),
            new Res("namespaces", "Namespace", false, List.of("ns"), List.of(), true),
            new Res("events", "Event", true, List.of("ev"), List.of(), false),
            new Res("configmaps", "ConfigMap", true, List.of("cm"), List.of(), false),
            new Res("serviceaccounts", "ServiceAccount", true, List.of("sa"), List.of(), false)));
    RESOURCES.put(
        "apps/v1",
        List.of(
            new Res("controllerrevisions", "ControllerRevision", true, List.of(), List.of(), false),
            new Res("daemonsets", "DaemonSet", true, List.of("ds"), List.of("all"), true),
            new Res("deployments", "Deployment", true, List.of("deploy"), List.of("all"), true)));
    RESOURCES.put(
        "coordination.k8s.io/v1",
        List.of(new Res("leases", "Lease", true, List.of(), List.of(), false)));
    RESOURCES.put(
        "events.k8s.io/v1",
        List.of(new Res("events", "Event", true, List.of("ev"), List.of(), false)));
    RESOURCES.put(
        "apiextensions.k8s.io/v1",
        List.of(
            new Res(
                "customresourcedefinitions",
                "CustomResourceDefinition",
                false,
                List.of("crd", "crds"),
                List.of("api-extensions"),
                true)));
    RESOURCES.put(
        NodeDaemon.API_VERSION,
        List.of(
            new Res("nodedaemons", NodeDaemon.KIND, true, List.of("nd"), List.of("all"), true)));
  }

  private final Map<String, List<Res>> resources = RESOURCES;
  private final Map<ServerRequest, Queue<ServerResponse>> expectations;
  private final Dispatcher injectedFailures;
  private final Dispatcher store;
  private final MockWebServer webServer;
  private final String gitVersion;

  /**
   * @param store answers every request that is neither discovery nor an injected failure
   * @param expectations the map that {@code server.expect()} fills
   */
  SimApiDispatcher(
      Dispatcher store,
      Map<ServerRequest, Queue<ServerResponse>> expectations,
      MockWebServer webServer,
      String gitVersion) {
    this.store = store;
    this.expectations = expectations;
    this.injectedFailures = new MockDispatcher(expectations);
    this.webServer = webServer;
    this.gitVersion = gitVersion;
  }

  /**
   * The kind of a served built-in resource, e.g. ("apps/v1", "daemonsets") → "DaemonSet"; null if
   * unknown.
   */
  static String kindOf(String groupVersion, String resource) {
    for (Res r : RESOURCES.getOrDefault(groupVersion, List.of())) {
      if (r.name().equals(resource)) {
        return r.kind();
      }
    }
    return null;
  }

  /** Writes (any method but GET) by "METHOD path-without-query", for tests that count API calls. */
  final WriteLog writes = new WriteLog();

  /** Faults injected for the operator's requests (see {@link SimFaults}). */
  final SimFaults faults = new SimFaults();

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    forgetRecordedRequest();
    if ("GET".equals(request.getMethod())) {
      return answer(request);
    }
    String path = request.getPath();
    int query = path.indexOf('?');
    // Recorded on arrival, so the log keeps the order the server saw; the status follows.
    int place =
        writes.record(
            request.getMethod() + " " + (query < 0 ? path : path.substring(0, query)),
            java.time.Instant.now(),
            request.getHeader("User-Agent"));
    MockResponse response = answer(request);
    writes.answered(place, response.code());
    return response;
  }

  private MockResponse answer(RecordedRequest request) {
    String path = request.getPath();
    int query = path.indexOf('?');
    // Discovery is matched on the bare path: kubectl appends ?timeout=32s, which would
    // otherwise miss every expectation and fall through to the store.
    String bare = query < 0 ? path : path.substring(0, query);
    if (bare.length() > 1 && bare.endsWith("/")) {
      bare = bare.substring(0, bare.length() - 1);
    }
    boolean isWatch = "GET".equals(request.getMethod()) && path.contains("watch=true");
    MockResponse failed = faults.answer(request, bare, isWatch);
    if (failed != null) {
      return failed;
    }
    if ("GET".equals(request.getMethod())) {
      Object doc = discovery(bare);
      if (doc != null) {
        return new MockResponse()
            .setResponseCode(200)
            .setHeader("Content-Type", "application/json")
            .setBody(Serialization.asJson(doc));
      }
    }
    Queue<ServerResponse> injected =
        expectations.get(
            new SimpleRequest(HttpMethod.valueOf(request.getMethod()), request.getPath()));
    if (injected != null && !injected.isEmpty()) {
      return injectedFailures.dispatch(request);
    }
    java.time.Duration delay = faults.delayOf(request, bare, isWatch);
    MockResponse response = store.dispatch(request);
    if ("GET".equals(request.getMethod())
        && response.code() == 200
        && SimTables.wanted(request.getHeader("Accept"), path)) {
      response = asTable(bare, response);
    }
    // The store has served the request; only its answer is late (the server's event loop is
    // not blocked meanwhile).
    return delay == null ? response : response.setBodyDelay(delay);
  }

  /**
   * The stored object or list as a Table, when its kind has printer columns here (see {@link
   * SimTables}).
   */
  private MockResponse asTable(String path, MockResponse response) {
    String[] parts = path.split("/");
    List<io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition> columns =
        null;
    String kind = null;
    // /api/v1/[namespaces/NS/]pods[/NAME] or /apis/GROUP/VERSION/[namespaces/NS/]PLURAL[/NAME]
    int resourceAt = parts.length > 1 && "api".equals(parts[1]) ? 3 : 4;
    if (parts.length > resourceAt + 1 && "namespaces".equals(parts[resourceAt])) {
      resourceAt += 2;
    }
    if (parts.length <= resourceAt) {
      return response;
    }
    String resource = parts[resourceAt];
    if (resourceAt >= 4 && parts[1].equals("apis")) {
      MockResponse crd =
          store.dispatch(
              new RecordedRequest(
                  "HTTP/1.1",
                  HttpMethod.GET,
                  "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"
                      + resource
                      + "."
                      + parts[2],
                  new Headers.Builder().build(),
                  new Buffer()));
      if (crd.code() == 200) {
        var definition =
            Serialization.unmarshal(
                crd.getBody().readUtf8(),
                io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition.class);
        columns =
            definition.getSpec().getVersions().stream()
                .filter(v -> v.getName().equals(parts[3]))
                .findFirst()
                .map(v -> v.getAdditionalPrinterColumns())
                .orElse(List.of());
      }
    } else {
      kind = kindOf("v1", resource);
    }
    if (columns == null && kind == null) {
      return response;
    }
    String body = response.getBody().readUtf8();
    String table = SimTables.table(body, kind, columns, java.time.Instant.now());
    return new MockResponse()
        .setResponseCode(200)
        .setHeader("Content-Type", "application/json")
        .setBody(table == null ? body : table);
  }

  /** RFC 7386: objects merge recursively, null removes a member, anything else replaces. */
  static JsonNode applyMergePatch(JsonNode target, JsonNode patch) {
    if (!patch.isObject()) {
      return patch.deepCopy();
    }
    ObjectNode result =
        target != null && target.isObject()
            ? ((ObjectNode) target).deepCopy()
            : MAPPER.createObjectNode();
    patch
        .fields()
        .forEachRemaining(
            e -> {
              if (e.getValue().isNull()) {
                result.remove(e.getKey());
              } else {
                result.set(e.getKey(), applyMergePatch(result.get(e.getKey()), e.getValue()));
              }
            });
    return result;
  }

  /**
   * MockWebServer keeps every request (with its body) in a queue for {@code takeRequest()}; nothing
   * here reads it, so a long demo or benchmark would grow it without bound.
   */
  private void forgetRecordedRequest() {
    try {
      webServer.takeRequest(0, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private Object discovery(String path) {
    switch (path) {
      case "", "/":
        List<String> paths = new ArrayList<>(List.of("/api", "/api/v1", "/apis", "/version"));
        resources.keySet().stream()
            .filter(gv -> gv.contains("/"))
            .forEach(gv -> paths.add("/apis/" + gv));
        return new RootPathsBuilder().withPaths(paths).build();
      case "/version":
        return Map.of(
            "major",
            "1",
            "minor",
            "33",
            "gitVersion",
            gitVersion,
            "platform",
            "linux/amd64",
            "goVersion",
            "go1.24",
            "compiler",
            "gc",
            "gitTreeState",
            "clean");
      case "/api":
        return new APIVersionsBuilder()
            .withVersions("v1")
            .addNewServerAddressByClientCIDR()
            .withClientCIDR("0.0.0.0/0")
            .withServerAddress("127.0.0.1")
            .endServerAddressByClientCIDR()
            .build();
      case "/apis":
        APIGroupListBuilder groups = new APIGroupListBuilder();
        resources.keySet().stream()
            .filter(gv -> gv.contains("/"))
            .forEach(
                gv -> {
                  String group = gv.substring(0, gv.indexOf('/'));
                  var version =
                      new GroupVersionForDiscoveryBuilder()
                          .withGroupVersion(gv)
                          .withVersion(gv.substring(gv.indexOf('/') + 1))
                          .build();
                  groups.addToGroups(
                      new APIGroupBuilder()
                          .withName(group)
                          .withVersions(version)
                          .withPreferredVersion(version)
                          .build());
                });
        return groups.build();
      default:
        String gv =
            path.startsWith("/api/")
                ? path.substring("/api/".length())
                : path.startsWith("/apis/") ? path.substring("/apis/".length()) : null;
        if (gv == null
            || !resources.containsKey(gv)
            || path.startsWith("/api/") == gv.contains("/")) {
          return null;
        }
        return new APIResourceListBuilder()
            .withGroupVersion(gv)
            .withResources(apiResources(gv))
            .build();
    }
  }

  private List<APIResource> apiResources(String gv) {
    List<APIResource> list = new ArrayList<>();
    for (Res r : resources.get(gv)) {
      list.add(
          new APIResourceBuilder()
              .withName(r.name())
              .withSingularName(r.kind().toLowerCase())
              .withKind(r.kind())
              .withNamespaced(r.namespaced())
              .withVerbs(ALL_VERBS)
              .withShortNames(r.shortNames().isEmpty() ? null : r.shortNames())
              .withCategories(r.categories().isEmpty() ? null : r.categories())
              .build());
      if (r.status()) {
        list.add(
            new APIResourceBuilder()
                .withName(r.name() + "/status")
                .withSingularName("")
                .withKind(r.kind())
                .withNamespaced(r.namespaced())
                .withVerbs(STATUS_VERBS)
                .build());
      }
    }
    return list;
  }

  @Override
  public void shutdown() {
    store.shutdown();
  }
}
