package io.nodedaemon.sim;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonStatus;
import io.nodedaemon.cluster.RealControlPlane;
import io.nodedaemon.cluster.TestCluster;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The first command of the README: starts a cluster on loopback (the simulated one, or with {@code
 * -Ddemo.cluster=real} the real control plane built from Go modules), launches the packaged
 * operator against it, applies the fluentd-elasticsearch sample and prints what {@code kubectl get}
 * prints until the pods run everywhere, then rolls out a new image and watches that converge too.
 *
 * <p>Run with {@code ./mvnw -B package -Pdemo -DskipTests}. System properties: {@code demo.nodes}
 * (total nodes, one of them a tainted control-plane node; default 4), {@code demo.rollout} (default
 * true), {@code demo.timeoutSeconds} (per phase, default 60), {@code demo.kubeletDelayMs} (default
 * 500), {@code demo.port} (API server port, default random), {@code demo.basedir} (project
 * directory, default the working directory), {@code demo.operator} (default true; false only
 * exercises the simulator, the sample and the tables), {@code demo.cluster} ({@code sim}, the
 * default, or {@code real}). kubectl is the one the build makes from {@code k8s.io/kubectl}
 * (target/controlplane/kubectl) when Go was there, else the one on the PATH.
 */
public final class Demo {

  static final String NAMESPACE = "kube-system";
  static final String NEW_IMAGE = "quay.io/fluentd_elasticsearch/fluentd:v2.6.0";

  /** A failed demo step, reported as one clear line. */
  static final class DemoFailure extends RuntimeException {
    DemoFailure(String message) {
      super(message);
    }
  }

  private final Path basedir =
      Path.of(System.getProperty("demo.basedir", ".")).toAbsolutePath().normalize();
  private final int nodeCount = Integer.getInteger("demo.nodes", 4);
  private final boolean rollout = Boolean.parseBoolean(System.getProperty("demo.rollout", "true"));
  private final boolean launchOperator =
      Boolean.parseBoolean(System.getProperty("demo.operator", "true"));
  private final Duration timeout =
      Duration.ofSeconds(Integer.getInteger("demo.timeoutSeconds", 60));
  private final Duration kubeletDelay =
      Duration.ofMillis(Integer.getInteger("demo.kubeletDelayMs", 500));
  private final int port = Integer.getInteger("demo.port", 0);
  private final Path log = basedir.resolve("target/demo-operator.log");
  private final boolean real = "real".equals(System.getProperty("demo.cluster", "sim"));
  private Path kubeconfig = basedir.resolve("target/demo-kubeconfig.yaml");

  public static void main(String[] args) throws Exception {
    int code = 0;
    try {
      new Demo().run();
      System.out.println("demo: OK");
    } catch (DemoFailure e) {
      System.err.println("demo: FAILED: " + e.getMessage());
      code = 1;
    }
    System.out.flush();
    // An explicit exit: under exec:java the demo runs inside Maven's JVM, whose leftover non-daemon
    // threads
    // (Vert.x event loops of the build) would otherwise keep exec:java waiting forever.
    System.exit(code);
  }

  void run() throws Exception {
    if (nodeCount < 1) {
      throw new DemoFailure("demo.nodes must be at least 1 (the control-plane node)");
    }
    try (TestCluster cluster = startCluster()) {
      for (SimNode node : nodes(nodeCount)) {
        cluster.addNode(node);
      }
      cluster.createNamespace(NAMESPACE);
      System.out.printf("demo: %d nodes; kubeconfig: %s%n", nodeCount, kubeconfig);
      kubectl("get", "nodes");

      OperatorProcess operator = launchOperator ? startOperator(cluster) : null;
      try {
        KubernetesClient client = cluster.client();
        NodeDaemon sample = loadSample();
        client.resources(NodeDaemon.class).inNamespace(NAMESPACE).resource(sample).create();
        System.out.printf("demo: applied %s%n", "k8s/samples/fluentd-elasticsearch.yaml");
        if (operator == null) {
          printTables();
          kubectl("get", "nd", "-n", NAMESPACE);
          return;
        }
        awaitPrinting(
            client,
            operator,
            "all " + nodeCount + " nodes run a ready fluentd pod",
            nd -> converged(nd, nodeCount));
        if (rollout) {
          client
              .resources(NodeDaemon.class)
              .inNamespace(NAMESPACE)
              .withName(sample.getMetadata().getName())
              .edit(
                  nd -> {
                    nd.getSpec().getTemplate().getSpec().getContainers().get(0).setImage(NEW_IMAGE);
                    return nd;
                  });
          System.out.printf("demo: image bumped to %s, rolling out%n", NEW_IMAGE);
          awaitPrinting(
              client,
              operator,
              "rollout to " + NEW_IMAGE + " finished",
              nd -> converged(nd, nodeCount) && allPodsRun(client, NEW_IMAGE, nodeCount));
          NodeDaemon done =
              client
                  .resources(NodeDaemon.class)
                  .inNamespace(NAMESPACE)
                  .withName(sample.getMetadata().getName())
                  .get();
          System.out.printf(
              "demo: update revision %s is now the current revision %s%n",
              done.getStatus().getUpdateRevision(), done.getStatus().getCurrentRevision());
        }
        kubectl("get", "nd", "-n", NAMESPACE);
      } finally {
        if (operator != null) {
          operator.close();
          System.out.println("demo: operator stopped");
        }
      }
    }
  }

