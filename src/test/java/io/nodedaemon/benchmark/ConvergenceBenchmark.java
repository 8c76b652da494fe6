package io.nodedaemon.benchmark;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonSpec;
import io.nodedaemon.api.NodeDaemonStatus;
import io.nodedaemon.api.NodeDaemonUpdateStrategy;
import io.nodedaemon.api.RollingUpdateNodeDaemon;
import io.nodedaemon.cluster.RealControlPlane;
import io.nodedaemon.cluster.TestCluster;
import io.nodedaemon.planner.DaemonPodFactory;
import io.nodedaemon.sim.OperatorProcess;
import io.nodedaemon.sim.SimNode;
import io.nodedaemon.sim.SimulatedCluster;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Convergence of the packaged operator on the simulated cluster or the real control plane, next to
 * the floor measured on the same kind of server in the same run: a plain client creating the same
 * pods concurrently.
 */
public final class ConvergenceBenchmark {

  /** One row of the table. */
  public record Result(
      int nodes,
      Duration converge,
      Duration floor,
      Duration rollout,
      Duration rolloutFloor,
      Duration rolloutClient,
      Duration startupToFirstReconcile,
      long rssKiB,
      long heapBytes,
      long rssAfterGcKiB,
      List<ReadyTimeline.Point> operatorReady,
      List<ReadyTimeline.Point> floorReady) {
    double ratio() {
      return (double) converge.toMillis() / Math.max(1, floor.toMillis());
    }

    double rolloutRatio() {
      return (double) rollout.toMillis() / Math.max(1, rolloutFloor.toMillis());
    }

    /** The rollout against a plain client doing the same rounds (issue 16, goal 4). */
    double rolloutClientRatio() {
      return (double) rollout.toMillis() / Math.max(1, rolloutClient.toMillis());
    }
  }

  /** The floor's figures: its converge, its ready pods over time, and its rollout rounds. */
  record Floor(Duration converge, List<ReadyTimeline.Point> ready, Duration rollout) {}

  static final Duration ROLLOUT_KUBELET_DELAY = Duration.ofMillis(200);

  /** The operator's JVM flags: sized for a 256 MiB container limit (see docs/benchmarks.md). */
  static final String[] OPERATOR_JVM = {
    "-Xmx96m",
    "-Xss256k",
    "-XX:+UseSerialGC",
    "-XX:TieredStopAtLevel=1",
    "-XX:MaxMetaspaceSize=96m",
    "-XX:ReservedCodeCacheSize=32m",
    "-XX:MaxDirectMemorySize=32m"
  };

  static final int WRITERS = 16;

  /**
   * {@code -Dbench.nmt=true}: native memory tracking on, its summary in target/benchmark-nmt-N.txt.
   */
  static final boolean NMT = Boolean.getBoolean("bench.nmt");

  /**
   * One pod of another controller per node in the NodeDaemon's namespace ({@code
   * -Dbench.foreignPods=false} to skip).
   */
  static final boolean FOREIGN_PODS =
      Boolean.parseBoolean(System.getProperty("bench.foreignPods", "true"));

  private final Path base;
  private final Path log;

  /**
   * {@code -Dbench.cluster=real}: the real control plane instead of the simulated cluster (by
   * default the backend the e2e tests of this run use, so that the smoke test runs on both).
   */
  static final boolean REAL =
      "real"
          .equals(
              System.getProperty(
                  "bench.cluster", System.getProperty("nodedaemon.e2e.backend", "sim")));

  static final String BENCH = "bench";
  static final String IMAGE_V2 = "example.org/agent:2";
  static final String FLOOR = "floor";

  public ConvergenceBenchmark(Path base) {
    this.base = base;
    this.log = base.resolve("target/benchmark-operator.log");
  }

  /**
   * One row, on the cluster {@code -Dbench.cluster} names: {@code sim} (default) or {@code real}
   * (the control plane built from upstream's Go modules, see docs/testing.md).
   */
  public Result run(int nodes, Duration timeout) throws Exception {
    Result result = REAL ? runReal(nodes, timeout) : runSimulated(nodes, timeout);
    Path chart =
        base.resolve(
            "target/benchmark-convergence-" + (REAL ? "real" : "sim") + "-" + nodes + ".svg");
    Chart.write(
        chart,
        String.format(
            "Converging %,d nodes, %s", nodes, REAL ? "real control plane" : "simulated cluster"),
        "ready pods",
        List.of(
            new Chart.Series("NodeDaemon operator", "#1f77b4", result.operatorReady()),
            new Chart.Series("plain client, 16 threads (floor)", "#999999", result.floorReady())));
    System.out.println("chart: " + chart);
    return result;
  }

