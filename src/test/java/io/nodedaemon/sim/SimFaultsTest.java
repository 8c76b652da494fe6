package io.nodedaemon.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.nodedaemon.sim.SimFaults.Fault;
import io.nodedaemon.sim.SimFaults.Requests;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The simulator's fault injection ({@link SimFaults}) does what the fault tests rely on. */
class SimFaultsTest {

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

  @AfterEach
  void clear() {
    cluster.faults().clear();
  }

  static HttpResponse<String> send(String method, String path, String body, boolean exempt)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(cluster.url() + path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .header("Content-Type", "application/json");
    if (exempt) {
      b.header(SimFaults.EXEMPT_HEADER, "true");
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static String configMap(String name) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\""
        + name
        + "\"}}";
  }

  @Test
  void aFailHitsOnlyMatchingRequestsOfTheOperatorAndOnlyAsOftenAsGiven() throws Exception {
    Fault conflict =
        cluster
            .faults()
            .fail(Requests.of("POST", "/api/v1/namespaces/default/configmaps"), 409, "Conflict", 1);

    // The cluster's own client is exempt.
    assertThat(
            send("POST", "/api/v1/namespaces/default/configmaps", configMap("f0"), true)
                .statusCode())
        .isEqualTo(201);
    HttpResponse<String> refused =
        send("POST", "/api/v1/namespaces/default/configmaps", configMap("f1"), false);
    assertThat(refused.statusCode()).isEqualTo(409);
    assertThat(refused.body()).contains("\"reason\":\"Conflict\"").contains("\"code\":409");
    // Not stored.
    assertThat(cluster.client().configMaps().withName("f1").get()).isNull();
    // Only once.
    assertThat(
            send("POST", "/api/v1/namespaces/default/configmaps", configMap("f1"), false)
                .statusCode())
        .isEqualTo(201);
    assertThat(conflict.hits()).isEqualTo(1);
  }

  @Test
  void aThrottleAnswers429WithRetryAfter() throws Exception {
    cluster.faults().throttle(Requests.of("WRITE", ".*"), 3, -1);
    HttpResponse<String> r =
        send("POST", "/api/v1/namespaces/default/configmaps", configMap("t1"), false);
    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(r.headers().firstValue("Retry-After")).hasValue("3");
    // Reads pass.
    assertThat(send("GET", "/api/v1/namespaces/default/configmaps", null, false).statusCode())
        .isEqualTo(200);
  }

  @Test
  void fabric8RetriesA429ItselfBeforeItsCallerSeesIt() throws Exception {
    Fault throttled = cluster.faults().throttle(Requests.of("POST", ".*/configmaps"), 1, 2);
    var config = cluster.clientConfig();
    config.setCustomHeaders(null);
    try (KubernetesClient operatorLike = new KubernetesClientBuilder().withConfig(config).build()) {
      operatorLike
          .configMaps()
          .resource(
              new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                  .withNewMetadata()
                  .withName("r1")
                  .endMetadata()
                  .build())
          .create();
      assertThat(throttled.hits()).isEqualTo(2);
    }
  }

  @Test
  void aDelayServesTheRequestAtOnceButAnswersLate() throws Exception {
    cluster.faults().delay(Requests.of("POST", ".*/configmaps"), Duration.ofMillis(700), -1);
    long start = System.nanoTime();
    HttpResponse<String> r =
        send("POST", "/api/v1/namespaces/default/configmaps", configMap("d1"), false);
    assertThat(r.statusCode()).isEqualTo(201);
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofMillis(650));
  }

  @Test
  void anOutageFailsEveryRequestUntilStopped() throws Exception {
    Fault outage = cluster.faults().outage();
    assertThat(send("GET", "/api/v1/nodes", null, false).statusCode()).isEqualTo(503);
    assertThat(send("GET", "/api", null, false).statusCode()).isEqualTo(503);
    assertThat(send("GET", "/api/v1/nodes", null, true).statusCode()).isEqualTo(200);
    outage.stop();
    assertThat(send("GET", "/api/v1/nodes", null, false).statusCode()).isEqualTo(200);
  }

  @Test
  void aDroppedWatchResumesAndACompactedHistoryForcesARelist() throws Exception {
    try (KubernetesClient client =
        new KubernetesClientBuilder().withConfig(cluster.clientConfig()).build()) {
      SharedIndexInformer<Pod> informer = client.pods().inNamespace("default").inform();
      cluster.client().pods().inNamespace("default").resource(pod("w1")).create();
      await().atMost(Duration.ofSeconds(10)).until(() -> informer.getStore().list().size() == 1);

      assertThat(cluster.dropWatches()).isPositive();
      cluster.client().pods().inNamespace("default").resource(pod("w2")).create();
      await().atMost(Duration.ofSeconds(30)).until(() -> informer.getStore().list().size() == 2);

      // A watch resumed after compaction is answered 410: the informer lists again, and so sees
      // a deletion it missed.
      cluster.compactHistory();
      cluster.client().pods().inNamespace("default").withName("w1").withGracePeriod(0).delete();
      cluster.client().pods().inNamespace("default").resource(pod("w3")).create();
      cluster.dropWatches();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  informer.getStore().list().stream()
                      .map(p -> p.getMetadata().getName())
                      .sorted()
                      .toList()
                      .equals(List.of("w2", "w3")));
      informer.close();
    }
  }

  static Pod pod(String name) {
    return new io.fabric8.kubernetes.api.model.PodBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("c")
        .withImage("x")
        .endContainer()
        .endSpec()
        .build();
  }
}
