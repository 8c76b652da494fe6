package io.nodedaemon.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.WebSocket;
import io.nodedaemon.api.NodeDaemon;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link SimApiStore} through a real fabric8 client against a {@link SimulatedCluster}. */
class SimApiStoreTest {

  static SimulatedCluster cluster;
  static KubernetesClient client;

  @BeforeAll
  static void start() {
    cluster = SimulatedCluster.start();
    client = cluster.client();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static Pod pod(String name, Map<String, String> labels, String nodeName) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
        .withNodeName(nodeName)
        .addNewContainer()
        .withName("c")
        .withImage("img:1")
        .endContainer()
        .endSpec()
        .build();
  }

  static List<String> names(List<Pod> pods) {
    return pods.stream().map(p -> p.getMetadata().getName()).toList();
  }

  @Test
  void createGetAndListWithLabelAndFieldSelectors() {
    var pods = client.pods().inNamespace("selectors");
    pods.resource(pod("a", Map.of("app", "x", "tier", "web"), "n1")).create();
    pods.resource(pod("b", Map.of("app", "x", "tier", "db"), "n2")).create();
    pods.resource(pod("c", Map.of("app", "y"), null)).create();
    client.pods().inNamespace("elsewhere").resource(pod("d", Map.of("app", "x"), "n1")).create();

    Pod a = pods.withName("a").get();
    assertThat(a.getMetadata().getNamespace()).isEqualTo("selectors");
    assertThat(a.getMetadata().getUid()).isNotBlank();
    assertThat(a.getMetadata().getCreationTimestamp())
        .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
    assertThat(a.getMetadata().getGeneration()).isEqualTo(1L);
    assertThat(pods.withName("missing").get()).isNull();

    assertThat(names(pods.list().getItems())).containsExactly("a", "b", "c");
    assertThat(names(pods.withLabel("app", "x").list().getItems())).containsExactly("a", "b");
    assertThat(names(pods.withLabelNotIn("tier", "web").list().getItems()))
        .containsExactly("b", "c");
    assertThat(names(pods.withLabelIn("tier", "web", "db").list().getItems()))
        .containsExactly("a", "b");
    assertThat(names(pods.withLabel("tier").list().getItems())).containsExactly("a", "b");
    assertThat(names(pods.withoutLabel("tier").list().getItems())).containsExactly("c");
    assertThat(names(pods.withoutLabel("app", "x").list().getItems())).containsExactly("c");
    assertThat(names(pods.withField("spec.nodeName", "n1").list().getItems())).containsExactly("a");
    assertThat(names(pods.withField("spec.nodeName", "").list().getItems())).containsExactly("c");
    assertThat(names(pods.withField("metadata.name", "b").list().getItems())).containsExactly("b");
    assertThat(names(client.pods().inAnyNamespace().withLabel("app", "x").list().getItems()))
        .containsExactly("d", "a", "b"); // sorted by namespace, then name, as the API server lists
    var list = pods.list();
    assertThat(list.getMetadata().getResourceVersion()).isNotBlank();
    assertThat(Long.parseLong(list.getMetadata().getResourceVersion()))
        .isGreaterThanOrEqualTo(Long.parseLong(a.getMetadata().getResourceVersion()));
  }

  @Test
  void listsArePagedWhenTheClientAsksForALimit() {
    var pods = client.pods().inNamespace("paged");
    for (int i = 0; i < 7; i++) {
      pods.resource(pod("p" + i, Map.of("app", "paged"), "n1")).create();
    }
    var first =
        pods.list(new io.fabric8.kubernetes.api.model.ListOptionsBuilder().withLimit(3L).build());
    assertThat(first.getItems())
        .extracting(p -> p.getMetadata().getName())
        .containsExactly("p0", "p1", "p2");
    assertThat(first.getMetadata().getContinue()).isNotEmpty();
    var second =
        pods.list(
            new io.fabric8.kubernetes.api.model.ListOptionsBuilder()
                .withLimit(3L)
                .withContinue(first.getMetadata().getContinue())
                .build());
    assertThat(second.getItems())
        .extracting(p -> p.getMetadata().getName())
        .containsExactly("p3", "p4", "p5");
    assertThat(second.getMetadata().getResourceVersion())
        .isEqualTo(first.getMetadata().getResourceVersion());
    var last =
        pods.list(
            new io.fabric8.kubernetes.api.model.ListOptionsBuilder()
                .withLimit(3L)
                .withContinue(second.getMetadata().getContinue())
                .build());
    assertThat(last.getItems()).extracting(p -> p.getMetadata().getName()).containsExactly("p6");
    assertThat(last.getMetadata().getContinue()).isNullOrEmpty();
    // An informer with a list limit pages through all of them.
    try (var informer = pods.withLimit(2L).inform()) {
      org.awaitility.Awaitility.await().until(() -> informer.getStore().list().size() == 7);
    }
  }