  /**
   * The floor on a fresh simulated cluster, then the operator on another with the same contents.
   */
  Result runSimulated(int nodes, Duration timeout) throws Exception {
    Floor floor;
    try (SimulatedCluster cluster =
        SimulatedCluster.builder()
            .withStandIns(Duration.ZERO)
            .terminationCap(Duration.ZERO)
            .start()) {
      addNodes(cluster, nodes);
      floor = floor(cluster, nodes, timeout);
    }
    // Deleted pods stop at once: the rollout figure measures the operator, not a grace period
    // (and stays comparable with the figures from before graceful deletion was simulated).
    try (SimulatedCluster cluster =
        SimulatedCluster.builder()
            .withStandIns(Duration.ZERO)
            .terminationCap(Duration.ZERO)
            .start()) {
      addNodes(cluster, nodes);
      return measure(cluster, nodes, floor, timeout);
    }
  }

  /**
   * On one real control plane: the floor first, its pods then deleted at once, then the operator on
   * the same nodes, so both meet the same API server, etcd, scheduler and kubelet stand-in.
   */
  Result runReal(int nodes, Duration timeout) throws Exception {
    try (RealControlPlane cluster = RealControlPlane.start(Duration.ZERO, Duration.ZERO)) {
      addNodes(cluster, nodes);
      Floor floor = floor(cluster, nodes, timeout);
      cluster.restartKubelet(Duration.ZERO);
      cluster.client().pods().inNamespace(FLOOR).withGracePeriod(0).delete();
      Instant deadline = Instant.now().plus(timeout);
      while (!cluster.client().pods().inNamespace(FLOOR).list().getItems().isEmpty()) {
        if (Instant.now().isAfter(deadline)) {
          throw new IllegalStateException(
              "the floor's pods were not deleted within " + timeout.toSeconds() + " s");
        }
        TimeUnit.MILLISECONDS.sleep(100);
      }
      return measure(cluster, nodes, floor, timeout);
    }
  }

  /** The operator's figures on a cluster that holds the nodes (and nothing of a NodeDaemon yet). */
  Result measure(TestCluster cluster, int nodes, Floor floor, Duration timeout) throws Exception {
    Files.deleteIfExists(log);
    KubernetesClient client = cluster.client();
    cluster.createNamespace("probe");
    // A NodeDaemon that exists before the operator starts: its first status marks the first
    // reconcile.
    client
        .resources(NodeDaemon.class)
        .inNamespace("probe")
        .resource(daemon("probe", Map.of("nowhere", "true"), 1))
        .create();
    try (OperatorProcess operator =
        OperatorProcess.start(base, cluster, log, timeout, operatorJvm())) {
      waitFor(client, "probe", s -> s.getObservedGeneration() != null, timeout);
      Duration startup = Duration.between(operator.startedAt(), Instant.now());

      List<ReadyTimeline.Point> operatorReady;
      Instant t0 = Instant.now();
      try (var agents = client.pods().inNamespace(BENCH).withLabel("app", "agent").inform();
          var timeline = new ReadyTimeline(() -> countReady(agents.getStore().list()))) {
        client
            .resources(NodeDaemon.class)
            .inNamespace(BENCH)
            .resource(daemon(BENCH, Map.of(), 1))
            .create();
        waitFor(
            client,
            BENCH,
            s -> s.getNumberAvailable() == nodes && s.getUpdatedNumberScheduled() == nodes,
            timeout);
        operatorReady = timeline.stop();
      }
      Duration converge = Duration.between(t0, Instant.now());
      long rss = rssKiB(operator.pid());
      long heap = liveHeap(operator.pid(), operator.httpPort());
      TimeUnit.SECONDS.sleep(1);
      long rssAfterGc = rssKiB(operator.pid());
      if (NMT) {
        Files.writeString(
            base.resolve("target/benchmark-nmt-" + nodes + ".txt"),
            jcmd(operator.pid(), "VM.native_memory", "summary")
                + "\n"
                + jcmd(operator.pid(), "GC.class_histogram")
                    .lines()
                    .limit(40)
                    .collect(java.util.stream.Collectors.joining("\n")));
      }

      // Rolling update, maxUnavailable 10%, with a kubelet that takes ROLLOUT_KUBELET_DELAY to
      // start a pod.
      cluster.restartKubelet(ROLLOUT_KUBELET_DELAY);
      Instant r0 = Instant.now();
      client
          .resources(NodeDaemon.class)
          .inNamespace(BENCH)
          .withName("agent")
          .edit(
              d -> {
                d.getSpec().getTemplate().getSpec().getContainers().get(0).setImage(IMAGE_V2);
                return d;
              });
      waitFor(
          client,
          BENCH,
          s ->
              s.getObservedGeneration() == 2L
                  && s.getUpdatedNumberScheduled() == nodes
                  && s.getNumberAvailable() == nodes,
          timeout);
      Duration rollout = Duration.between(r0, Instant.now());
      int rounds = (int) Math.ceil(nodes / (double) Math.max(1, (int) Math.ceil(nodes * 0.10)));
      return new Result(
          nodes,
          converge,
          floor.converge(),
          rollout,
          ROLLOUT_KUBELET_DELAY.multipliedBy(rounds),
          floor.rollout(),
          startup,
          rss,
          heap,
          rssAfterGc,
          operatorReady,
          floor.ready());
    }
  }

