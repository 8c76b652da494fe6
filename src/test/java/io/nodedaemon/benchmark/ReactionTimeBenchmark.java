package io.nodedaemon.benchmark;

import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.cluster.RealControlPlane;
import io.nodedaemon.cluster.TestCluster;
import io.nodedaemon.planner.DaemonPodFactory;
import io.nodedaemon.sim.OperatorProcess;
import io.nodedaemon.sim.SimNode;
import io.nodedaemon.sim.SimulatedCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Reaction time (issue 16, goal 3): how soon after a node joins a converged cluster every
 * NodeDaemon has created its pod there. N production-sized nodes, D NodeDaemons (one per namespace
 * {@code react-0..D-1}, each on every node, created together) and the packaged operator as a
 * separate process; once all D are available on all N nodes, K new nodes are added one at a time.
 * Per node, from the arrival (System.nanoTime, in this process) of its Node ADDED watch event to
 * the arrival of the ADDED events of its D pods, keyed by the node their node affinity pins them to
 * (the operator creates them unbound; the scheduler binds them later).
 *
 * <p>{@code ./mvnw -B package -Pbench -DskipTests -Dbench.react=true} (shape: {@code
 * -Dbench.react.nodes=5000 -Dbench.react.daemons=10 -Dbench.react.samples=50}; {@code
 * -Dbench.react.xmx=384m} raises the operator's heap for this benchmark only, the default above
 * 10,000 daemon pods; {@code -Dbench.cluster=real}: the real control plane).
 */
public final class ReactionTimeBenchmark {

  /** What to run. {@code xmx}: the operator's -Xmx instead of the container's, or blank. */
  public record Shape(
      int nodes, int daemons, int samples, Duration sampleTimeout, Duration timeout, String xmx) {

    /** The issue's shape, or what {@code -Dbench.react.*} says. */
    static Shape fromProperties() {
      int nodes = Integer.getInteger("bench.react.nodes", 5000);
      int daemons = Integer.getInteger("bench.react.daemons", 10);
      String xmx = heapFor(nodes, daemons);
      return new Shape(
          nodes,
          daemons,
          Integer.getInteger("bench.react.samples", 50),
          Duration.ofSeconds(Long.getLong("bench.react.sampleTimeoutSeconds", 30)),
          Duration.ofMinutes(Long.getLong("bench.react.timeoutMinutes", 30)),
          System.getProperty("bench.react.xmx", xmx).trim());
    }

    /** The operator's -Xmx for a shape, or blank for the container's. */
    static String heapFor(int nodes, int daemons) {
      // The operator caches every pod of every NodeDaemon, about 6 KB each: 1,000 nodes x 10
      // NodeDaemons is 71 MiB of live heap, more than the old generation of -Xmx96m (sized for one
      // NodeDaemon on 5,000 nodes), so every collection was a full one (31 in 25 s, 7.7 s of
      // pauses): from 5,000 daemon pods on, the heap the default Deployment gives (40% of its 512
      // MiB limit); at 5,000 x 10 -Xmx384m also collected back to back, so above 20,000 768m.
      long pods = (long) nodes * daemons;
      return pods > 20_000 ? "768m" : pods >= 5_000 ? "205m" : "";
    }
  }

  /**
   * One new node: when its Node ADDED event arrived, when the first node event without the
   * not-ready taint arrived (the same event on the simulated cluster; on the real control plane the
   * API server's admission taints a new node not-ready and the harness's kubelet stand-in clears it
   * with an update right after), and when its daemon pods' ADDED events arrived, in the order they
   * did (all System.nanoTime of this process).
   */
  public record Sample(String node, long nodeAdded, long nodeEligible, List<Long> podsAdded) {

    int pods() {
      return podsAdded.size();
    }

    Duration firstPod() {
      return Duration.ofNanos(podsAdded.get(0) - nodeAdded);
    }

    Duration allPods() {
      return Duration.ofNanos(podsAdded.get(podsAdded.size() - 1) - nodeAdded);
    }

    Duration allPodsFromEligible() {
      return Duration.ofNanos(podsAdded.get(podsAdded.size() - 1) - nodeEligible);
    }
  }

  /** What a run measured. */
  public record Result(
      String backend,
      Shape shape,
      List<String> operatorJvm,
      Duration converge,
      long rssKiB,
      long liveHeapBytes,
      long gcPausesDuringSamples,
      Duration gcTimeDuringSamples,
      long passesDuringSamples,
      long deferredDuringSamples,
      List<Sample> samples) {

    /** The samples whose node got a pod of every NodeDaemon. */
    List<Sample> complete() {
      return samples.stream()
          .filter(s -> s.nodeAdded() != 0 && s.pods() == shape.daemons())
          .toList();
    }
  }

