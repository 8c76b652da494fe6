package io.nodedaemon.benchmark;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonStatus;
import io.nodedaemon.cluster.RealControlPlane;
import io.nodedaemon.cluster.TestCluster;
import io.nodedaemon.e2e.E2eSupport;
import io.nodedaemon.e2e.FaultRecovery;
import io.nodedaemon.planner.NodePlacement;
import io.nodedaemon.planner.Placement;
import io.nodedaemon.sim.OperatorProcess;
import io.nodedaemon.sim.SimNode;
import io.nodedaemon.sim.SimulatedCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load and churn (issue 12): N NodeDaemons on M nodes created at once, then nodes added, removed,
 * tainted, relabelled and made NotReady at R changes per second for D, with rollouts during it,
 * against the packaged operator as a separate process. A checker watches the whole time, from
 * informers, that no NodeDaemon ever has two active pods on one node, never takes more nodes down
 * than its maxUnavailable, and never touches a pod it does not control; afterwards it measures how
 * long each NodeDaemon takes to settle, the writes, the operator's memory, and that a resync then
 * writes nothing.
 *
 * <p>{@code ./mvnw -B package -Pbench -DskipTests -Dbench.churn=true} (shape: {@code
 * -Dbench.churn.daemons=20 -Dbench.churn.nodes=500 -Dbench.churn.rate=10 -Dbench.churn.seconds=300
 * -Dbench.churn.rollouts=2}; {@code -Dbench.cluster=real}: the real control plane, 200 nodes by
 * default).
 */
public final class ChurnBenchmark {

  /**
   * What to run: how many NodeDaemons and nodes, how fast and how long the churn, how many
   * rollouts.
   */
  public record Shape(
      int daemons, int nodes, double rate, Duration churn, int rollouts, Duration bound) {

    /** The issue's shape, or what {@code -Dbench.churn.*} says. */
    static Shape fromProperties(boolean real) {
      return new Shape(
          Integer.getInteger("bench.churn.daemons", 20),
          Integer.getInteger("bench.churn.nodes", real ? 200 : 500),
          Double.parseDouble(System.getProperty("bench.churn.rate", "10")),
          Duration.ofSeconds(Long.getLong("bench.churn.seconds", 300)),
          Integer.getInteger("bench.churn.rollouts", 2),
          Duration.ofSeconds(Long.getLong("bench.churn.boundSeconds", 300)));
    }
  }

  /** One NodeDaemon's figures. */
  public record DaemonFigures(
      String namespace,
      Duration settled,
      long creates,
      long deletes,
      long statusWrites,
      long other) {
    long writes() {
      return creates + deletes + statusWrites + other;
    }
  }

  /** What a run measured. */
  public record Result(
      Shape shape,
      String backend,
      Duration initial,
      int changes,
      Duration churnTook,
      int finalNodes,
      int recovered,
      Duration settled,
      Duration fairnessSpread,
      List<DaemonFigures> daemons,
      long peakRssKiB,
      long peakHeapBytes,
      List<String> violations,
      long checks,
      List<String> resyncWrites) {}

  /** How many threads write the node changes. */
  static final int WRITERS = Integer.getInteger("bench.churn.writers", 4);

  static final String TIER = "churn.example/tier";
  static final String MAINTENANCE = "churn.example/maintenance";
  static final String RESYNC = "churn.example/resync";
  static final String STABLE_NODE = "churn-n00000";

  /**
   * How long the checker gives the operator to see a node change before it holds the node's lost
   * pod against the rollout's budget.
   */
  static final Duration SETTLE = Duration.ofSeconds(2);

  private final Path base;
  private final Path log;

  public ChurnBenchmark(Path base) {
    this.base = base;
    this.log = base.resolve("target/churn-operator.log");
  }

  /** Runs the shape on the backend {@code -Dbench.cluster} names (see ConvergenceBenchmark). */
  public Result run(Shape shape) throws Exception {
    if (ConvergenceBenchmark.REAL) {
      try (RealControlPlane cluster =
          RealControlPlane.start(Duration.ZERO, Duration.ofSeconds(1))) {
        return run(cluster, shape);
      }
    }
    try (SimulatedCluster cluster =
        SimulatedCluster.builder().withStandIns(Duration.ZERO).start()) {
      return run(cluster, shape);
    }
  }

