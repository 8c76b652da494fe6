package io.nodedaemon.sim;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.cluster.RealControlPlane;
import io.nodedaemon.cluster.TestCluster;
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

  static final String CRD = "nodedaemons.nodedaemon.io";
  static final Duration CRD_WAIT = Duration.ofMinutes(10);

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

    applySampleOnceCrdExists(cluster.client(), sample);

    long parent =
        Long.parseLong(
            System.getenv()
                .getOrDefault(
                    "NODEDAEMON_DEV_PARENT",
                    Long.toString(
                        ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L))));
    ProcessHandle.of(parent).ifPresent(p -> p.onExit().join());
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
   * The operator applies the CRD in dev mode ({@code %dev.quarkus.operator-sdk.crd.apply}); the
   * sample follows, so that the real API server accepts it and the simulated one knows its status
   * subresource. An existing sample (a restarted dev session) is left as it is.
   */
  private static void applySampleOnceCrdExists(KubernetesClient client, Path sample)
      throws IOException, InterruptedException {
    Instant deadline = Instant.now().plus(CRD_WAIT);
    while (client.apiextensions().v1().customResourceDefinitions().withName(CRD).get() == null) {
      if (Instant.now().isAfter(deadline)) {
        System.out.println("dev cluster: the operator never applied the CRD; no sample applied");
        return;
      }
      TimeUnit.MILLISECONDS.sleep(200);
    }
    NodeDaemon daemon;
    try (InputStream in = Files.newInputStream(sample)) {
      daemon = Serialization.unmarshal(in, NodeDaemon.class);
    }
    String namespace = daemon.getMetadata().getNamespace();
    // The real API server may take a moment to serve a freshly created CRD.
    while (true) {
      try {
        if (client
                .resources(NodeDaemon.class)
                .inNamespace(namespace)
                .withName(daemon.getMetadata().getName())
                .get()
            == null) {
          client.resources(NodeDaemon.class).inNamespace(namespace).resource(daemon).create();
          System.out.printf("dev cluster: applied %s%n", sample);
        }
        return;
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (Instant.now().isAfter(deadline)) {
          throw e;
        }
        TimeUnit.MILLISECONDS.sleep(500);
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