  @Test
  void missingObjectsAnswer404WithAKubernetesStatus() throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(cluster.url() + "/api/v1/namespaces/default/pods/nope"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(r.body()).contains("\"kind\":\"Status\"", "\"reason\":\"NotFound\"", "\"code\":404");
    assertThat(client.pods().inNamespace("default").withName("nope").delete()).isEmpty();
  }

  @Test
  void generateNameAppendsFiveRandomCharacters() {
    Pod created =
        client
            .pods()
            .inNamespace("generated")
            .resource(
                new PodBuilder()
                    .withNewMetadata()
                    .withGenerateName("agent-")
                    .endMetadata()
                    .withNewSpec()
                    .addNewContainer()
                    .withName("c")
                    .withImage("i")
                    .endContainer()
                    .endSpec()
                    .build())
            .create();
    assertThat(created.getMetadata().getName()).matches("agent-[a-z0-9]{5}");
  }

  @Test
  void createOfATakenNameAndUpdateFromAStaleResourceVersionConflict() {
    var leases = client.leases().inNamespace("conflicts");
    Lease lease =
        leases
            .resource(
                new LeaseBuilder()
                    .withNewMetadata()
                    .withName("lock")
                    .endMetadata()
                    .withNewSpec()
                    .withHolderIdentity("one")
                    .endSpec()
                    .build())
            .create();
    assertThatThrownBy(() -> leases.resource(lease).create())
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));

    Lease taken =
        leases
            .resource(
                new LeaseBuilder(lease).editSpec().withHolderIdentity("two").endSpec().build())
            .update();
    assertThat(Long.parseLong(taken.getMetadata().getResourceVersion()))
        .isGreaterThan(Long.parseLong(lease.getMetadata().getResourceVersion()));
    // The loser of a leader election race still holds the old resourceVersion.
    assertThatThrownBy(
            () ->
                leases
                    .resource(
                        new LeaseBuilder(lease)
                            .editSpec()
                            .withHolderIdentity("three")
                            .endSpec()
                            .build())
                    .update())
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
    assertThat(leases.withName("lock").get().getSpec().getHolderIdentity()).isEqualTo("two");
  }

  @Test
  void generationCountsSpecChangesOnly() {
    var nds = client.resources(NodeDaemon.class).inNamespace("generations");
    nds.resource(SimulatedClusterTest.nodeDaemon("gen", "img:1")).create();
    NodeDaemon labelled =
        nds.withName("gen")
            .edit(
                nd -> {
                  nd.getMetadata().setLabels(Map.of("touched", "yes"));
                  return nd;
                });
    assertThat(labelled.getMetadata().getGeneration()).isEqualTo(1L);
    nds.withName("gen")
        .subresource("status")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"numberReady\":1}}");
    assertThat(nds.withName("gen").get().getMetadata().getGeneration()).isEqualTo(1L);
    NodeDaemon changed =
        nds.withName("gen")
            .edit(
                nd -> {
                  nd.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("img:2");
                  return nd;
                });
    assertThat(changed.getMetadata().getGeneration()).isEqualTo(2L);
    // A custom resource with a status subresource ignores the status of main-resource writes.
    nds.withName("gen")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"numberReady\":7}}");
    assertThat(nds.withName("gen").get().getStatus().getNumberReady()).isEqualTo(1);
  }

  @Test
  void mergePatchReplacesListsAndJsonPatchAppliesOperations() {
    var cms = client.configMaps().inNamespace("patches");
    cms.resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("cm")
                .withFinalizers("a", "b")
                .endMetadata()
                .addToData("k", "v")
                .build())
        .create();
    cms.withName("cm")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"metadata\":{\"finalizers\":[\"c\"]},\"data\":{\"k\":null,\"n\":\"1\"}}");
    ConfigMap merged = cms.withName("cm").get();
    assertThat(merged.getMetadata().getFinalizers()).containsExactly("c");
    assertThat(merged.getData()).containsExactly(Map.entry("n", "1"));
    cms.withName("cm")
        .patch(
            PatchContext.of(PatchType.JSON),
            "[{\"op\":\"add\",\"path\":\"/data/m\",\"value\":\"2\"},{\"op\":\"remove\",\"path\":\"/metadata/finalizers\"}]");
    ConfigMap patched = cms.withName("cm").get();
    assertThat(patched.getData()).containsEntry("m", "2").containsEntry("n", "1");
    assertThat(patched.getMetadata().getFinalizers()).isEmpty();
    assertThatThrownBy(
            () ->
                cms.withName("cm")
                    .patch(
                        PatchContext.of(PatchType.JSON_MERGE),
                        "{\"metadata\":{\"resourceVersion\":\"1\"},\"data\":{\"x\":\"y\"}}"))
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(409));
  }

  @Test
  void finalizersHoldADeletedObjectUntilTheLastIsRemoved() {
    var cms = client.configMaps().inNamespace("finalizers");
    List<String> events = new CopyOnWriteArrayList<>();
    try (var watch = cms.watch(recorder(events))) {
      cms.resource(
              new ConfigMapBuilder()
                  .withNewMetadata()
                  .withName("held")
                  .withFinalizers("example.com/x")
                  .endMetadata()
                  .build())
          .create();
      cms.withName("held").delete();
      ConfigMap terminating = cms.withName("held").get();
      assertThat(terminating).isNotNull();
      assertThat(terminating.getMetadata().getDeletionTimestamp()).isNotBlank();
      assertThat(terminating.getMetadata().getDeletionGracePeriodSeconds()).isZero();
      cms.withName("held")
          .edit(
              cm -> {
                cm.getMetadata().setFinalizers(List.of());
                return cm;
              });
      assertThat(cms.withName("held").get()).isNull();
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () ->
                  assertThat(events)
                      .containsExactly("ADDED held", "MODIFIED held", "DELETED held"));
    }
  }

  @Test
  void aBoundPodIsOnlyMarkedForDeletionUntilADeleteWithPeriodZero() {
    var pods = client.pods().inNamespace("graceful");
    List<String> events = new CopyOnWriteArrayList<>();
    try (var watch = pods.watch(recorder(events))) {
      Pod bound = pod("bound", Map.of(), "n1");
      bound.getSpec().setTerminationGracePeriodSeconds(20L);
      pods.resource(bound).create();
      Instant asked = Instant.now().truncatedTo(ChronoUnit.SECONDS);

      pods.withName("bound").delete();
      Pod terminating = pods.withName("bound").get();
      pods.withName("bound").delete(); // a second graceful delete is already under way: no change
      Pod unchanged = pods.withName("bound").get();
      pods.withName("bound").withGracePeriod(0).delete();

      assertThat(terminating.getMetadata().getDeletionGracePeriodSeconds()).isEqualTo(20L);
      assertThat(Instant.parse(terminating.getMetadata().getDeletionTimestamp()))
          .isBetween(asked.plusSeconds(20), asked.plusSeconds(21));
      assertThat(unchanged.getMetadata().getResourceVersion())
          .isEqualTo(terminating.getMetadata().getResourceVersion());
      assertThat(pods.withName("bound").get()).isNull();
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () ->
                  assertThat(events)
                      .containsExactly("ADDED bound", "MODIFIED bound", "DELETED bound"));
    }
  }

  @Test
  void aPodWithoutAGracePeriodGetsTheDefaultThirtySecondsAndALaterDeleteMayShortenIt() {
    var pods = client.pods().inNamespace("graceful-default");
    pods.resource(pod("p", Map.of(), "n1")).create();

    pods.withName("p").delete();
    Pod marked = pods.withName("p").get();
    pods.withName("p").withGracePeriod(5).delete();
    Pod shortened = pods.withName("p").get();

    assertThat(marked.getMetadata().getDeletionGracePeriodSeconds()).isEqualTo(30L);
    assertThat(shortened.getMetadata().getDeletionGracePeriodSeconds()).isEqualTo(5L);
    // The deadline counts from when the deletion was first asked for.
    assertThat(Instant.parse(shortened.getMetadata().getDeletionTimestamp()))
        .isEqualTo(Instant.parse(marked.getMetadata().getDeletionTimestamp()).minusSeconds(25));
  }

  @Test
  void unboundEndedAndZeroGracePeriodPodsAreDeletedAtOnce() {
    var pods = client.pods().inNamespace("at-once");
    pods.resource(pod("unbound", Map.of(), null)).create();
    pods.resource(
            new PodBuilder(pod("failed", Map.of(), "n1"))
                .withNewStatus()
                .withPhase("Failed")
                .endStatus()
                .build())
        .create();
    pods.resource(
            new PodBuilder(pod("succeeded", Map.of(), "n1"))
                .withNewStatus()
                .withPhase("Succeeded")
                .endStatus()
                .build())
        .create();
    pods.resource(pod("forced", Map.of(), "n1")).create();

    pods.withName("unbound").delete();
    pods.withName("failed").delete();
    pods.withName("succeeded").delete();
    pods.withName("forced").withGracePeriod(0).delete();

    assertThat(pods.list().getItems()).isEmpty();
  }

  @Test
  void aBoundPodWithFinalizersStaysAfterItsGracefulDeletionEndsUntilTheyAreRemoved() {
    var pods = client.pods().inNamespace("graceful-finalizers");
    pods.resource(
            new PodBuilder(pod("held", Map.of(), "n1"))
                .editMetadata()
                .withFinalizers("example.com/x")
                .endMetadata()
                .build())
        .create();

    pods.withName("held").delete();
    pods.withName("held")
        .edit(
            p ->
                new PodBuilder(p)
                    .editMetadata()
                    .addToLabels("touched", "yes")
                    .endMetadata()
                    .build());
    Pod graceful = pods.withName("held").get();
    pods.withName("held").withGracePeriod(0).delete();
    Pod finalizing = pods.withName("held").get();
    pods.withName("held")
        .edit(
            p -> new PodBuilder(p).editMetadata().withFinalizers(List.of()).endMetadata().build());

    assertThat(graceful.getMetadata().getDeletionGracePeriodSeconds()).isEqualTo(30L);
    assertThat(finalizing.getMetadata().getDeletionGracePeriodSeconds()).isZero();
    assertThat(pods.withName("held").get()).isNull();
  }

  @Test
  void aWatchFromAListsResourceVersionGetsOnlyNewerEvents() {
    var cms = client.configMaps().inNamespace("watches");
    cms.resource(new ConfigMapBuilder().withNewMetadata().withName("before").endMetadata().build())
        .create();
    String listed = cms.list().getMetadata().getResourceVersion();
    cms.resource(
            new ConfigMapBuilder().withNewMetadata().withName("after-list").endMetadata().build())
        .create();
    List<String> events = new CopyOnWriteArrayList<>();
    List<String> everything = new CopyOnWriteArrayList<>();
    try (var fromList =
            cms.watch(
                new ListOptionsBuilder().withResourceVersion(listed).build(), recorder(events));
        var fromNow = cms.watch(recorder(everything))) {
      cms.resource(
              new ConfigMapBuilder()
                  .withNewMetadata()
                  .withName("after-watch")
                  .endMetadata()
                  .build())
          .create();
      client
          .configMaps()
          .inNamespace("other")
          .resource(
              new ConfigMapBuilder().withNewMetadata().withName("not-mine").endMetadata().build())
          .create();
      cms.withName("before").delete();
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () ->
                  assertThat(events)
                      .containsExactly("ADDED after-list", "ADDED after-watch", "DELETED before"));
      // Without a resourceVersion a watch starts with the current state, as ADDED events.
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () ->
                  assertThat(everything)
                      .containsExactly(
                          "ADDED after-list",
                          "ADDED before",
                          "ADDED after-watch",
                          "DELETED before"));
    }
  }

  @Test
  void aLabelSelectedWatchSeesObjectsEnterAndLeaveItsSelection() {
    var cms = client.configMaps().inNamespace("selected-watch");
    List<String> events = new CopyOnWriteArrayList<>();
    try (var watch = cms.withLabelIn("stage", "canary", "beta").watch(recorder(events))) {
      cms.resource(
              new ConfigMapBuilder()
                  .withNewMetadata()
                  .withName("m")
                  .addToLabels("stage", "stable")
                  .endMetadata()
                  .build())
          .create();
      cms.withName("m")
          .edit(
              cm ->
                  new ConfigMapBuilder(cm)
                      .editMetadata()
                      .addToLabels("stage", "canary")
                      .endMetadata()
                      .build());
      cms.withName("m").edit(cm -> new ConfigMapBuilder(cm).addToData("k", "v").build());
      cms.withName("m")
          .edit(
              cm ->
                  new ConfigMapBuilder(cm)
                      .editMetadata()
                      .addToLabels("stage", "stable")
                      .endMetadata()
                      .build());
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () -> assertThat(events).containsExactly("ADDED m", "MODIFIED m", "DELETED m"));
    }
  }

  @Test
  void injectedFailuresWinOverTheStore() {
    // 403, not 500: the client retries a 5xx, and the retry would reach the store.
    cluster
        .server()
        .expect()
        .post()
        .withPath("/api/v1/namespaces/injected/configmaps")
        .andReturn(403, "{\"kind\":\"Status\",\"code\":403,\"reason\":\"Forbidden\"}")
        .once();
    var cms = client.configMaps().inNamespace("injected");
    ConfigMap cm = new ConfigMapBuilder().withNewMetadata().withName("cm").endMetadata().build();
    assertThatThrownBy(() -> cms.resource(cm).create())
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
    assertThat(cms.resource(cm).create().getMetadata().getName()).isEqualTo("cm");
    int mark = cluster.writes().mark();
    cms.withName("cm").delete();
    assertThat(cluster.writes().since(mark, w -> true))
        .containsExactly("DELETE /api/v1/namespaces/injected/configmaps/cm");
  }

  @Test
  void aWatchFromAResourceVersionOlderThanTheHistoryIsToldItIsGone() {
    SimApiStore store = new SimApiStore((gv, r) -> null, java.time.Clock.systemUTC(), 3);
    for (int i = 1; i <= 5; i++) { // resourceVersions 1..5; the history keeps 3, 4 and 5
      store.dispatch(
          request(
              HttpMethod.POST,
              "/api/v1/namespaces/h/configmaps",
              "{\"metadata\":{\"name\":\"cm" + i + "\"}}"));
    }
    assertThat(openWatch(store, "/api/v1/namespaces/h/configmaps?watch=true&resourceVersion=1"))
        .singleElement()
        .asString()
        .contains("\"type\":\"ERROR\"", "\"reason\":\"Expired\"", "\"code\":410");
    assertThat(openWatch(store, "/api/v1/namespaces/h/configmaps?watch=true&resourceVersion=3"))
        .hasSize(2)
        .allMatch(f -> f.startsWith("{\"type\":\"ADDED\""))
        .anyMatch(f -> f.contains("\"cm5\""));
  }

  static RecordedRequest request(HttpMethod method, String path, String body) {
    return new RecordedRequest(
        "HTTP/1.1",
        method,
        path,
        new Headers.Builder().add("Content-Type", "application/json").build(),
        new Buffer().writeUtf8(body));
  }

  /** Opens a watch on the store directly, with a WebSocket that keeps the frames it is sent. */
  static List<String> openWatch(SimApiStore store, String path) {
    MockResponse response = store.dispatch(request(HttpMethod.GET, path, ""));
    List<String> frames = new CopyOnWriteArrayList<>();
    response
        .getWebSocketListener()
        .onOpen(
            new WebSocket() {
              @Override
              public RecordedRequest request() {
                return null;
              }

              @Override
              public boolean send(String text) {
                return frames.add(text);
              }

              @Override
              public boolean send(byte[] bytes) {
                return false;
              }

              @Override
              public boolean close(int code, String reason) {
                return true;
              }
            },
            response);
    return frames;
  }

  static <T extends io.fabric8.kubernetes.api.model.HasMetadata> Watcher<T> recorder(
      List<String> events) {
    return new Watcher<>() {
      @Override
      public void eventReceived(Action action, T resource) {
        events.add(action + " " + resource.getMetadata().getName());
      }

      @Override
      public void onClose(WatcherException cause) {}
    };
  }
}
