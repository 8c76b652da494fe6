package io.nodedaemon.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.cluster.Backend;
import io.nodedaemon.ops.ManifestSync;
import io.nodedaemon.sim.Demo;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The README's third command, {@code ./mvnw quarkus:dev}, run as a developer runs it: with no
 * cluster configured, dev mode starts the embedded cluster (on the real backend, {@code
 * -Dnodedaemon.dev.cluster=real}: the control plane built from Go modules), applies the CRD and the
 * fluentd sample, and the sample converges on all four nodes. Stopping Maven stops dev mode and the
 * cluster with it: no process is left behind.
 */
class DevModeIT {

  static final Path BASEDIR = Path.of(System.getProperty("user.dir"));
  static final Path KUBECONFIG = BASEDIR.resolve("target/dev-cluster/kubeconfig");
  static final Duration START = Duration.ofMinutes(6);

  @Test
  void quarkusDevConvergesTheSampleOnTheEmbeddedClusterAndStopsCleanly() throws Exception {
    Files.deleteIfExists(KUBECONFIG);
    // Dev mode's build writes a dev-mode fast-jar over target/quarkus-app, which the ITs after this
    // one run: keep the packaged operator aside meanwhile.
    Path packaged = BASEDIR.resolve("target/quarkus-app");
    Path aside = BASEDIR.resolve("target/quarkus-app-during-dev-mode-it");
    ManifestSync.deleteTree(aside);
    Files.move(packaged, aside);
    try {
      runDevMode();
    } finally {
      ManifestSync.deleteTree(packaged);
      Files.move(aside, packaged);
    }
  }

  private void runDevMode() throws Exception {
    Path log = BASEDIR.resolve("target/dev-mode-it" + (Backend.real() ? "-real" : "") + ".log");
    Process maven =
        new ProcessBuilder(command())
            .directory(BASEDIR.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.PIPE)
            .start();
    List<ProcessHandle> started = new ArrayList<>();
    try {
      await("dev mode starts its cluster (" + log + ")")
          .atMost(START)
          .pollInterval(Duration.ofSeconds(1))
          .failFast("Maven exited; see " + log, () -> !maven.isAlive())
          .until(() -> Files.isRegularFile(KUBECONFIG));
      try (KubernetesClient client =
          new KubernetesClientBuilder()
              .withConfig(Config.fromKubeconfig(Files.readString(KUBECONFIG)))
              .build()) {
        await("the sample converges on the dev cluster")
            .atMost(Duration.ofMinutes(3))
            .pollInterval(Duration.ofSeconds(1))
            .failFast("Maven exited; see " + log, () -> !maven.isAlive())
            .until(() -> Demo.converged(sample(client), 4));
        assertThat(Files.readString(log)).contains("Dev mode started the");
        // The CRD as installs have it (ManifestSync's finishing), not as the generator wrote it.
        assertThat(
                client
                    .apiextensions()
                    .v1()
                    .customResourceDefinitions()
                    .withName("nodedaemons.nodedaemon.io")
                    .get()
                    .getSpec()
                    .getVersions()
                    .get(0)
                    .getAdditionalPrinterColumns())
            .extracting(c -> c.getName())
            .startsWith("Desired", "Current", "Ready", "Up-to-date", "Available");
      }
      maven.descendants().forEach(started::add);
      assertThat(started.stream().filter(p -> p.info().command().orElse("").endsWith("java")))
          .as("dev mode's JVM and the cluster's JVM under Maven")
          .hasSizeGreaterThanOrEqualTo(2);
    } finally {
      maven.destroy();
      if (!maven.waitFor(60, TimeUnit.SECONDS)) {
        maven.destroyForcibly();
      }
    }
    await("dev mode and its cluster stop with Maven")
        .atMost(Duration.ofSeconds(60))
        .until(() -> started.stream().noneMatch(ProcessHandle::isAlive));
  }

  static List<String> command() throws IOException {
    List<String> command = new ArrayList<>();
    command.add(BASEDIR.resolve("mvnw").toString());
    command.add("-B");
    String repo = System.getProperty("nodedaemon.it.maven-repo", "");
    if (!repo.isBlank()) {
      command.add("-Dmaven.repo.local=" + repo);
    }
    command.add("quarkus:dev");
    command.add("-Ddebug=false");
    command.add("-Dquarkus.http.port=" + freePort());
    // This build compiled and tested already: dev mode only needs its classes, and recompiling
    // the test classes under this running test would be slow and unsafe.
    command.add("-Dnodedaemon.go.skip=true");
    command.add("-Dmaven.test.skip=true");
    command.add("-Dquarkus.test.continuous-testing=disabled");
    command.add("-Dquarkus.analytics.disabled=true");
    command.add("-Dspotless.check.skip=true");
    // A developer's ~/.kube/config would win over the embedded cluster in the default "auto".
    boolean ownKubeconfig =
        System.getenv("KUBECONFIG") != null
            || Files.isRegularFile(Path.of(System.getProperty("user.home"), ".kube", "config"));
    if (Backend.real()) {
      command.add("-Dnodedaemon.dev.cluster=real");
    } else if (ownKubeconfig) {
      command.add("-Dnodedaemon.dev.cluster=sim");
    }
    return command;
  }

  static NodeDaemon sample(KubernetesClient client) {
    return client
        .resources(NodeDaemon.class)
        .inNamespace("kube-system")
        .withName("fluentd-elasticsearch")
        .get();
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
