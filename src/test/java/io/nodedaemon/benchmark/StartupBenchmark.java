package io.nodedaemon.benchmark;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.cluster.RealControlPlane;
import io.nodedaemon.cluster.TestCluster;
import io.nodedaemon.sim.OperatorProcess;
import io.nodedaemon.sim.SimulatedCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Issue 16's goal 5 on its own: the packaged operator started several times on one cluster of N
 * production-sized nodes (and one pod of another controller per node), each time timed from the
 * process's start to the first status of a NodeDaemon that was waiting for it. Prints each run and
 * the median of each part, so that a change to the start-up is measured in minutes instead of a
 * whole convergence run. {@code -Dbench.startup=true -Dbench.startup.nodes=5000
 * -Dbench.startup.runs=5}, on the backend {@code -Dbench.cluster} names.
 */
final class StartupBenchmark {
  private static final Pattern CONTROLLER_STARTING =
      Pattern.compile("^(\\S+ \\S+) .*Starting 'nodedaemon' controller", Pattern.MULTILINE);

  private static final Pattern CONTROLLER_STARTED =
      Pattern.compile("^(\\S+ \\S+) .*'nodedaemon' controller started", Pattern.MULTILINE);

  private static final DateTimeFormatter LOG_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss,SSS");

  /**
   * One start: to the first reconcile's status, and its parts from the operator's log: the JVM and
   * Quarkus until the controller starts, the informers' first lists until it has started, the rest
   * (the first pass and its status write).
   */
  record Run(Duration toFirstStatus, Duration boot, Duration lists) {
    Duration rest() {
      return toFirstStatus.minus(boot).minus(lists);
    }
  }

  private final List<Path> builds;
  private final Path log;

  /**
   * {@code builds}: project directories whose {@code target/quarkus-app} is started in turn, one
   * start of each per round, so that two builds meet the same moments of a machine whose speed
   * varies from minute to minute.
   */
  StartupBenchmark(Path base, List<Path> builds) {
    this.builds = builds;
    this.log = base.resolve("target/startup-operator.log");
  }

  static void runAndPrint() throws Exception {
    int nodes = Integer.getInteger("bench.startup.nodes", 5000);
    int rounds = Integer.getInteger("bench.startup.runs", 5);
    Path base = Path.of("").toAbsolutePath();
    List<Path> builds = new ArrayList<>(List.of(base));
    // -Dbench.startup.against=../other-checkout: that checkout's packaged operator too, in turn.
    String against = System.getProperty("bench.startup.against", "").trim();
    if (!against.isEmpty()) {
      builds.add(Path.of(against).toAbsolutePath().normalize());
    }
    measure(base, nodes, rounds, builds)
        .forEach((build, runs) -> print(nodes, backend(), build, runs));
  }

  static String backend() {
    return ConvergenceBenchmark.REAL ? "real control plane" : "simulated cluster";
  }

  /**
   * {@code rounds} starts of each build on a fresh cluster of {@code nodes} (the backend {@code
   * -Dbench.cluster} names), by build in the order given.
   */
  static Map<Path, List<Run>> measure(Path base, int nodes, int rounds, List<Path> builds)
      throws Exception {
    StartupBenchmark benchmark = new StartupBenchmark(base, builds);
    return onCluster(cluster -> benchmark.run(cluster, nodes, rounds));
  }

  /** The starts of one build, and goal 6's memory on the same nodes. */
  record Measured(List<Run> runs, long convergedRssKiB) {}

  /**
   * {@link #measure} for the build in {@code base} alone, then one more start that converges the
   * waiting NodeDaemon on all {@code nodes}, for its resident memory at that size (goal 6).
   */
  static Measured measureWithMemory(Path base, int nodes, int rounds) throws Exception {
    StartupBenchmark benchmark = new StartupBenchmark(base, List.of(base));
    return onCluster(
        cluster ->
            new Measured(
                benchmark.run(cluster, nodes, rounds).get(base),
                benchmark.convergedRssKiB(cluster, base, nodes)));
  }

  private interface OnCluster<T> {
    T run(TestCluster cluster) throws Exception;
  }

  /** {@code task} on a fresh cluster of the backend {@code -Dbench.cluster} names. */
  private static <T> T onCluster(OnCluster<T> task) throws Exception {
    if (ConvergenceBenchmark.REAL) {
      try (RealControlPlane cluster = RealControlPlane.start(Duration.ZERO, Duration.ZERO)) {
        return task.run(cluster);
      }
    }
    try (SimulatedCluster cluster =
        SimulatedCluster.builder().withStandIns(Duration.ZERO).start()) {
      return task.run(cluster);
    }
  }