  static final String NAMESPACE_PREFIX = "react-";

  /** Histogram bucket upper bounds, in ms; the last bucket is everything above the last bound. */
  static final long[] BUCKETS_MS = {10, 25, 50, 100, 250, 500, 1000};

  private final Path base;
  private final Path log;

  public ReactionTimeBenchmark(Path base) {
    this.base = base;
    this.log = base.resolve("target/reaction-operator.log");
  }

  /** Runs the shape on the backend {@code -Dbench.cluster} names (see ConvergenceBenchmark). */
  public Result run(Shape shape) throws Exception {
    if (ConvergenceBenchmark.REAL) {
      try (RealControlPlane cluster = RealControlPlane.start(Duration.ZERO, Duration.ZERO)) {
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
    progress("adding " + shape.nodes() + " nodes");
    ConvergenceBenchmark.addNodes(cluster, shape.nodes());
    List<String> namespaces = new ArrayList<>();
    for (int i = 0; i < shape.daemons(); i++) {
      namespaces.add(NAMESPACE_PREFIX + i);
      cluster.createNamespace(NAMESPACE_PREFIX + i);
    }
    List<String> jvm = operatorJvm(shape);
    try (OperatorProcess operator =
        OperatorProcess.start(base, cluster, log, shape.timeout(), jvm.toArray(String[]::new))) {
      progress("operator ready; creating " + shape.daemons() + " NodeDaemons together");
      Instant t0 = Instant.now();
      for (String ns : namespaces) {
        client
            .resources(NodeDaemon.class)
            .inNamespace(ns)
            .resource(ConvergenceBenchmark.daemon(ns, Map.of(), 1))
            .create();
      }
      Instant deadline = t0.plus(shape.timeout());
      for (String ns : namespaces) {
        try {
          ConvergenceBenchmark.waitFor(
              client,
              ns,
              s -> s.getNumberAvailable() == shape.nodes(),
              Duration.between(Instant.now(), deadline));
        } catch (IllegalStateException e) {
          throw explained(e, operator);
        }
      }
      Duration converge = Duration.between(t0, Instant.now());
      long rss = ConvergenceBenchmark.rssKiB(operator.pid());
      long heap = ConvergenceBenchmark.liveHeap(operator.pid(), operator.httpPort());
      progress(
          "all "
              + shape.daemons()
              + " NodeDaemons available on "
              + shape.nodes()
              + " nodes in "
              + converge.toMillis()
              + " ms; adding "
              + shape.samples()
              + " nodes one at a time");

      List<Sample> samples = new ArrayList<>();
      // Seeded: the same pauses from run to run.
      Random random = new Random(16);
      Gc gcBefore = Gc.of(operator.pid());
      long passesBefore = passes(operator.httpPort());
      long deferredBefore = deferred(operator.httpPort());
      Profile profile = Profile.start(operator.pid());
      try (Arrivals arrivals = new Arrivals(client, shape.daemons())) {
        for (int k = 0; k < shape.samples(); k++) {
          if (!operator.isAlive()) {
            throw explained(new IllegalStateException("the operator exited"), operator);
          }
          String name = ConvergenceBenchmark.nodeName(shape.nodes() + k);
          Arrivals.Tracked tracked = arrivals.expect(name);
          ConvergenceBenchmark.addNode(cluster, name, Instant.now());
          if (!tracked.await(shape.sampleTimeout())) {
            progress(
                name
                    + ": "
                    + tracked.pods.size()
                    + " of "
                    + shape.daemons()
                    + " pods within "
                    + shape.sampleTimeout().toSeconds()
                    + " s");
          }
          samples.add(tracked.sample(name));
          // Independent samples: the operator's work for this node (binding, status) is done or
          // nearly so before the next node comes.
          TimeUnit.MILLISECONDS.sleep(200 + random.nextInt(301));
        }
      }
      Gc gcAfter = Gc.of(operator.pid());
      profile.stop();
      return new Result(
          cluster.backend(),
          shape,
          jvm,
          converge,
          rss,
          heap,
          gcAfter.pauses() - gcBefore.pauses(),
          gcAfter.time().minus(gcBefore.time()),
          passes(operator.httpPort()) - passesBefore,
          deferred(operator.httpPort()) - deferredBefore,
          samples);
    }
  }

  /** The container's flags, with {@code -Xmx} raised if the shape says so (a later one wins). */
  static List<String> operatorJvm(Shape shape) {
    List<String> jvm = new ArrayList<>(List.of(ConvergenceBenchmark.operatorJvm()));
    if (!shape.xmx().isEmpty()) {
      jvm.add("-Xmx" + shape.xmx());
    }
    return jvm;
  }

  /** A failure, with the hint that the operator ran out of heap when its log says so. */
  private IllegalStateException explained(IllegalStateException e, OperatorProcess operator) {
    String hint = "";
    try {
      if (Files.readString(log).contains("OutOfMemoryError")) {
        hint = " (the operator ran out of heap: try a larger -Dbench.react.xmx)";
      }
    } catch (IOException ignored) {
      // No log to read: no hint.
    }
    return new IllegalStateException(
        e.getMessage()
            + hint
            + "; operator "
            + (operator.isAlive() ? "running" : "exited")
            + ", see "
            + log
            + "\n"
            + OperatorProcess.tail(log),
        e);
  }

  /** The pod events whose pass the operator deferred so far (PodEventBatching), or -1. */
  static long deferred(int httpPort) {
    return ConvergenceBenchmark.metricSum(
        httpPort, line -> line.startsWith("nodedaemon_pod_events_deferred_total"));
  }

  /** The operator's reconciliations so far (JOSDK's counter in its /q/metrics), or -1. */
  static long passes(int httpPort) {
    return ConvergenceBenchmark.metricSum(
        httpPort, line -> line.startsWith("operator_sdk_reconciliations_started_total"));
  }

  /**
   * A JFR recording of the operator while the samples run, when {@code -Dbench.react.jfr=FILE}
   * names one (the set-up's convergence would otherwise drown the reactions in the profile); a
   * {@code {cluster}} in the name becomes {@code sim} or {@code real}, so that the goals' two
   * columns keep a profile each.
   */
  record Profile(long pid, String file) {
    static Profile start(long pid) throws IOException, InterruptedException {
      String file =
          System.getProperty("bench.react.jfr", "")
              .trim()
              .replace("{cluster}", ConvergenceBenchmark.REAL ? "real" : "sim");
      if (!file.isEmpty()) {
        String absolute = Path.of(file).toAbsolutePath().toString();
        progress(
            ConvergenceBenchmark.jcmd(
                    pid, "JFR.start", "name=react", "settings=profile", "filename=" + absolute)
                .trim());
        return new Profile(pid, absolute);
      }
      return new Profile(pid, null);
    }

    void stop() throws IOException, InterruptedException {
      if (file != null) {
        progress(ConvergenceBenchmark.jcmd(pid, "JFR.stop", "name=react").trim());
      }
    }
  }

  /**
   * The operator's collections so far (young and full) and their total time, from jstat: a heap too
   * small for the caches shows up as back-to-back full collections during the samples.
   */
  record Gc(long pauses, Duration time) {
    static Gc of(long pid) {
      try {
        Path jstat = Path.of(System.getProperty("java.home"), "bin", "jstat");
        Process p =
            new ProcessBuilder(jstat.toString(), "-gcutil", Long.toString(pid))
                .redirectErrorStream(true)
                .start();
        List<String> lines = new String(p.getInputStream().readAllBytes()).lines().toList();
        p.waitFor(30, TimeUnit.SECONDS);
        List<String> head = List.of(lines.get(0).trim().split("\\s+"));
        String[] values = lines.get(1).trim().split("\\s+");
        long pauses =
            Long.parseLong(values[head.indexOf("YGC")])
                + Long.parseLong(values[head.indexOf("FGC")]);
        double seconds = Double.parseDouble(values[head.indexOf("GCT")]);
        return new Gc(pauses, Duration.ofMillis(Math.round(seconds * 1000)));
      } catch (IOException | RuntimeException e) {
        return new Gc(0, Duration.ZERO);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new Gc(0, Duration.ZERO);
      }
    }
  }

  private static void progress(String message) {
    System.out.println("react: " + Instant.now() + " " + message);
  }

  /**
   * Watches on nodes and on pods of all namespaces, from the current resourceVersion (no replay of
   * the cluster's 50,000 pods and no cache of them), recording the arrival of the events of the
   * nodes it is told to expect and of their daemon pods.
   */
  static final class Arrivals implements AutoCloseable {

    /** One expected node's arrivals; the latch counts its daemon pods down. */
    static final class Tracked {
      volatile long added;
      volatile long eligible;
      final Map<String, Long> pods = new ConcurrentHashMap<>();
      final CountDownLatch latch;

      Tracked(int daemons) {
        latch = new CountDownLatch(daemons);
      }

      boolean await(Duration timeout) throws InterruptedException {
        return latch.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
      }

      Sample sample(String node) {
        List<Long> times = new ArrayList<>(pods.values());
        Collections.sort(times);
        return new Sample(node, added, eligible, List.copyOf(times));
      }
    }

    private final Map<String, Tracked> expected = new ConcurrentHashMap<>();
    private final int daemons;
    private final Watch nodes;
    private final Watch pods;

    Arrivals(KubernetesClient client, int daemons) {
      this.daemons = daemons;
      var one = new ListOptionsBuilder().withLimit(1L).build();
      String nodeVersion = client.nodes().list(one).getMetadata().getResourceVersion();
      String podVersion =
          client.pods().inAnyNamespace().list(one).getMetadata().getResourceVersion();
      nodes =
          client
              .nodes()
              .watch(
                  nodeVersion,
                  new Watcher<>() {
                    @Override
                    public void eventReceived(Action action, Node node) {
                      long now = System.nanoTime();
                      Tracked t = expected.get(node.getMetadata().getName());
                      if (t == null) {
                        return;
                      }
                      if (action == Action.ADDED && t.added == 0) {
                        t.added = now;
                      }
                      if ((action == Action.ADDED || action == Action.MODIFIED)
                          && t.eligible == 0
                          && !notReadyTainted(node)) {
                        t.eligible = now;
                      }
                    }

                    @Override
                    public void onClose(WatcherException cause) {
                      progress("node watch closed: " + cause);
                    }
                  });
      pods =
          client
              .pods()
              .inAnyNamespace()
              .watch(
                  podVersion,
                  new Watcher<>() {
                    @Override
                    public void eventReceived(Action action, Pod pod) {
                      long now = System.nanoTime();
                      if (action != Action.ADDED
                          || !pod.getMetadata().getNamespace().startsWith(NAMESPACE_PREFIX)) {
                        return;
                      }
                      Tracked t = expected.get(DaemonPodFactory.targetNodeName(pod));
                      if (t != null
                          && t.pods.putIfAbsent(pod.getMetadata().getNamespace(), now) == null) {
                        t.latch.countDown();
                      }
                    }

                    @Override
                    public void onClose(WatcherException cause) {
                      progress("pod watch closed: " + cause);
                    }
                  });
    }

    /** Starts recording for a node about to be added. */
    Tracked expect(String node) {
      Tracked t = new Tracked(daemons);
      expected.put(node, t);
      return t;
    }

    static boolean notReadyTainted(Node node) {
      return node.getSpec() != null
          && node.getSpec().getTaints() != null
          && node.getSpec().getTaints().stream()
              .anyMatch(t -> SimNode.TAINT_NOT_READY.equals(t.getKey()));
    }

    @Override
    public void close() {
      nodes.close();
      pods.close();
    }
  }

  /** Nearest-rank percentile of sorted values. */
  static long percentile(List<Long> sorted, double p) {
    if (sorted.isEmpty()) {
      return -1;
    }
    int rank = (int) Math.ceil(p * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size(), rank) - 1));
  }

