package io.nodedaemon.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonSpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulatedClusterTest {

  static SimulatedCluster cluster;
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    cluster = SimulatedCluster.start();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static String get(String path) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(cluster.url() + path)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path).isEqualTo(200);
    return r.body();
  }

  @Test
  void servesDiscoveryDocumentsEvenWithKubectlTimeoutQuery() throws Exception {
    assertThat(get("/api?timeout=32s")).contains("\"kind\":\"APIVersions\"").contains("\"v1\"");
    assertThat(get("/apis?timeout=32s"))
        .contains("\"kind\":\"APIGroupList\"")
        .contains("\"groupVersion\":\"nodedaemon.io/v1alpha1\"")
        .contains("\"groupVersion\":\"apps/v1\"")
        .contains("\"groupVersion\":\"coordination.k8s.io/v1\"")
        .contains("\"groupVersion\":\"events.k8s.io/v1\"");
    assertThat(get("/api/v1"))
        .contains("\"name\":\"pods\"")
        .contains("\"name\":\"nodes\"")
        .contains("\"name\":\"events\"")
        .contains("\"name\":\"namespaces\"");
    assertThat(get("/apis/nodedaemon.io/v1alpha1"))
        .contains("\"name\":\"nodedaemons\"")
        .contains("\"shortNames\":[\"nd\"]")
        .contains("\"categories\":[\"all\"]")
        .contains("\"namespaced\":true")
        .contains("\"name\":\"nodedaemons/status\"");
    assertThat(get("/version")).contains(SimulatedCluster.GIT_VERSION);
    assertThat(cluster.client().getKubernetesVersion().getMinor()).isEqualTo("33");
  }

  @Test
  void listsResourcesAfterDiscoveryWithoutMixingThemUp() throws Exception {
    cluster.createNamespace("discovery");
    assertThat(get("/api/v1/namespaces?timeout=32s&limit=500"))
        .contains("\"name\":\"discovery\"")
        .doesNotContain("CustomResourceDefinition");
  }

  @Test
  void nodeDaemonCanBeCreatedListedWatchedAndStatusPatched() {
    var nds = cluster.client().resources(NodeDaemon.class).inNamespace("default");
    List<String> events = new CopyOnWriteArrayList<>();
    try (var watch =
        nds.watch(
            new Watcher<NodeDaemon>() {
              @Override
              public void eventReceived(Action action, NodeDaemon resource) {
                events.add(
                    action
                        + " "
                        + resource.getMetadata().getName()
                        + " gen="
                        + resource.getMetadata().getGeneration()
                        + " ready="
                        + (resource.getStatus() == null
                            ? null
                            : resource.getStatus().getNumberReady()));
              }

              @Override
              public void onClose(WatcherException cause) {}
            })) {
      NodeDaemon created = nds.resource(nodeDaemon("watched", "img:1")).create();
      assertThat(created.getMetadata().getGeneration()).isEqualTo(1L);
      assertThat(nds.list().getItems())
          .extracting(nd -> nd.getMetadata().getName())
          .contains("watched");

      nds.withName("watched")
          .subresource("status")
          .patch(
              PatchContext.of(PatchType.JSON_MERGE),
              "{\"status\":{\"numberReady\":3,\"desiredNumberScheduled\":3,\"observedGeneration\":1}}");
      NodeDaemon afterStatus = nds.withName("watched").get();
      assertThat(afterStatus.getStatus().getNumberReady()).isEqualTo(3);
      // A status write must not bump the generation, or observedGeneration could never catch up.
      assertThat(afterStatus.getMetadata().getGeneration()).isEqualTo(1L);

      // And a spec write must neither touch status nor keep the generation.
      nds.withName("watched")
          .edit(
              nd -> {
                nd.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("img:2");
                nd.getStatus().setNumberReady(0);
                return nd;
              });
      NodeDaemon afterSpec = nds.withName("watched").get();
      assertThat(afterSpec.getMetadata().getGeneration()).isEqualTo(2L);
      assertThat(afterSpec.getStatus().getNumberReady()).isEqualTo(3);

      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () ->
                  assertThat(events)
                      .contains(
                          "ADDED watched gen=1 ready=null",
                          "MODIFIED watched gen=1 ready=3",
                          "MODIFIED watched gen=2 ready=3"));
    }
  }

  @Test
  void mergePatchReplacesListsAsRfc7386SaysUnlikeTheBareMock() {
    var nds = cluster.client().resources(NodeDaemon.class).inNamespace("default");
    nds.resource(nodeDaemon("conditions", "img:1")).create();
    var status = nds.withName("conditions").subresource("status");
    status.patch(
        PatchContext.of(PatchType.JSON_MERGE),
        "{\"status\":{\"conditions\":["
            + "{\"type\":\"Reconciling\",\"status\":\"True\"},{\"type\":\"Ready\",\"status\":\"False\"}]}}");
    status.patch(
        PatchContext.of(PatchType.JSON_MERGE),
        "{\"status\":{\"conditions\":["
            + "{\"type\":\"Ready\",\"status\":\"True\"}],\"updateRevision\":null,\"numberReady\":1}}");
    NodeDaemon nd = nds.withName("conditions").get();
    assertThat(nd.getStatus().getConditions())
        .singleElement()
        .satisfies(c -> assertThat(c.getType() + "=" + c.getStatus()).isEqualTo("Ready=True"));
    assertThat(nd.getStatus().getNumberReady()).isEqualTo(1);
    assertThat(nd.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("img:1");
  }

  @Test
  void mergePatchHonoursResourceVersionPreconditions() {
    var nds = cluster.client().resources(NodeDaemon.class).inNamespace("default");
    NodeDaemon created = nds.resource(nodeDaemon("locked", "img:1")).create();
    int mark = cluster.writes().mark();
    nds.withName("locked")
        .edit(
            nd -> {
              nd.getMetadata().setLabels(java.util.Map.of("changed", "yes"));
              return nd;
            });
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                nds.withName("locked")
                    .patch(
                        PatchContext.of(PatchType.JSON_MERGE),
                        "{\"metadata\":{\"resourceVersion\":\""
                            + created.getMetadata().getResourceVersion()
                            + "\",\"labels\":{\"x\":\"y\"}}}"))
        .isInstanceOf(io.fabric8.kubernetes.client.KubernetesClientException.class)
        .satisfies(
            e ->
                assertThat(((io.fabric8.kubernetes.client.KubernetesClientException) e).getCode())
                    .isEqualTo(409));
    // The write log keeps what the server answered: the edit went through, the stale patch not.
    assertThat(cluster.writes().sinceBy(mark, agent -> true))
        .filteredOn(write -> write.contains("/nodedaemons/locked "))
        .map(write -> write.substring(0, write.indexOf("  [")))
        .containsExactly(
            "PATCH /apis/nodedaemon.io/v1alpha1/namespaces/default/nodedaemons/locked -> 200",
            "PATCH /apis/nodedaemon.io/v1alpha1/namespaces/default/nodedaemons/locked -> 409");
  }

  @Test
  void nodeDaemonIsReachableAsGenericResourceThroughDiscovery() {
    cluster
        .client()
        .resources(NodeDaemon.class)
        .inNamespace("default")
        .resource(nodeDaemon("generic", "img:1"))
        .create();
    List<GenericKubernetesResource> items =
        cluster
            .client()
            .genericKubernetesResources(NodeDaemon.API_VERSION, NodeDaemon.KIND)
            .inNamespace("default")
            .list()
            .getItems();
    assertThat(items).extracting(r -> r.getMetadata().getName()).contains("generic");
  }

  @Test
  void writtenKubeconfigPointsAClientAtTheCluster(@TempDir Path dir) throws Exception {
    Path file = cluster.writeKubeconfig(dir.resolve("kubeconfig"));
    cluster.addNode(SimNode.named("kubeconfig-node").build());
    Config config = Config.fromKubeconfig(Files.readString(file));
    try (KubernetesClient other = new KubernetesClientBuilder().withConfig(config).build()) {
      assertThat(other.getMasterUrl().toString()).startsWith(cluster.url());
      assertThat(other.nodes().withName("kubeconfig-node").get()).isNotNull();
    } finally {
      cluster.removeNode("kubeconfig-node");
    }
    assertThat(cluster.client().nodes().withName("kubeconfig-node").get()).isNull();
  }

  static NodeDaemon nodeDaemon(String name, String image) {
    NodeDaemon nd = new NodeDaemon();
    nd.getMetadata().setName(name);
    NodeDaemonSpec spec = new NodeDaemonSpec();
    spec.setSelector(new LabelSelectorBuilder().addToMatchLabels("name", name).build());
    spec.setTemplate(
        new PodTemplateSpecBuilder()
            .withNewMetadata()
            .addToLabels("name", name)
            .endMetadata()
            .withNewSpec()
            .addNewContainer()
            .withName("c")
            .withImage(image)
            .endContainer()
            .endSpec()
            .build());
    nd.setSpec(spec);
    return nd;
  }
}