  /**
   * The operator's resident memory once the probe NodeDaemon, widened to every node, has all its
   * pods available: the caches then hold every node and two pods a node (its own and the other
   * controller's).
   */
  long convergedRssKiB(TestCluster cluster, Path build, int nodes) throws Exception {
    KubernetesClient client = cluster.client();
    return start(
        cluster,
        build,
        (operator, firstStart) -> {
          client
              .resources(NodeDaemon.class)
              .inNamespace("probe")
              .withName("agent")
              .edit(
                  d -> {
                    d.getSpec().getTemplate().getSpec().setNodeSelector(null);
                    return d;
                  });
          ConvergenceBenchmark.waitFor(
              client,
              "probe",
              s -> s.getNumberAvailable() == nodes && s.getUpdatedNumberScheduled() == nodes,
              Duration.ofMinutes(15));
          // As the convergence benchmark reads it: a second after, once the burst has settled.
          TimeUnit.SECONDS.sleep(1);
          return ConvergenceBenchmark.rssKiB(operator.pid());
        });
  }

  Map<Path, List<Run>> run(TestCluster cluster, int nodes, int rounds) throws Exception {
    Files.createDirectories(log.getParent());
    ConvergenceBenchmark.addNodes(cluster, nodes);
    cluster.createNamespace("probe");
    Map<Path, List<Run>> results = new LinkedHashMap<>();
    for (int i = 0; i < rounds; i++) {
      for (Path build : builds) {
        Run run = start(cluster, build);
        System.out.printf(
            "start %d of %s: first reconcile after %.2f s (JVM and Quarkus %.2f s, first lists"
                + " %.2f s, first pass %.2f s)%n",
            i + 1,
            build,
            seconds(run.toFirstStatus()),
            seconds(run.boot()),
            seconds(run.lists()),
            seconds(run.rest()));
        results.computeIfAbsent(build, b -> new ArrayList<>()).add(run);
      }
    }
    return results;
  }

  /** One start of the operator packaged in {@code build}, until its first reconcile's status. */
  Run start(TestCluster cluster, Path build) throws Exception {
    return start(cluster, build, (operator, run) -> run);
  }

  /** What is done with an operator after its first reconcile, before it stops. */
  private interface Then<T> {
    T apply(OperatorProcess operator, Run firstStart) throws Exception;
  }

  private <T> T start(TestCluster cluster, Path build, Then<T> then) throws Exception {
    KubernetesClient client = cluster.client();
    Duration timeout = Duration.ofMinutes(5);
    // A NodeDaemon that exists before the operator starts, on no node: its first status marks
    // the first reconcile.
    var probe = client.resources(NodeDaemon.class).inNamespace("probe").withName("agent");
    probe.delete();
    while (probe.get() != null) {
      TimeUnit.MILLISECONDS.sleep(20);
    }
    client
        .resources(NodeDaemon.class)
        .inNamespace("probe")
        .resource(ConvergenceBenchmark.daemon("probe", Map.of("nowhere", "true"), 1))
        .create();
    Files.deleteIfExists(log);
    try (OperatorProcess operator =
        OperatorProcess.start(build, cluster, log, timeout, ConvergenceBenchmark.operatorJvm())) {
      Instant deadline = Instant.now().plus(timeout);
      while (true) {
        NodeDaemon d = probe.get();
        if (d != null && d.getStatus() != null && d.getStatus().getObservedGeneration() != null) {
          break;
        }
        if (Instant.now().isAfter(deadline)) {
          throw new IllegalStateException("no first reconcile within " + timeout);
        }
        TimeUnit.MILLISECONDS.sleep(10);
      }
      Duration startup = Duration.between(operator.startedAt(), Instant.now());
      String text = Files.readString(log);
      Instant starting = logTime(CONTROLLER_STARTING, text);
      Instant started = logTime(CONTROLLER_STARTED, text);
      return then.apply(
          operator,
          new Run(
              startup,
              Duration.between(operator.startedAt(), starting),
              Duration.between(starting, started)));
    }
  }

  private static Instant logTime(Pattern line, String log) {
    Matcher m = line.matcher(log);
    if (!m.find()) {
      throw new IllegalStateException("the operator's log has no line " + line.pattern());
    }
    return LocalDateTime.parse(m.group(1), LOG_TIME).atZone(ZoneId.systemDefault()).toInstant();
  }

  private static double seconds(Duration d) {
    return d.toMillis() / 1000.0;
  }

  static void print(int nodes, String backend, Path build, List<Run> runs) {
    System.out.println();
    System.out.printf(
        "Start-up to first reconcile, %,d nodes, %s, %s, JVM flags: %s%n",
        nodes, backend, build, String.join(" ", ConvergenceBenchmark.OPERATOR_JVM));
    System.out.println("| part | min | median | max |\n|---|---|---|---|");
    row("JVM and Quarkus", runs, Run::boot);
    row("first lists", runs, Run::lists);
    row("first pass", runs, Run::rest);
    row("**to first reconcile** (goal 2 s)", runs, Run::toFirstStatus);
  }

  private static void row(String part, List<Run> runs, Function<Run, Duration> of) {
    List<Duration> sorted = runs.stream().map(of).sorted().toList();
    System.out.printf(
        "| %s | %.2f s | %.2f s | %.2f s |%n",
        part,
        seconds(sorted.get(0)),
        seconds(sorted.get(sorted.size() / 2)),
        seconds(sorted.get(sorted.size() - 1)));
  }
}