  /** Per bucket of {@link #BUCKETS_MS} (plus one above the last), how many values fall in it. */
  static int[] histogram(List<Long> nanos) {
    int[] counts = new int[BUCKETS_MS.length + 1];
    for (long n : nanos) {
      int b = 0;
      while (b < BUCKETS_MS.length && n > TimeUnit.MILLISECONDS.toNanos(BUCKETS_MS[b])) {
        b++;
      }
      counts[b]++;
    }
    return counts;
  }

  static String bucketLabel(int b) {
    if (b == BUCKETS_MS.length) {
      return ">" + BUCKETS_MS[b - 1] + " ms";
    }
    return (b == 0 ? 0 : BUCKETS_MS[b - 1]) + "-" + BUCKETS_MS[b] + " ms";
  }

  private static List<Long> sortedNanos(List<Duration> durations) {
    return durations.stream().map(Duration::toNanos).sorted().toList();
  }

  private static String ms(long nanos) {
    return String.format("%.1fms", nanos / 1e6);
  }

  /** Prints the report table. */
  static void print(Result r) {
    Shape s = r.shape();
    List<Sample> complete = r.complete();
    List<Long> all = sortedNanos(complete.stream().map(Sample::allPods).toList());
    List<Long> first = sortedNanos(complete.stream().map(Sample::firstPod).toList());
    boolean real = "real".equals(r.backend());
    System.out.println();
    System.out.printf(
        "Reaction time on the %s (%s): one node at a time added to %d nodes x %d NodeDaemons"
            + " (each on every node), %d samples 200-500 ms apart; packaged operator, %s%s%n",
        real ? "real control plane" : "simulated cluster",
        LocalDate.now(),
        s.nodes(),
        s.daemons(),
        s.samples(),
        String.join(" ", r.operatorJvm()),
        s.xmx().isEmpty()
            ? ""
            : " (-Xmx" + s.xmx() + " instead of the container's, for this benchmark only)");
    System.out.printf(
        "Set-up: all %d NodeDaemons available on %d nodes in %d ms; operator RSS %d MiB,"
            + " live heap %d MiB%n",
        s.daemons(),
        s.nodes(),
        r.converge().toMillis(),
        r.rssKiB() / 1024,
        r.liveHeapBytes() >> 20);
    System.out.printf(
        "Operator GC while the samples ran: %d collections, %d ms%n",
        r.gcPausesDuringSamples(), r.gcTimeDuringSamples().toMillis());
    System.out.printf(
        "Passes (reconciliations) while the samples ran: %d, %.1f per new node and NodeDaemon%n",
        r.passesDuringSamples(),
        r.passesDuringSamples() / (double) Math.max(1, s.samples() * s.daemons()));
    System.out.printf(
        "Pod events whose pass was deferred to share one (PodEventBatching): %d%n",
        r.deferredDuringSamples());
    System.out.println(
        "Measured in one process from watch events: Node ADDED to the pods' ADDED (by node affinity)");
    System.out.printf(
        "%-32s %10s %10s %10s %10s %9s%n",
        "FROM NODE ADDED TO", "P50", "P90", "P99", "MAX", "SAMPLES");
    row("all " + s.daemons() + " pods", all, complete.size(), s.samples());
    row("first pod", first, complete.size(), s.samples());
    if (real) {
      // On the real control plane a new node is tainted not-ready until its update: say how much
      // of the figure above is that.
      row(
          "all, from not-ready taint gone",
          sortedNanos(
              complete.stream()
                  .filter(x -> x.nodeEligible() != 0)
                  .map(Sample::allPodsFromEligible)
                  .toList()),
          complete.size(),
          s.samples());
    }
    int[] hAll = histogram(all);
    int[] hFirst = histogram(first);
    int max = 1;
    for (int c : hAll) {
      max = Math.max(max, c);
    }
    System.out.printf("%-14s %8s %8s%n", "HISTOGRAM", "ALL-" + s.daemons(), "FIRST");
    for (int b = 0; b < hAll.length; b++) {
      int bar = hAll[b] == 0 ? 0 : Math.max(1, Math.round(40f * hAll[b] / max));
      System.out.printf("%-14s %8d %8d  %s%n", bucketLabel(b), hAll[b], hFirst[b], "#".repeat(bar));
    }
    if (!all.isEmpty()) {
      boolean met =
          percentile(all, 0.50) <= TimeUnit.MILLISECONDS.toNanos(50)
              && percentile(all, 0.99) <= TimeUnit.MILLISECONDS.toNanos(250);
      System.out.printf(
          "Goal (issue 16): p50 <= 50 ms, p99 <= 250 ms for all %d pods: %s%s%n",
          s.daemons(),
          met ? "met" : "NOT met",
          all.size() < 100 ? " (fewer than 100 samples: p99 is the largest)" : "");
    }
  }

  private static void row(String label, List<Long> sorted, int complete, int samples) {
    System.out.printf(
        "%-32s %10s %10s %10s %10s %9s%n",
        label,
        ms(percentile(sorted, 0.50)),
        ms(percentile(sorted, 0.90)),
        ms(percentile(sorted, 0.99)),
        ms(percentile(sorted, 1.0)),
        complete + "/" + samples);
  }

  /** Entry point of {@code -Dbench.react=true} (see {@link Benchmarks}). */
  static void runAndPrint() throws Exception {
    print(new ReactionTimeBenchmark(Path.of("").toAbsolutePath()).run(Shape.fromProperties()));
  }
}