  Result run(TestCluster cluster, Shape shape) throws Exception {
    Files.createDirectories(log.getParent());
    Files.deleteIfExists(log);
    KubernetesClient client = cluster.client();
    Random random = new Random(12);
    Nodes nodes = new Nodes(cluster, random);
    for (int i = 0; i < shape.nodes(); i++) {
      nodes.add();
    }
    List<String> namespaces = new ArrayList<>();
    Map<String, Pod> foreign = new LinkedHashMap<>();
    for (int i = 0; i < shape.daemons(); i++) {
      String ns = String.format("churn-%02d", i);
      namespaces.add(ns);
      cluster.createNamespace(ns);
      foreign.put(ns, foreignPod(client, ns));
    }
    try (OperatorProcess operator =
            OperatorProcess.start(
                base, cluster, log, Duration.ofMinutes(2), ConvergenceBenchmark.operatorJvm());
        SharedIndexInformer<Node> nodeInformer = client.nodes().inform();
        SharedIndexInformer<Pod> podInformer = client.pods().inAnyNamespace().inform();
        SharedIndexInformer<NodeDaemon> daemonInformer =
            client.resources(NodeDaemon.class).inAnyNamespace().inform();
        Checker checker =
            new Checker(namespaces, foreign, nodeInformer, podInformer, daemonInformer);
        Memory memory = new Memory(operator)) {
      // All at once: every NodeDaemon created before any has converged.
      for (int i = 0; i < namespaces.size(); i++) {
        client.resources(NodeDaemon.class).resource(daemon(namespaces.get(i), i)).create();
      }
      Instant created = Instant.now();
      Duration initial =
          checker.awaitSettled(created, shape.bound(), () -> {}).values().stream()
              .max(Duration::compareTo)
              .orElseThrow();

      progress(
          "all " + namespaces.size() + " NodeDaemons settled in " + initial.toMillis() + " ms");
      int mark = cluster.writes().mark();
      Instant churnStart = Instant.now();
      long periodMillis = Math.max(1, Math.round(1000 / shape.rate()));
      long total = Math.round(shape.rate() * shape.churn().toMillis() / 1000.0);
      int rollouts = 0;
      // The changes are chosen on schedule and written by a few threads: a loaded API server's
      // write latency would otherwise cap the rate (one thread reached about 4.6 a second).
      ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
      // Back-pressure: when the writers fall behind, the schedule waits instead of queueing. A
      // long queue made every node busy, and a change then fell back to adding a node, so the
      // real cluster grew from 200 to over 1,100 nodes. The rate reached is printed.
      Semaphore queued = new Semaphore(2 * WRITERS);
      List<CompletableFuture<Void>> writes = new ArrayList<>();
      for (long k = 0; k < total; k++) {
        Instant due = churnStart.plusMillis(k * periodMillis);
        long wait = Duration.between(Instant.now(), due).toMillis();
        if (wait > 0) {
          TimeUnit.MILLISECONDS.sleep(wait);
        }
        // Rollouts evenly spread over the churn: at 1/(r+1), 2/(r+1), ... of it.
        if (rollouts < shape.rollouts() && k >= total * (rollouts + 1) / (shape.rollouts() + 1)) {
          rollouts++;
          for (String ns : namespaces) {
            Rollouts.setImage(client, ns, "example.org/agent:" + (rollouts + 1));
          }
        }
        queued.acquire();
        Runnable change = nodes.nextChange(podInformer);
        writes.add(
            CompletableFuture.runAsync(
                () -> {
                  try {
                    change.run();
                  } finally {
                    queued.release();
                  }
                },
                writers));
        if ((k + 1) % Math.max(1, Math.round(shape.rate() * 30)) == 0) {
          progress(
              (k + 1)
                  + " of "
                  + total
                  + " changes, "
                  + checker.violations().size()
                  + " violations");
        }
      }
      CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
      writers.shutdown();
      nodes.collectGarbage(podInformer);
      // The churn stops and the NotReady nodes recover. A NotReady node may hold a pod that could
      // not be scheduled there (the not-ready NoSchedule taint): as upstream's rollingUpdate, the
      // operator counts it against maxUnavailable for as long as the node stays NotReady, so with
      // a budget of 1 a single such node holds the rollout (docs/reliability.md).
      int recovered = nodes.recover();
      Instant churnStop = Instant.now();
      progress("churn stopped, " + recovered + " NotReady nodes made Ready");
      Map<String, Duration> settled =
          checker.awaitSettled(churnStop, shape.bound(), () -> nodes.collectGarbage(podInformer));
      checker.close();
      List<String> truth = checker.verifyAgainstServer(client);

      // The resync: a change to every node that concerns no NodeDaemon; nothing may be written.
      int resyncMark = cluster.writes().mark();
      nodes.touchAll();
      TimeUnit.SECONDS.sleep(ConvergenceBenchmark.REAL ? 10 : 5);
      List<String> resync = new ArrayList<>();
      for (String ns : namespaces) {
        resync.addAll(cluster.writes().since(resyncMark, FaultRecovery.operatorWrites(ns)));
      }

      Map<String, Long> deletesFromMetrics =
          ConvergenceBenchmark.REAL ? Map.of() : deletedFromMetrics(operator.httpPort());
      List<DaemonFigures> figures = new ArrayList<>();
      for (String ns : namespaces) {
        List<String> w = cluster.writes().since(mark, FaultRecovery.operatorWrites(ns));
        long creates = w.stream().filter(s -> s.startsWith("POST") && isPods(s, ns)).count();
        // On the simulated cluster the log holds every writer's deletes (the kubelet stand-in
        // removes a pod once its containers stopped): the operator's own count comes from its
        // metrics there. The real control plane's audit log holds the operator's writes only.
        long deletes =
            ConvergenceBenchmark.REAL
                ? w.stream().filter(s -> s.startsWith("DELETE") && isPods(s, ns)).count()
                : deletesFromMetrics.getOrDefault(ns, 0L);
        long status = w.stream().filter(s -> s.contains("/nodedaemons/")).count();
        // Revisions and events: what is neither a pod write nor a status write.
        long other = w.size() - status - w.stream().filter(s -> isPods(s, ns)).count();
        figures.add(new DaemonFigures(ns, settled.get(ns), creates, deletes, status, other));
      }
      List<String> violations = new ArrayList<>(checker.violations());
      violations.addAll(truth);
      Duration first = settled.values().stream().min(Duration::compareTo).orElse(Duration.ZERO);
      Duration last = settled.values().stream().max(Duration::compareTo).orElse(Duration.ZERO);
      return new Result(
          shape,
          cluster.backend(),
          initial,
          nodes.changes.get(),
          Duration.between(churnStart, churnStop),
          nodes.current.size(),
          recovered,
          last,
          last.minus(first),
          figures,
          Math.max(memory.peakRssKiB(), ConvergenceBenchmark.rssKiB(operator.pid())),
          memory.peakHeap.get(),
          violations,
          checker.checks.get(),
          resync);
    }
  }