  /**
   * The floor: a plain client creates the same pods the operator would (pinned to their node by
   * node affinity, unbound, so the scheduler binds them as it binds the operator's), concurrently
   * from {@link #WRITERS} threads, until all are ready; then, with a kubelet that takes {@link
   * #ROLLOUT_KUBELET_DELAY} to start a pod, it does the rounds of the operator's rolling update
   * (issue 16, goal 4).
   */
  static Floor floor(TestCluster cluster, int nodes, Duration timeout) throws Exception {
    cluster.createNamespace(FLOOR);
    KubernetesClient client = cluster.client();
    ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
    try (var pods = client.pods().inNamespace(FLOOR).inform()) {
      Instant t0 = Instant.now();
      List<ReadyTimeline.Point> ready;
      try (var timeline = new ReadyTimeline(() -> countReady(pods.getStore().list()))) {
        forEach(pool, allNodes(nodes), node -> createFloorPod(client, node, FLOOR_V1));
        // Readiness from a watch: polling full lists of 5,000 pods would load the server it
        // measures.
        awaitPods(pods, allNodes(nodes), FLOOR_V1, true, timeout);
        ready = timeline.stop();
      }
      Duration converge = Duration.between(t0, Instant.now());
      cluster.restartKubelet(ROLLOUT_KUBELET_DELAY);
      return new Floor(converge, ready, rolloutRounds(client, pods, pool, nodes, timeout));
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * A plain client doing a rolling update's rounds as issue 16 states them: delete the pods of 10%
   * of the nodes, wait for them gone, create their replacements of the new image, wait until they
   * are ready, next round.
   */
  static Duration rolloutRounds(
      KubernetesClient client,
      SharedIndexInformer<Pod> pods,
      ExecutorService pool,
      int nodes,
      Duration timeout)
      throws Exception {
    int batch = Math.max(1, (int) Math.ceil(nodes * 0.10));
    List<String> all = allNodes(nodes);
    Instant t0 = Instant.now();
    for (int from = 0; from < nodes; from += batch) {
      List<String> round = all.subList(from, Math.min(nodes, from + batch));
      forEach(
          pool,
          round,
          node ->
              client
                  .pods()
                  .inNamespace(FLOOR)
                  .withName(DaemonPodFactory.podNameFor("agent", node, FLOOR_V1))
                  .delete());
      awaitPods(pods, round, FLOOR_V1, false, timeout);
      forEach(pool, round, node -> createFloorPod(client, node, FLOOR_V2));
      awaitPods(pods, round, FLOOR_V2, true, timeout);
    }
    return Duration.between(t0, Instant.now());
  }

  /** The floor's two revisions: the image, and the revision its pod names derive from. */
  static final String FLOOR_V1 = "floor";

  private static final String FLOOR_V2 = "floor2";

  private static void createFloorPod(KubernetesClient client, String node, String revision) {
    createFloorPod(client, FLOOR, node, revision);
  }

  /** Creates the floor's pod of {@code revision} for a node in a namespace. */
  static void createFloorPod(
      KubernetesClient client, String namespace, String node, String revision) {
    NodeDaemon template = daemon(namespace, Map.of(), 1);
    template.getMetadata().setUid("00000000-0000-4000-8000-00000000f100");
    if (FLOOR_V2.equals(revision)) {
      template.getSpec().getTemplate().getSpec().getContainers().get(0).setImage(IMAGE_V2);
    }
    client.pods().inNamespace(namespace).resource(floorPod(template, node, revision)).create();
  }

  /**
   * Waits until the floor's pod of {@code revision} on each node is ready ({@code ready}) or gone.
   */
  private static void awaitPods(
      SharedIndexInformer<Pod> pods,
      List<String> nodes,
      String revision,
      boolean ready,
      Duration timeout)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (!nodes.stream()
        .allMatch(
            node -> {
              Pod pod =
                  pods.getStore()
                      .getByKey(FLOOR + "/" + DaemonPodFactory.podNameFor("agent", node, revision));
              return ready ? pod != null && countReady(List.of(pod)) == 1 : pod == null;
            })) {
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException(
            "the floor's pods did not become " + (ready ? "ready" : "gone"));
      }
      TimeUnit.MILLISECONDS.sleep(20);
    }
  }