  private TestCluster startCluster() {
    if (real) {
      try {
        RealControlPlane cluster = RealControlPlane.start(kubeletDelay);
        kubeconfig = cluster.kubeconfig();
        System.out.printf(
            "demo: real control plane (kube-apiserver, etcd, kube-scheduler) at %s%n",
            cluster.client().getConfiguration().getMasterUrl());
        return cluster;
      } catch (IllegalStateException e) {
        throw new DemoFailure(e.getMessage());
      }
    }
    SimulatedCluster cluster =
        SimulatedCluster.builder().port(port).withStandIns(kubeletDelay).start();
    cluster.writeKubeconfig(kubeconfig);
    System.out.printf("demo: simulated API server at %s%n", cluster.url());
    return cluster;
  }

  /**
   * One control-plane node (tainted as kubeadm does) and workers: {@code sim-control-plane}, {@code
   * sim-worker-N}.
   */
  static List<SimNode> nodes(int total) {
    List<SimNode> nodes = new ArrayList<>();
    nodes.add(SimNode.named("sim-control-plane").controlPlane().build());
    for (int i = 1; i < total; i++) {
      nodes.add(SimNode.named("sim-worker-" + i).build());
    }
    return nodes;
  }

  NodeDaemon loadSample() throws IOException {
    try (InputStream in =
        Files.newInputStream(basedir.resolve("k8s/samples/fluentd-elasticsearch.yaml"))) {
      return Serialization.unmarshal(in, NodeDaemon.class);
    }
  }

  /** DESIRED = CURRENT = READY = UP-TO-DATE = AVAILABLE = nodes, for the current generation. */
  public static boolean converged(NodeDaemon nd, int nodes) {
    NodeDaemonStatus s = nd == null ? null : nd.getStatus();
    return s != null
        && Objects.equals(s.getObservedGeneration(), nd.getMetadata().getGeneration())
        && s.getDesiredNumberScheduled() == nodes
        && s.getCurrentNumberScheduled() == nodes
        && s.getNumberReady() == nodes
        && s.getUpdatedNumberScheduled() == nodes
        && s.getNumberAvailable() == nodes;
  }

  private static boolean allPodsRun(KubernetesClient client, String image, int nodes) {
    List<Pod> pods = daemonPods(client);
    return pods.size() == nodes
        && pods.stream().allMatch(p -> image.equals(KubeletStandIn.firstImage(p)));
  }

  private static List<Pod> daemonPods(KubernetesClient client) {
    return client
        .pods()
        .inNamespace(NAMESPACE)
        .withLabel("name", "fluentd-elasticsearch")
        .list()
        .getItems();
  }

  private void awaitPrinting(
      KubernetesClient client, OperatorProcess operator, String goal, Predicate<NodeDaemon> done)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (true) {
      NodeDaemon nd =
          client
              .resources(NodeDaemon.class)
              .inNamespace(NAMESPACE)
              .withName("fluentd-elasticsearch")
              .get();
      printTables();
      if (done.test(nd)) {
        System.out.printf("demo: %s%n", goal);
        return;
      }
      if (!operator.isAlive()) {
        throw new DemoFailure("the operator exited; see " + log);
      }
      if (Instant.now().isAfter(deadline)) {
        throw new DemoFailure(
            "not converged within "
                + timeout.toSeconds()
                + " s (waiting until "
                + goal
                + "); see "
                + log);
      }
      // A once-a-second refresh, like `watch kubectl get`: this is the demo's output pace, not a
      // synchronisation.
      Thread.sleep(1000);
    }
  }

  /** What kubectl prints: both backends print tables server-side from the CRD's printer columns. */
  private void printTables() {
    kubectl("get", "nd", "-n", NAMESPACE);
    kubectl("get", "pods", "-n", NAMESPACE, "-l", "name=fluentd-elasticsearch", "-o", "wide");
    System.out.flush();
  }

  private OperatorProcess startOperator(TestCluster cluster) throws Exception {
    Files.deleteIfExists(log);
    try {
      OperatorProcess operator = OperatorProcess.start(basedir, cluster, log, timeout);
      System.out.printf(
          "demo: operator ready (pid %d, http port %d); log: %s%n",
          operator.pid(), operator.httpPort(), log);
      return operator;
    } catch (IllegalStateException e) {
      throw new DemoFailure(e.getMessage());
    }
  }

  /**
   * Runs kubectl against the cluster (the built one, else the PATH's), printing the command and its
   * output.
   */
  private void kubectl(String... args) {
    Path built = basedir.resolve("target/controlplane/kubectl");
    String binary = Files.isExecutable(built) ? built.toString() : "kubectl";
    List<String> cmd = new ArrayList<>(List.of(binary, "--kubeconfig", kubeconfig.toString()));
    cmd.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor(20, TimeUnit.SECONDS)) {
        System.out.printf("%n$ kubectl %s%n%s", String.join(" ", List.of(args)), out);
      }
    } catch (IOException | InterruptedException e) {
      System.out.println("demo: (kubectl not available: " + e.getMessage() + ")");
    }
  }
}
