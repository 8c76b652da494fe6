package io.nodedaemon.sim;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.cluster.RealControlPlane;
import io.nodedaemon.cluster.TestCluster;
import io.nodedaemon.ops.ManifestSync;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The cluster {@code ./mvnw quarkus:dev} runs the operator against when none is configured (started
 * by {@code io.nodedaemon.dev.DevCluster} in a child JVM): the simulated cluster with its scheduler
 * and kubelet stand-ins, or the real control plane, with the nodes of the demo. It writes a
 * kubeconfig once the API server answers, applies the sample NodeDaemon once the operator has
 * applied the CRD, and exits when the dev-mode JVM does.
 *
 * <p>Arguments: {@code --backend sim|real}, {@code --nodes N}, {@code --kubeconfig FILE}, {@code
 * --sample FILE} (relative to the project directory, the working directory).
 */
public final class DevCluster {

  /** Where the dev build (and every build) writes the CRD, relative to the project directory. */
  static final Path GENERATED_CRD = Path.of("target/kubernetes/nodedaemons.nodedaemon.io-v1.yml");

  public static void main(String[] args) throws Exception {
    Map<String, String> options = options(args);
    boolean real = "real".equals(options.getOrDefault("backend", "sim"));
    int nodes = Integer.parseInt(options.getOrDefault("nodes", "4"));
    Path kubeconfig = Path.of(options.getOrDefault("kubeconfig", "target/dev-cluster/kubeconfig"));
    Path sample = Path.of(options.getOrDefault("sample", "k8s/samples/fluentd-elasticsearch.yaml"));

    TestCluster cluster = start(real, kubeconfig);
    Runtime.getRuntime().addShutdownHook(new Thread(cluster::close, "dev-cluster-close"));
    for (SimNode node : Demo.nodes(nodes)) {
      cluster.addNode(node);
    }
    cluster.createNamespace(Demo.NAMESPACE);
    GeneratedCrd crd = new GeneratedCrd(Path.of(""), GENERATED_CRD);
    crd.applyIfChanged(cluster.client());
    // Written last and atomically: the operator side waits for this file.
    Path tmp = kubeconfig.resolveSibling(kubeconfig.getFileName() + ".tmp");
    if (real) {
      Files.copy(
          ((RealControlPlane) cluster).kubeconfig(), tmp, StandardCopyOption.REPLACE_EXISTING);
    } else {
      ((SimulatedCluster) cluster).writeKubeconfig(tmp);
    }
    Files.move(tmp, kubeconfig, StandardCopyOption.ATOMIC_MOVE);
    System.out.printf(
        "dev cluster: %s, %d nodes, kubeconfig %s%n", cluster.backend(), nodes, kubeconfig);

    applySample(cluster.client(), sample);

    long parent =
        Long.parseLong(
            System.getenv()
                .getOrDefault(
                    "NODEDAEMON_DEV_PARENT",
                    Long.toString(
                        ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L))));
    ProcessHandle dev = ProcessHandle.of(parent).orElse(null);
    // Until dev mode exits: a live reload that changes the API regenerates the CRD; apply it again.
    while (dev != null && dev.isAlive()) {
      crd.applyIfChanged(cluster.client());
      TimeUnit.SECONDS.sleep(1);
    }
    System.out.println("dev cluster: dev mode has exited, stopping");
    System.exit(0);
  }

  private static TestCluster start(boolean real, Path kubeconfig) throws IOException {
    Files.createDirectories(kubeconfig.toAbsolutePath().getParent());
    if (real) {
      return RealControlPlane.start(Duration.ofMillis(500));
    }
    return SimulatedCluster.builder().withStandIns(Duration.ofMillis(500)).start();
  }

  /**
   * The sample, unless it is there already (a dev session restarted on the same cluster). A real
   * API server may take a moment to serve a CRD it has just accepted.
   */
  private static void applySample(KubernetesClient client, Path sample)
      throws IOException, InterruptedException {
    NodeDaemon daemon;
    try (InputStream in = Files.newInputStream(sample)) {
      daemon = Serialization.unmarshal(in, NodeDaemon.class);
    }
    String namespace = daemon.getMetadata().getNamespace();
    Instant deadline = Instant.now().plus(Duration.ofMinutes(1));
    while (true) {
      try {
        var existing =
            client
                .resources(NodeDaemon.class)
                .inNamespace(namespace)
                .withName(daemon.getMetadata().getName());
        if (existing.get() == null) {
          client.resources(NodeDaemon.class).inNamespace(namespace).resource(daemon).create();
          System.out.printf("dev cluster: applied %s%n", sample);
        }
        return;
      } catch (KubernetesClientException e) {
        if (Instant.now().isAfter(deadline)) {
          throw e;
        }
        TimeUnit.MILLISECONDS.sleep(500);
      }
    }
  }

  /** The CRD file the dev build writes, applied finished whenever its content changes. */
  static final class GeneratedCrd {
    private final Path base;
    private final Path file;
    private String applied;

    GeneratedCrd(Path base, Path file) {
      this.base = base;
      this.file = file;
    }

    void applyIfChanged(KubernetesClient client) throws IOException {
      if (!Files.isRegularFile(file)) {
        return;
      }
      String generated = Files.readString(file);
      if (generated.equals(applied)) {
        return;
      }
      Path finished = Files.createTempFile("nodedaemon-dev-crd", ".yaml");
      try {
        Files.writeString(finished, generated);
        ManifestSync.finishCrd(base, finished);
        CustomResourceDefinition crd;
        try (InputStream in = Files.newInputStream(finished)) {
          crd = client.apiextensions().v1().customResourceDefinitions().load(in).item();
        }
        crd.getMetadata().setResourceVersion(null);
        client
            .apiextensions()
            .v1()
            .customResourceDefinitions()
            .resource(crd)
            .createOr(NonDeletingOperation::update);
        applied = generated;
        System.out.printf("dev cluster: applied the CRD generated at %s%n", file);
      } catch (KubernetesClientException e) {
        System.out.printf("dev cluster: the API server refused the CRD: %s%n", e.getMessage());
        applied = generated;
      } finally {
        Files.deleteIfExists(finished);
      }
    }
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --name value, got " + args[i]);
      }
      options.put(args[i].substring(2), args[i + 1]);
    }
    return options;
  }
}