  static List<String> allNodes(int nodes) {
    return java.util.stream.IntStream.range(0, nodes)
        .mapToObj(ConvergenceBenchmark::nodeName)
        .toList();
  }

  /** Runs one write per item (a node, say) on the pool and waits for all of them. */
  static <T> void forEach(ExecutorService pool, List<T> items, java.util.function.Consumer<T> write)
      throws Exception {
    List<Future<?>> writes = new ArrayList<>();
    for (T item : items) {
      writes.add(pool.submit(() -> write.accept(item)));
    }
    for (Future<?> f : writes) {
      f.get();
    }
  }

  /**
   * The pod the operator would create, without the owner reference: the floor's owner does not
   * exist, and the real garbage collector deletes pods whose owner is gone.
   */
  static Pod floorPod(NodeDaemon template, String node, String revision) {
    Pod pod = DaemonPodFactory.newPod(template, node, revision);
    pod.getMetadata().setOwnerReferences(null);
    return pod;
  }

  static int countReady(List<Pod> pods) {
    return pods.stream()
        .filter(
            p ->
                p.getStatus() != null
                    && p.getStatus().getConditions() != null
                    && p.getStatus().getConditions().stream()
                        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())))
        .mapToInt(p -> 1)
        .sum();
  }

  static String nodeName(int i) {
    return String.format("bench-%05d", i);
  }

  /**
   * N production-sized nodes and, in the NodeDaemon's namespace, one pod of another controller per
   * node (a kube-proxy), so that the caches hold what a real cluster would give them.
   */
  static void addNodes(TestCluster cluster, int nodes) throws Exception {
    boolean real = "real".equals(cluster.backend());
    cluster.createNamespace(BENCH);
    KubernetesClient client = cluster.client();
    String owner = FOREIGN_PODS ? foreignOwner(client, real) : null;
    ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
    Instant now = Instant.now();
    try {
      List<Future<?>> adds = new ArrayList<>();
      for (int i = 0; i < nodes; i++) {
        String name = nodeName(i);
        adds.add(
            pool.submit(
                () -> {
                  addNode(cluster, name, now);
                  if (owner != null) {
                    client
                        .pods()
                        .inNamespace(BENCH)
                        .resource(ProductionLikeObjects.foreignPod(BENCH, name, owner, now))
                        .create();
                  }
                  return null;
                }));
      }
      for (Future<?> f : adds) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * One production-sized node, created as {@link #addNodes} creates them (on the real control
   * plane: as a kubelet and the control plane bring a node up).
   */
  static void addNode(TestCluster cluster, String name, Instant now) {
    Node node = ProductionLikeObjects.node(SimNode.named(name).build().toNode(now), now);
    if (cluster instanceof RealControlPlane controlPlane) {
      controlPlane.addNode(node);
    } else {
      cluster.client().nodes().resource(node).create();
    }
  }

  /**
   * The uid of the kube-proxy pods' owner. On the real control plane it must exist (the garbage
   * collector deletes pods whose owner is gone), and so must their ServiceAccount (admission
   * refuses a pod without it): a DaemonSet nobody runs (no DaemonSet controller here) and its
   * account.
   */
  static String foreignOwner(KubernetesClient client, boolean real) {
    if (!real) {
      return ProductionLikeObjects.FOREIGN_OWNER_UID;
    }
    client
        .serviceAccounts()
        .inNamespace(BENCH)
        .resource(
            new ServiceAccountBuilder()
                .withNewMetadata()
                .withName("kube-proxy")
                .endMetadata()
                .build())
        .create();
    DaemonSet ds =
        new DaemonSetBuilder()
            .withNewMetadata()
            .withName("kube-proxy")
            .endMetadata()
            .withNewSpec()
            .withNewSelector()
            .addToMatchLabels("k8s-app", "kube-proxy")
            .endSelector()
            .withNewTemplate()
            .withNewMetadata()
            .addToLabels("k8s-app", "kube-proxy")
            .endMetadata()
            .withNewSpec()
            .addToNodeSelector("nowhere", "true")
            .addNewContainer()
            .withName("kube-proxy")
            .withImage("registry.k8s.io/kube-proxy:v1.33.0")
            .endContainer()
            .endSpec()
            .endTemplate()
            .endSpec()
            .build();
    return client
        .apps()
        .daemonSets()
        .inNamespace(BENCH)
        .resource(ds)
        .create()
        .getMetadata()
        .getUid();
  }

  static NodeDaemon daemon(
      String namespace, Map<String, String> nodeSelector, int maxUnavailablePercentTimes10) {
    NodeDaemon d = new NodeDaemon();
    d.setMetadata(new ObjectMetaBuilder().withName("agent").withNamespace(namespace).build());
    NodeDaemonSpec spec = new NodeDaemonSpec();
    spec.setSelector(new LabelSelectorBuilder().withMatchLabels(Map.of("app", "agent")).build());
    spec.setTemplate(
        new PodTemplateSpecBuilder()
            .withNewMetadata()
            .withLabels(Map.of("app", "agent"))
            .endMetadata()
            .withNewSpec()
            .withNodeSelector(nodeSelector.isEmpty() ? null : nodeSelector)
            .withContainers(
                new ContainerBuilder().withName("c").withImage("example.org/agent:1").build())
            .endSpec()
            .build());
    NodeDaemonUpdateStrategy strategy = new NodeDaemonUpdateStrategy();
    RollingUpdateNodeDaemon ru = new RollingUpdateNodeDaemon();
    ru.setMaxUnavailable(new IntOrString((10 * maxUnavailablePercentTimes10) + "%"));
    strategy.setRollingUpdate(ru);
    spec.setUpdateStrategy(strategy);
    d.setSpec(spec);
    return d;
  }

  static void waitFor(
      KubernetesClient client, String namespace, Predicate<NodeDaemonStatus> done, Duration timeout)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (true) {
      NodeDaemon d =
          client.resources(NodeDaemon.class).inNamespace(namespace).withName("agent").get();
      if (d != null && d.getStatus() != null && done.test(d.getStatus())) {
        return;
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException(
            namespace
                + " did not converge within "
                + timeout.toSeconds()
                + " s: "
                + (d == null
                    ? null
                    : io.fabric8.kubernetes.client.utils.Serialization.asJson(d.getStatus())));
      }
      TimeUnit.MILLISECONDS.sleep(20);
    }
  }

  static String[] operatorJvm() {
    List<String> args = new ArrayList<>(List.of(OPERATOR_JVM));
    if (NMT) {
      args.add("-XX:NativeMemoryTracking=summary");
    }
    // -Dbench.operator.jvmArgs="-XX:StartFlightRecording=duration=20s,filename=target/op.jfr":
    // extra flags for the operator, e.g. a profile of its start-up (docs/benchmarks.md).
    String extra = System.getProperty("bench.operator.jvmArgs", "").trim();
    if (!extra.isEmpty()) {
      args.addAll(List.of(extra.split("\\s+")));
    }
    return args.toArray(String[]::new);
  }

  /**
   * Heap in use after a full GC (the live set: caches and the like, not garbage awaiting
   * collection).
   */
  static long liveHeap(long pid, int httpPort) {
    try {
      jcmd(pid, "GC.run");
    } catch (IOException | InterruptedException | RuntimeException e) {
      // Fall back to the heap in use right now.
    }
    return heapUsed(httpPort);
  }

  static String jcmd(long pid, String... command) throws IOException, InterruptedException {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    List<String> args = new ArrayList<>(List.of(jcmd.toString(), Long.toString(pid)));
    args.addAll(List.of(command));
    Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor(30, TimeUnit.SECONDS);
    return out;
  }

  static long rssKiB(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }

  /** The operator's /q/metrics, in Prometheus' text format. */
  static String metrics(int port) throws IOException, InterruptedException {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/metrics")).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /** Sum of jvm_memory_used_bytes{area="heap"} from the operator's /q/metrics. */
  static long heapUsed(int port) {
    return metricSum(
        port, line -> line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\""));
  }

  /**
   * The sum of the samples on the lines of the operator's /q/metrics that {@code series} accepts,
   * or -1 if they cannot be read.
   */
  static long metricSum(int port, Predicate<String> series) {
    try {
      double sum = 0;
      for (String line : metrics(port).split("\n")) {
        if (series.test(line)) {
          sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
      return (long) sum;
    } catch (IOException | RuntimeException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }
}
