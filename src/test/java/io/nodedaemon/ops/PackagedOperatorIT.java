package io.nodedaemon.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Starts the packaged operator (java -jar target/quarkus-app/quarkus-run.jar, prod profile, leader
 * election on) against a mock API server and reads its health and Prometheus endpoints: JOSDK's
 * reconciliation metrics must be real (not the no-op) and NodeDaemon gauges exported.
 */
class PackagedOperatorIT {
  static MockApiServer api;
  static Process operator;
  static int port;
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    api = new MockApiServer();
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path jar = Manifests.PROJECT.resolve("target/quarkus-app/quarkus-run.jar");
    assertThat(jar).exists();
    operator =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dquarkus.http.port=" + port,
                "-Dquarkus.kubernetes-client.api-server-url=" + api.url(),
                "-Dquarkus.kubernetes-client.trust-certs=true",
                "-Dquarkus.kubernetes-client.namespace=default",
                "-Dnodedaemon.leader-election.lease-namespace=nodedaemon-system",
                "-Dnodedaemon.leader-election.identity=packaged-it",
                "-jar",
                jar.toString())
            .redirectErrorStream(true)
            .redirectOutput(
                new File(Manifests.PROJECT.resolve("target/packaged-operator-it.log").toString()))
            .start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (operator != null) {
      operator.destroy();
      if (!operator.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
        operator.destroyForcibly();
        throw new AssertionError("the packaged operator did not stop within 20 s of SIGTERM");
      }
    }
    if (api != null) {
      api.close();
    }
  }

  static HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
            .timeout(Duration.ofSeconds(5))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void healthAndMetricsOfThePackagedJar() throws Exception {
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .until(() -> get("/q/health/ready").statusCode() == 200);
    assertThat(get("/q/health/live").statusCode()).isEqualTo(200);
    assertThat(get("/q/health/ready").body()).contains("\"status\": \"UP\"");

    api.client.resource(LeaderElectionTest.nodeDaemon("fluentd-elasticsearch")).create();
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .untilAsserted(
            () ->
                assertThat(get("/q/metrics").body())
                    .contains("operator_sdk_reconciliations_started_total")
                    .contains("operator_sdk_reconciliations_success_total")
                    .contains(
                        "nodedaemon_pods_desired{name=\"fluentd-elasticsearch\",namespace=\"default\"}"));
    assertThat(
            api.client
                .leases()
                .inNamespace("nodedaemon-system")
                .withName("nodedaemon-operator-lease")
                .get()
                .getSpec()
                .getHolderIdentity())
        .isEqualTo("packaged-it");
  }

  /**
   * Metric names as the alerts and the dashboard in k8s/monitoring use them (histograms by their
   * series).
   */
  static java.util.Set<String> metricNamesUsedByMonitoring() throws Exception {
    java.util.Set<String> names = new java.util.TreeSet<>();
    java.util.regex.Pattern metric =
        java.util.regex.Pattern.compile(
            "\\b((?:nodedaemon|operator_sdk|jvm|process|http_server)_[a-z_]+)\\b");
    try (var files = java.nio.file.Files.list(Manifests.PROJECT.resolve("k8s/monitoring"))) {
      for (Path file :
          files.filter(f -> !f.getFileName().toString().equals("kustomization.yaml")).toList()) {
        java.util.regex.Matcher m = metric.matcher(java.nio.file.Files.readString(file));
        while (m.find()) {
          names.add(m.group(1));
        }
      }
    }
    return names;
  }

  @Test
  void everyMetricTheAlertsAndTheDashboardUseIsExported() throws Exception {
    java.util.Set<String> used = metricNamesUsedByMonitoring();
    assertThat(used).contains("nodedaemon_pods_desired", "nodedaemon_write_failures_total");
    // One refused status write: the operator tries again later and counts it.
    api.server
        .expect()
        .patch()
        .withPath(
            "/apis/nodedaemon.io/v1alpha1/namespaces/default/nodedaemons/metrics-check/status")
        .andReturn(422, "{}")
        .once();
    api.client.resource(LeaderElectionTest.nodeDaemon("metrics-check")).create();

    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              java.util.Set<String> exported = new java.util.HashSet<>();
              for (String line : get("/q/metrics").body().split("\n")) {
                if (!line.startsWith("#") && !line.isBlank()) {
                  exported.add(line.split("[{ ]", 2)[0]);
                }
              }
              assertThat(exported).as("metric names of /q/metrics").containsAll(used);
              assertThat(get("/q/metrics").body().lines())
                  .as("the refused status write is counted")
                  .anyMatch(
                      l ->
                          l.startsWith("nodedaemon_write_failures_total{")
                              && l.contains("\"metrics-check\"")
                              && Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)) >= 1);
            });
  }
}
