package io.nodedaemon.benchmark;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonStatus;
import io.nodedaemon.cluster.RealControlPlane;
import io.nodedaemon.cluster.TestCluster;
import io.nodedaemon.sim.OperatorProcess;
import io.nodedaemon.sim.SimulatedCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Many NodeDaemons created together (issue 16, goal 2): D NodeDaemons on every one of N nodes,
 * against the floor of a plain client creating the same D × N pods from 16 threads; and when each
 * NodeDaemon became Ready, as a share of the whole time (fairness: the work is interleaved, not one
 * NodeDaemon's burst ahead of the others).
 */
final class ManyDaemonsBenchmark {

  /** The figures of one run; {@code each} holds every NodeDaemon's time to Ready, sorted. */
  record Result(int daemons, int nodes, Duration all, Duration floor, List<Duration> each) {
    double ratio() {
      return (double) all.toMillis() / Math.max(1, floor.toMillis());
    }

    /** When the median NodeDaemon was Ready, as a share of the time all were. */
    double medianShare() {
      return (double) each.get((each.size() - 1) / 2).toMillis() / Math.max(1, all.toMillis());
    }

    double firstShare() {
      return (double) each.get(0).toMillis() / Math.max(1, all.toMillis());
    }
  }

  /** One pod the floor creates. */
  private record FloorPod(String namespace, String node) {}

  /** -Dbench.many.trace=true: per NodeDaemon, when its last pod was created, bound and Ready. */
  static final boolean TRACE = Boolean.getBoolean("bench.many.trace");

  private final Path base;

  ManyDaemonsBenchmark(Path base) {
    this.base = base;
  }

  Result run(int daemons, int nodes, Duration timeout) throws Exception {
    if (ConvergenceBenchmark.REAL) {
      try (RealControlPlane cluster = RealControlPlane.start(Duration.ZERO, Duration.ZERO)) {
        ConvergenceBenchmark.addNodes(cluster, nodes);
        Duration floor = floor(cluster, daemons, nodes, timeout);
        for (int d = 0; d < daemons; d++) {
          cluster.client().pods().inNamespace(floorNamespace(d)).withGracePeriod(0).delete();
        }
        awaitNoFloorPods(cluster.client(), daemons, timeout);
        return measure(cluster, daemons, nodes, floor, timeout);
      }
    }
    Duration floor;
    try (SimulatedCluster cluster =
        SimulatedCluster.builder().withStandIns(Duration.ZERO).start()) {
      ConvergenceBenchmark.addNodes(cluster, nodes);
      floor = floor(cluster, daemons, nodes, timeout);
    }
    try (SimulatedCluster cluster =
        SimulatedCluster.builder().withStandIns(Duration.ZERO).start()) {
      ConvergenceBenchmark.addNodes(cluster, nodes);
      return measure(cluster, daemons, nodes, floor, timeout);
    }
  }

  /**
   * The plain client: every pod of every NodeDaemon created from 16 threads, until all are ready.
   */
  static Duration floor(TestCluster cluster, int daemons, int nodes, Duration timeout)
      throws Exception {
    KubernetesClient client = cluster.client();
    for (int d = 0; d < daemons; d++) {
      cluster.createNamespace(floorNamespace(d));
    }
    ExecutorService pool = Executors.newFixedThreadPool(ConvergenceBenchmark.WRITERS);
    try (SharedIndexInformer<Pod> pods =
        client.pods().inAnyNamespace().withLabel("app", "agent").inform()) {
      Instant t0 = Instant.now();
      List<FloorPod> work = new ArrayList<>();
      // Interleaved by node, as the operator's passes for many NodeDaemons would be.
      for (String node : ConvergenceBenchmark.allNodes(nodes)) {
        for (int d = 0; d < daemons; d++) {
          work.add(new FloorPod(floorNamespace(d), node));
        }
      }
      ConvergenceBenchmark.forEach(
          pool,
          work,
          pod ->
              ConvergenceBenchmark.createFloorPod(
                  client, pod.namespace(), pod.node(), ConvergenceBenchmark.FLOOR_V1));
      Instant deadline = Instant.now().plus(timeout);
      while (ConvergenceBenchmark.countReady(pods.getStore().list()) < daemons * nodes) {
        if (Instant.now().isAfter(deadline)) {
          throw new IllegalStateException("the floor did not converge");
        }
        TimeUnit.MILLISECONDS.sleep(20);
      }
      return Duration.between(t0, Instant.now());
    } finally {
      pool.shutdownNow();
    }
  }

  /** The operator: all NodeDaemons created together; each one's time to Ready recorded. */
  Result measure(TestCluster cluster, int daemons, int nodes, Duration floor, Duration timeout)
      throws Exception {
    KubernetesClient client = cluster.client();
    for (int d = 0; d < daemons; d++) {
      cluster.createNamespace(namespace(d));
    }
    Path log = base.resolve("target/benchmark-many-operator.log");
    Files.deleteIfExists(log);
    try (OperatorProcess operator =
            OperatorProcess.start(base, cluster, log, timeout, ConvergenceBenchmark.operatorJvm());
        SharedIndexInformer<NodeDaemon> watched =
            client.resources(NodeDaemon.class).inAnyNamespace().inform();
        PodTrace trace = TRACE ? new PodTrace(client, nodes) : null) {
      Map<String, Duration> ready = new HashMap<>();
      ExecutorService pool = Executors.newFixedThreadPool(daemons);
      Instant t0 = Instant.now();
      if (trace != null) {
        trace.start(t0);
      }
      try {
        List<String> all = new ArrayList<>();
        for (int d = 0; d < daemons; d++) {
          all.add(namespace(d));
        }
        ConvergenceBenchmark.forEach(
            pool,
            all,
            ns ->
                client
                    .resources(NodeDaemon.class)
                    .inNamespace(ns)
                    .resource(ConvergenceBenchmark.daemon(ns, Map.of(), 1))
                    .create());
      } finally {
        pool.shutdownNow();
      }
      Instant deadline = Instant.now().plus(timeout);
      while (ready.size() < daemons) {
        for (NodeDaemon d : watched.getStore().list()) {
          NodeDaemonStatus s = d.getStatus();
          if (s != null
              && s.getNumberAvailable() == nodes
              && s.getUpdatedNumberScheduled() == nodes) {
            ready.putIfAbsent(d.getMetadata().getNamespace(), Duration.between(t0, Instant.now()));
          }
        }
        if (Instant.now().isAfter(deadline)) {
          throw new IllegalStateException(
              (daemons - ready.size()) + " NodeDaemons not ready within " + timeout);
        }
        TimeUnit.MILLISECONDS.sleep(20);
      }
      List<Duration> each = ready.values().stream().sorted().toList();
      if (trace != null) {
        trace.print(ready);
      }
      return new Result(daemons, nodes, each.get(each.size() - 1), floor, each);
    }
  }

  /**
   * Watches the NodeDaemons' pods and records, per namespace, when the last of its pods was
   * created, bound and Ready: where a NodeDaemon's time to Ready goes (the operator's creates, the
   * scheduler, the kubelet, the status pass). A diagnostic: its watch adds load.
   */
  private static final class PodTrace implements AutoCloseable {
    private final int nodes;
    private final SharedIndexInformer<Pod> pods;
    private final Map<String, int[]> counts = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, long[]> lastAt = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, Integer> seenState = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile Instant t0 = Instant.now();

    PodTrace(KubernetesClient client, int nodes) {
      this.nodes = nodes;
      this.pods = client.pods().inAnyNamespace().withLabel("app", "agent").runnableInformer(0);
      pods.addEventHandler(
          new io.fabric8.kubernetes.client.informers.ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
              see(pod);
            }

            @Override
            public void onUpdate(Pod old, Pod pod) {
              see(pod);
            }

            @Override
            public void onDelete(Pod pod, boolean unknown) {}
          });
      pods.start();
    }

    void start(Instant t0) {
      this.t0 = t0;
    }

    /** 1 created, 2 bound, 3 Ready: each step counted once per pod. */
    private void see(Pod pod) {
      String ns = pod.getMetadata().getNamespace();
      if (!ns.startsWith("many-")) {
        return;
      }
      int state = ConvergenceBenchmark.countReady(List.of(pod)) == 1 ? 3 : 1;
      if (state == 1 && pod.getSpec().getNodeName() != null) {
        state = 2;
      }
      String key = ns + "/" + pod.getMetadata().getName();
      int before = seenState.getOrDefault(key, 0);
      if (state <= before) {
        return;
      }
      seenState.put(key, state);
      long at = Duration.between(t0, Instant.now()).toMillis();
      int[] c = counts.computeIfAbsent(ns, k -> new int[4]);
      long[] t = lastAt.computeIfAbsent(ns, k -> new long[4]);
      synchronized (c) {
        for (int s = before + 1; s <= state; s++) {
          if (++c[s] == nodes) {
            t[s] = at;
          }
        }
      }
    }

    void print(Map<String, Duration> ready) {
      System.out.printf(
          "%10s %10s %10s %10s %10s%n", "ND", "CREATED", "BOUND", "PODS-READY", "STATUS");
      ready.entrySet().stream()
          .sorted(Map.Entry.comparingByValue())
          .forEach(
              e -> {
                long[] t = lastAt.getOrDefault(e.getKey(), new long[4]);
                System.out.printf(
                    "%10s %8dms %8dms %8dms %8dms%n",
                    e.getKey(), t[1], t[2], t[3], e.getValue().toMillis());
              });
    }

    @Override
    public void close() {
      pods.close();
    }
  }

  static void print(Result r) {
    System.out.println();
    System.out.printf(
        "%d NodeDaemons x %d nodes created together, %s (packaged operator, JVM mode, %s)%n",
        r.daemons(),
        r.nodes(),
        ConvergenceBenchmark.REAL ? "real control plane" : "simulated cluster",
        String.join(" ", ConvergenceBenchmark.OPERATOR_JVM));
    System.out.printf(
        "%6s %6s %10s %10s %6s %10s %10s %10s %8s %8s%n",
        "ND",
        "NODES",
        "ALL-READY",
        "FLOOR",
        "RATIO",
        "FIRST",
        "MEDIAN",
        "LAST",
        "FIRST/ALL",
        "MED/ALL");
    System.out.printf(
        "%6d %6d %8dms %8dms %6.2f %8dms %8dms %8dms %8.2f %8.2f%n",
        r.daemons(),
        r.nodes(),
        r.all().toMillis(),
        r.floor().toMillis(),
        r.ratio(),
        r.each().get(0).toMillis(),
        r.each().get((r.each().size() - 1) / 2).toMillis(),
        r.all().toMillis(),
        r.firstShare(),
        r.medianShare());
  }

  private static void awaitNoFloorPods(KubernetesClient client, int daemons, Duration timeout)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (client.pods().inAnyNamespace().withLabel("app", "agent").list().getItems().stream()
        .anyMatch(p -> p.getMetadata().getNamespace().startsWith("floor-"))) {
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException("the floor's pods were not deleted");
      }
      TimeUnit.MILLISECONDS.sleep(200);
    }
  }

  static String namespace(int d) {
    return String.format("many-%02d", d);
  }

  static String floorNamespace(int d) {
    return String.format("floor-%02d", d);
  }
}