  private static void progress(String message) {
    System.out.println("churn: " + Instant.now() + " " + message);
  }

  static boolean isPods(String write, String ns) {
    return write.contains("/namespaces/" + ns + "/pods");
  }

  /** Per namespace, the operator's nodedaemon_pods_deleted_total. */
  static Map<String, Long> deletedFromMetrics(int port) throws IOException, InterruptedException {
    Map<String, Long> out = new HashMap<>();
    for (String line : ConvergenceBenchmark.metrics(port).split("\n")) {
      if (line.startsWith("nodedaemon_pods_deleted_total{")) {
        var m = java.util.regex.Pattern.compile("namespace=\"([^\"]+)\"").matcher(line);
        if (m.find()) {
          out.merge(
              m.group(1),
              (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)),
              Long::sum);
        }
      }
    }
    return out;
  }

  /**
   * NodeDaemon "agent" number {@code i}: the even ones on every node, the odd ones on tier "a" only
   * (so that relabelling moves nodes in and out of them); maxUnavailable 10%.
   */
  static NodeDaemon daemon(String namespace, int i) {
    return ConvergenceBenchmark.daemon(namespace, i % 2 == 0 ? Map.of() : Map.of(TIER, "a"), 1);
  }

  /**
   * A pod of another controller (a ConfigMap stands in for its owner, so the real garbage collector
   * keeps it) that matches the NodeDaemon's selector, on the node churn leaves alone: the operator
   * must neither adopt nor delete it.
   */
  static Pod foreignPod(KubernetesClient client, String ns) {
    ConfigMap owner =
        client
            .configMaps()
            .inNamespace(ns)
            .resource(
                new ConfigMapBuilder()
                    .withNewMetadata()
                    .withName("foreign-owner")
                    .endMetadata()
                    .build())
            .create();
    Pod pod =
        ProductionLikeObjects.foreignPod(
            ns, STABLE_NODE, owner.getMetadata().getUid(), Instant.now());
    pod.getMetadata().setName("foreign-agent");
    // The namespace's default account: on the real control plane admission refuses a pod whose
    // ServiceAccount does not exist.
    pod.getSpec().setServiceAccountName(null);
    pod.getSpec().setServiceAccount(null);
    pod.getMetadata().setLabels(Map.of("app", "agent"));
    pod.getMetadata()
        .setOwnerReferences(
            List.of(
                new OwnerReferenceBuilder()
                    .withApiVersion("v1")
                    .withKind("ConfigMap")
                    .withName("foreign-owner")
                    .withUid(owner.getMetadata().getUid())
                    .withController(true)
                    .build()));
    return client.pods().inNamespace(ns).resource(pod).create();
  }

  /** The churned nodes: what the harness last made of each, and the changes it makes. */
  static final class Nodes {
    private final TestCluster cluster;
    private final Random random;
    private final Map<String, SimNode> current = new LinkedHashMap<>();
    private final Set<String> removed = ConcurrentHashMap.newKeySet();
    private final Set<String> busy = ConcurrentHashMap.newKeySet();
    private final Set<String> collected = ConcurrentHashMap.newKeySet();
    private int next;
    final AtomicInteger changes = new AtomicInteger();

    Nodes(TestCluster cluster, Random random) {
      this.cluster = cluster;
      this.random = random;
    }

    void add() {
      addition().run();
    }

    /** Records a new node and returns the write that creates it. */
    private Runnable addition() {
      String name = String.format("churn-n%05d", next++);
      SimNode node = SimNode.named(name).label(TIER, random.nextBoolean() ? "a" : "b").build();
      put(node);
      return () -> {
        if (cluster instanceof RealControlPlane real) {
          real.addNode(ProductionLikeObjects.node(node.toNode(Instant.now()), Instant.now()));
        } else {
          cluster.addNode(node);
        }
      };
    }

    private void put(SimNode node) {
      current.put(node.name(), node);
    }

    /**
     * Chooses one change (add, remove, taint/untaint, relabel or flip readiness) at random and
     * records it, and returns the write that makes it, to be run on another thread so that slow
     * writes do not slow the rate. A node whose write is still running is not chosen (two writes of
     * one node could land in the other order).
     */
    Runnable nextChange(SharedIndexInformer<Pod> pods) {
      changes.incrementAndGet();
      int kind = random.nextInt(5);
      List<String> names = new ArrayList<>(current.keySet());
      names.remove(STABLE_NODE);
      names.removeAll(busy);
      String name;
      Runnable write;
      if (kind == 0 || current.size() < 3 || names.isEmpty()) {
        name = String.format("churn-n%05d", next);
        write = addition();
      } else {
        name = names.get(random.nextInt(names.size()));
        write = write(kind, name, pods);
      }
      busy.add(name);
      return () -> {
        try {
          write.run();
        } finally {
          busy.remove(name);
        }
      };
    }

    private Runnable write(int kind, String name, SharedIndexInformer<Pod> pods) {
      SimNode node = current.get(name);
      return switch (kind) {
        case 1 -> removal(name, pods);
        case 2 ->
            update(
                node.taints().stream().anyMatch(t -> MAINTENANCE.equals(t.getKey()))
                    ? node.toBuilder().withoutTaint(MAINTENANCE).build()
                    : node.toBuilder().taint(MAINTENANCE, "true", "NoExecute").build());
        case 3 ->
            update(
                node.toBuilder()
                    .label(TIER, "a".equals(node.labels().get(TIER)) ? "b" : "a")
                    .build());
        default -> update(node.toBuilder().ready(!node.ready()).build());
      };
    }

    /** Records the node's new state and returns the write that makes it. */
    private Runnable update(SimNode node) {
      put(node);
      return () -> E2eSupport.retryOnConflict(() -> cluster.updateNode(node));
    }

    /**
     * Removes the node and then, as the pod garbage collector does for pods bound to a node that is
     * gone, force-deletes its pods (neither backend runs that controller).
     */
    private Runnable removal(String name, SharedIndexInformer<Pod> pods) {
      current.remove(name);
      return () -> {
        removed.add(name);
        cluster.removeNode(name);
        collectGarbage(pods);
      };
    }

    /**
     * Force-deletes the pods bound to removed nodes, as the pod garbage collector does; called
     * after each change and while waiting for the operator to settle, since a pod the operator
     * created just before the node went may show up later.
     */
    void collectGarbage(SharedIndexInformer<Pod> pods) {
      for (Pod p : pods.getStore().list()) {
        String node = p.getSpec().getNodeName();
        // Each pod once: the informer shows a deleted pod until its watch event arrives, and
        // deleting it again from every writer thread made the real run's writes fall behind.
        if (node != null && removed.contains(node) && collected.add(p.getMetadata().getUid())) {
          try {
            cluster
                .client()
                .pods()
                .inNamespace(p.getMetadata().getNamespace())
                .withName(p.getMetadata().getName())
                .withGracePeriod(0)
                .delete();
          } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
              collected.remove(p.getMetadata().getUid()); // the next sweep tries again
            }
          }
        }
      }
    }

    /** Makes every NotReady node Ready again; returns how many there were. */
    int recover() {
      int n = 0;
      for (SimNode node : new ArrayList<>(current.values())) {
        if (!node.ready()) {
          update(node.toBuilder().ready(true).build()).run();
          n++;
        }
      }
      return n;
    }

    /** Relabels every node with a label no NodeDaemon selects on: a resync, nothing to do. */
    void touchAll() {
      String stamp = UUID.randomUUID().toString().substring(0, 8);
      for (SimNode node : new ArrayList<>(current.values())) {
        update(node.toBuilder().label(RESYNC, stamp).build()).run();
      }
    }
  }

  /** A new image for a NodeDaemon: a rollout. */
  static final class Rollouts {
    private Rollouts() {}

    static void setImage(KubernetesClient client, String ns, String image) {
      E2eSupport.retryOnConflict(
          () ->
              client
                  .resources(NodeDaemon.class)
                  .inNamespace(ns)
                  .withName("agent")
                  .edit(
                      d -> {
                        d.getSpec().getTemplate().getSpec().getContainers().get(0).setImage(image);
                        return d;
                      }));
    }
  }

  /** Samples the operator's RSS and heap once a second; the peak RSS is the kernel's VmHWM. */
  static final class Memory implements AutoCloseable {
    private final OperatorProcess operator;
    final AtomicLong peakHeap = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    Memory(OperatorProcess operator) {
      this.operator = operator;
      this.thread = new Thread(this::run, "churn-memory");
      thread.setDaemon(true);
      thread.start();
    }

    private void run() {
      while (running) {
        peakHeap.accumulateAndGet(ConvergenceBenchmark.heapUsed(operator.httpPort()), Math::max);
        try {
          TimeUnit.SECONDS.sleep(1);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    long peakRssKiB() throws IOException {
      for (String line : Files.readAllLines(Path.of("/proc/" + operator.pid() + "/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
      return -1;
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      thread.join(5000);
    }
  }

  /**
   * Watches the invariants from informers every 100 ms, and tells when each NodeDaemon has settled.
   * Placement is the operator's own pure rule ({@link Placement#nodeShouldRunDaemonPod}), applied
   * to what the informers hold.
   */
  static final class Checker implements AutoCloseable {
    private final List<String> namespaces;
    private final Map<String, Pod> foreign;
    private final SharedIndexInformer<Node> nodes;
    private final SharedIndexInformer<Pod> pods;
    private final SharedIndexInformer<NodeDaemon> daemons;
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final Set<String> reported = ConcurrentHashMap.newKeySet();

    /**
     * Per NodeDaemon uid, the desired nodes that had an available pod since they became desired.
     */
    private final Map<String, Set<String>> wasAvailable = new HashMap<>();

    private final Map<String, Deque<int[]>> desiredWindow = new HashMap<>();

    /** When each node last changed (the churn's doing), from the node informer. */
    private final Map<String, Instant> nodeChanged = new ConcurrentHashMap<>();

    final AtomicLong checks = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;
    private final Map<String, Instant> settledAt = new ConcurrentHashMap<>();
    private volatile Instant watchSettledFrom;
    private final Map<String, String> lastWhy = new ConcurrentHashMap<>();

    Checker(
        List<String> namespaces,
        Map<String, Pod> foreign,
        SharedIndexInformer<Node> nodes,
        SharedIndexInformer<Pod> pods,
        SharedIndexInformer<NodeDaemon> daemons) {
      this.namespaces = namespaces;
      this.foreign = foreign;
      this.nodes = nodes;
      this.pods = pods;
      this.daemons = daemons;
      nodes.addEventHandler(
          new io.fabric8.kubernetes.client.informers.ResourceEventHandler<Node>() {
            @Override
            public void onAdd(Node n) {
              nodeChanged.put(n.getMetadata().getName(), Instant.now());
            }

            @Override
            public void onUpdate(Node before, Node after) {
              nodeChanged.put(after.getMetadata().getName(), Instant.now());
            }

            @Override
            public void onDelete(Node n, boolean unknown) {
              nodeChanged.put(n.getMetadata().getName(), Instant.now());
            }
          });
      this.thread = new Thread(this::run, "churn-checker");
      thread.setDaemon(true);
      thread.start();
    }

    List<String> violations() {
      return violations;
    }

    private void run() {
      while (running) {
        try {
          check();
        } catch (RuntimeException e) {
          violation("checker", "failed: " + e);
        }
        try {
          TimeUnit.MILLISECONDS.sleep(100);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    private void violation(String key, String message) {
      // Each distinct violation once (a lasting one would otherwise count every 100 ms).
      if (reported.add(key)) {
        violations.add(Instant.now() + " " + message);
      }
    }

    private synchronized void check() {
      checks.incrementAndGet();
      Map<String, Node> nodeByName = new HashMap<>();
      for (Node n : nodes.getStore().list()) {
        nodeByName.put(n.getMetadata().getName(), n);
      }
      Map<String, List<Pod>> podsByNamespace = new HashMap<>();
      for (Pod p : pods.getStore().list()) {
        podsByNamespace
            .computeIfAbsent(p.getMetadata().getNamespace(), k -> new ArrayList<>())
            .add(p);
      }
      Instant from = watchSettledFrom;
      for (String ns : namespaces) {
        List<Pod> nsPods = podsByNamespace.getOrDefault(ns, List.of());
        checkForeign(ns, nsPods);
        NodeDaemon d = daemons.getStore().getByKey(ns + "/agent");
        if (d == null) {
          continue;
        }
        View v = new View(d, nodeByName, nsPods);
        checkInvariants(ns, d, v);
        if (from != null && !settledAt.containsKey(ns)) {
          if (v.settled()) {
            settledAt.put(ns, Instant.now());
          } else {
            lastWhy.put(ns, v.why);
          }
        }
      }
    }

    private void checkForeign(String ns, List<Pod> nsPods) {
      Pod original = foreign.get(ns);
      Pod now =
          nsPods.stream()
              .filter(p -> p.getMetadata().getUid().equals(original.getMetadata().getUid()))
              .findFirst()
              .orElse(null);
      if (now == null
          || now.getMetadata().getDeletionTimestamp() != null
          || !now.getMetadata()
              .getOwnerReferences()
              .equals(original.getMetadata().getOwnerReferences())
          || !now.getMetadata().getLabels().equals(original.getMetadata().getLabels())) {
        violation("foreign " + ns, ns + ": the foreign pod was touched: " + now);
      }
    }

    private void checkInvariants(String ns, NodeDaemon d, View v) {
      String uid = d.getMetadata().getUid();
      Set<String> had = wasAvailable.computeIfAbsent(uid, k -> new HashSet<>());
      had.retainAll(v.shouldRun);
      int down = 0;
      List<String> downNodes = new ArrayList<>();
      Instant recent = Instant.now().minus(SETTLE);
      for (String node : v.shouldRun) {
        List<Pod> active = v.active.getOrDefault(node, List.of());
        boolean available = active.stream().anyMatch(E2eSupport::ready);
        Instant changed = nodeChanged.get(node);
        if (changed != null && changed.isAfter(recent)) {
          // The churn just changed this node: whatever it lost is the churn's doing, not the
          // rollout's; it counts again once the change is SETTLE old.
          had.remove(node);
        } else if (available) {
          had.add(node);
        } else if (had.contains(node)) {
          down++;
          downNodes.add(node);
        }
      }
      for (var e : v.active.entrySet()) {
        if (e.getValue().size() > 1) {
          violation(
              "two " + ns + " " + e.getKey() + " " + e.getValue().get(1).getMetadata().getName(),
              ns
                  + ": "
                  + e.getValue().size()
                  + " active pods on "
                  + e.getKey()
                  + ": "
                  + e.getValue().stream().map(p -> p.getMetadata().getName()).toList());
        }
      }
      // maxUnavailable 10% of the desired nodes, rounded up as upstream's, at least 1; of the most
      // desired nodes in the last SETTLE, since the operator may not have seen the latest change.
      Deque<int[]> window = desiredWindow.computeIfAbsent(uid, k -> new ArrayDeque<>());
      long nowMillis = System.currentTimeMillis();
      window.addLast(new int[] {(int) (nowMillis & 0x7fffffff), v.shouldRun.size()});
      while (window.size() > 1
          && ((int) (nowMillis & 0x7fffffff)) - window.peekFirst()[0] > SETTLE.toMillis()) {
        window.removeFirst();
      }
      int mostDesired = window.stream().mapToInt(e -> e[1]).max().orElse(0);
      int budget = Math.max(1, (int) Math.ceil(mostDesired * 0.10));
      if (down > budget) {
        violation(
            "budget " + ns + " " + downNodes,
            ns
                + ": "
                + down
                + " desired nodes lost their available pod, budget "
                + budget
                + ": "
                + downNodes);
      }
    }

    /** Waits until every NodeDaemon settled; each one's time from {@code from}. */
    Map<String, Duration> awaitSettled(Instant from, Duration bound, Runnable meanwhile)
        throws InterruptedException {
      synchronized (this) {
        settledAt.clear();
        watchSettledFrom = from;
      }
      Instant deadline = from.plus(bound);
      while (settledAt.size() < namespaces.size()) {
        if (Instant.now().isAfter(deadline)) {
          List<String> missing = new ArrayList<>(namespaces);
          missing.removeAll(settledAt.keySet());
          throw new IllegalStateException(
              "not settled within " + bound + ": " + missing + describe(missing.get(0)));
        }
        meanwhile.run();
        TimeUnit.MILLISECONDS.sleep(100);
      }
      Map<String, Duration> out = new LinkedHashMap<>();
      for (String ns : namespaces) {
        out.put(ns, Duration.between(from, settledAt.get(ns)));
      }
      return out;
    }

    private String describe(String ns) {
      NodeDaemon d = daemons.getStore().getByKey(ns + "/agent");
      return "; "
          + ns
          + ": "
          + lastWhy.get(ns)
          + "; "
          + ns
          + " status: "
          + (d == null
              ? null
              : io.fabric8.kubernetes.client.utils.Serialization.asJson(d.getStatus()))
          + "; pods: "
          + pods.getStore().list().stream()
              .filter(p -> ns.equals(p.getMetadata().getNamespace()))
              .map(this::describe)
              .toList();
    }

    private String describe(Pod p) {
      Node n =
          p.getSpec().getNodeName() == null
              ? null
              : nodes.getStore().getByKey(p.getSpec().getNodeName());
      return p.getMetadata().getName()
          + "@"
          + p.getSpec().getNodeName()
          + (n == null
              ? "(gone)"
              : "(taints "
                  + n.getSpec().getTaints().stream()
                      .map(t -> t.getKey() + ":" + t.getEffect())
                      .toList()
                  + ")")
          + "/"
          + p.getMetadata().getLabels().get("controller-revision-hash")
          + (E2eSupport.ready(p) ? "/ready" : "/unready")
          + (p.getMetadata().getDeletionTimestamp() != null ? "/terminating" : "")
          + (p.getStatus() == null ? "" : "/" + p.getStatus().getPhase());
    }

    /** The settled state once more, from fresh lists rather than the informers. */
    List<String> verifyAgainstServer(KubernetesClient client) {
      List<String> out = new ArrayList<>();
      Map<String, Node> nodeByName = new HashMap<>();
      for (Node n : client.nodes().list().getItems()) {
        nodeByName.put(n.getMetadata().getName(), n);
      }
      for (String ns : namespaces) {
        NodeDaemon d = client.resources(NodeDaemon.class).inNamespace(ns).withName("agent").get();
        View v = new View(d, nodeByName, client.pods().inNamespace(ns).list().getItems());
        if (!v.settled()) {
          out.add(ns + ": not settled on a fresh list: " + v.why);
        }
      }
      return out;
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      thread.join(5000);
    }
  }

  /** One NodeDaemon against nodes and its namespace's pods: placement and the pods per node. */
  static final class View {
    final NodeDaemon daemon;
    final Set<String> shouldRun = new HashSet<>();
    final Set<String> mayStay = new HashSet<>();
    final Map<String, List<Pod>> active = new HashMap<>();
    final List<Pod> controlled = new ArrayList<>();
    String why = "";

    View(NodeDaemon daemon, Map<String, Node> nodes, List<Pod> pods) {
      this.daemon = daemon;
      for (Node n : nodes.values()) {
        NodePlacement p = Placement.nodeShouldRunDaemonPod(n, daemon);
        if (p.shouldRun()) {
          shouldRun.add(n.getMetadata().getName());
        } else if (p.shouldContinueRunning()) {
          mayStay.add(n.getMetadata().getName());
        }
      }
      String uid = daemon.getMetadata().getUid();
      for (Pod p : pods) {
        if (!uid.equals(FaultRecovery.controllerUid(p))) {
          continue;
        }
        controlled.add(p);
        String node = p.getSpec().getNodeName();
        if (node != null && p.getMetadata().getDeletionTimestamp() == null && !terminal(p)) {
          active.computeIfAbsent(node, k -> new ArrayList<>()).add(p);
        }
      }
    }

    static boolean terminal(Pod p) {
      String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
      return "Failed".equals(phase) || "Succeeded".equals(phase);
    }

    /**
     * Every desired node has exactly one ready pod of the update revision; no other pod is left but
     * at most one on a node where an existing pod may stay (NotReady); the status says exactly
     * that.
     */
    boolean settled() {
      NodeDaemonStatus s = daemon.getStatus();
      if (s == null || s.getUpdateRevision() == null) {
        return no("no status");
      }
      String rev = s.getUpdateRevision();
      int onStaying = 0;
      for (Pod p : controlled) {
        String node = p.getSpec().getNodeName();
        if (node == null || p.getMetadata().getDeletionTimestamp() != null || terminal(p)) {
          // Unbound: the scheduler has not placed it yet (or cannot: an untolerated NoSchedule
          // taint such as not-ready), so that node's pod is not ready either.
          return no("pod " + p.getMetadata().getName() + " unbound, terminating or terminal");
        }
        if (mayStay.contains(node)) {
          onStaying++;
        } else if (!shouldRun.contains(node)) {
          return no("pod " + p.getMetadata().getName() + " on " + node + ", which should run none");
        }
      }
      for (String node : shouldRun) {
        List<Pod> on = active.getOrDefault(node, List.of());
        if (on.size() != 1
            || !E2eSupport.ready(on.get(0))
            || !rev.equals(on.get(0).getMetadata().getLabels().get("controller-revision-hash"))) {
          return no(node + " has " + on.size() + " pods, not one ready of " + rev);
        }
      }
      for (String node : mayStay) {
        if (active.getOrDefault(node, List.of()).size() > 1) {
          return no(node + " (may keep its pod) has more than one");
        }
      }
      int desired = shouldRun.size();
      boolean ok =
          daemon.getMetadata().getGeneration().equals(s.getObservedGeneration())
              && eq(s.getDesiredNumberScheduled(), desired)
              && eq(s.getCurrentNumberScheduled(), desired)
              && eq(s.getUpdatedNumberScheduled(), desired)
              && eq(s.getNumberReady(), desired)
              && eq(s.getNumberAvailable(), desired)
              && eq(s.getNumberUnavailable(), 0)
              && eq(s.getNumberMisscheduled(), onStaying)
              && (onStaying > 0 || "True".equals(condition(s, "Ready")));
      return ok
          || no(
              "status "
                  + io.fabric8.kubernetes.client.utils.Serialization.asJson(s)
                  + " vs desired "
                  + desired
                  + ", misscheduled "
                  + onStaying);
    }

    private boolean no(String reason) {
      why = reason;
      return false;
    }

    private static boolean eq(Integer a, int b) {
      return (a == null ? 0 : a) == b;
    }

    private static String condition(NodeDaemonStatus s, String type) {
      return s.getConditions() == null
          ? null
          : s.getConditions().stream()
              .filter(c -> type.equals(c.getType()))
              .map(c -> c.getStatus())
              .findFirst()
              .orElse(null);
    }
  }

  /** Prints the report table. */
  static void print(Result r) {
    Shape s = r.shape();
    System.out.println();
    System.out.printf(
        "Load and churn on the %s (%s): %d NodeDaemons x %d nodes, %.0f changes/s for %d s"
            + " (%d changes), %d rollouts during it; packaged operator, %s%n",
        "real".equals(r.backend()) ? "real control plane" : "simulated cluster",
        LocalDate.now(),
        s.daemons(),
        s.nodes(),
        s.rate(),
        s.churn().toSeconds(),
        r.changes(),
        s.rollouts(),
        String.join(" ", ConvergenceBenchmark.OPERATOR_JVM));
    System.out.printf(
        "%-10s %10s %8s %8s %8s %8s %8s%n",
        "NODEDAEMON", "SETTLED", "CREATES", "DELETES", "STATUS", "OTHER", "WRITES");
    for (DaemonFigures d : r.daemons()) {
      System.out.printf(
          "%-10s %8dms %8d %8d %8d %8d %8d%n",
          d.namespace(),
          d.settled().toMillis(),
          d.creates(),
          d.deletes(),
          d.statusWrites(),
          d.other(),
          d.writes());
    }
    System.out.printf("%-34s %d ms%n", "all created at once, converged:", r.initial().toMillis());
    System.out.printf(
        "%-34s %d ms (%.1f changes/s reached)%n",
        "the churn took (changes made in):",
        r.churnTook().toMillis(),
        r.changes() * 1000.0 / Math.max(1, r.churnTook().toMillis()));
    System.out.printf(
        "%-34s %d (%d NotReady made Ready when the churn stopped)%n",
        "nodes at the end:", r.finalNodes(), r.recovered());
    System.out.printf(
        "%-34s %d ms (fairness: first to last %d ms)%n",
        "converged after churn stopped:", r.settled().toMillis(), r.fairnessSpread().toMillis());
    System.out.printf("%-34s %d KiB (VmHWM)%n", "operator peak RSS:", r.peakRssKiB());
    System.out.printf(
        "%-34s %d MiB (sampled each second)%n",
        "operator peak heap in use:", r.peakHeapBytes() >> 20);
    System.out.printf(
        "%-34s %d (in %d checks)%n", "invariant violations:", r.violations().size(), r.checks());
    r.violations().stream().limit(20).forEach(v -> System.out.println("  " + v));
    System.out.printf("%-34s %d%n", "writes at the resync after:", r.resyncWrites().size());
    r.resyncWrites().stream().limit(20).forEach(v -> System.out.println("  " + v));
  }

  /** Entry point of {@code -Dbench.churn=true} (see {@link Benchmarks}). */
  static void runAndPrint() throws Exception {
    Result r =
        new ChurnBenchmark(Path.of("").toAbsolutePath())
            .run(Shape.fromProperties(ConvergenceBenchmark.REAL));
    print(r);
  }
}
