package io.nodedaemon.benchmark;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the benchmarks and prints their tables: the planner pass (JMH) and the convergence of the
 * packaged operator on the simulated cluster ({@code -Dbench.cluster=real}: on the real control
 * plane). {@code ./mvnw -B package -Pbench -DskipTests}; {@code -Dbench.churn=true} or {@code
 * -Dbench.react=true} runs the churn or the reaction-time benchmark instead, {@code
 * -Dbench.startup=true} the start-up alone, {@code -Dbench.goals=true} issue 16's goals in one
 * table on both backends.
 */
public final class Benchmarks {
  private Benchmarks() {}

  public static void main(String[] args) throws Exception {
    int code = 0;
    try {
      boolean churn = Boolean.getBoolean("bench.churn");
      boolean react = Boolean.getBoolean("bench.react");
      boolean startup = Boolean.getBoolean("bench.startup");
      boolean goals = Boolean.getBoolean("bench.goals");
      if (!churn
          && !react
          && !startup
          && !goals
          && Boolean.parseBoolean(System.getProperty("bench.jmh", "true"))) {
        planner();
      }
      // -Dbench.churn=true: the load and churn run instead of the others (ChurnBenchmark).
      // -Dbench.react=true: the reaction time to a new node instead (ReactionTimeBenchmark).
      if (churn) {
        ChurnBenchmark.runAndPrint();
      } else if (react) {
        ReactionTimeBenchmark.runAndPrint();
      } else if (goals) {
        // -Dbench.goals=true: issue 16's six goals in one table, both backends (GoalsBenchmark).
        GoalsBenchmark.runAndPrint();
      } else if (startup) {
        // -Dbench.startup=true: start-up to first reconcile alone, several starts
        // (StartupBenchmark).
        StartupBenchmark.runAndPrint();
      } else if (Boolean.parseBoolean(System.getProperty("bench.convergence", "true"))) {
        // -Dbench.sizes=none: no single-NodeDaemon convergence (only the many NodeDaemons below).
        List<Integer> sizes =
            Arrays.stream(System.getProperty("bench.sizes", "100,1000,5000").split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty() && !"none".equals(s))
                .map(Integer::parseInt)
                .toList();
        if (!sizes.isEmpty()) {
          convergence(sizes);
        }
        // -Dbench.many=DxN (default 20x200; "none" skips): D NodeDaemons created together.
        String many = System.getProperty("bench.many", "20x200");
        if (!"none".equals(many)) {
          String[] dn = many.split("x");
          ManyDaemonsBenchmark.print(
              new ManyDaemonsBenchmark(Path.of("").toAbsolutePath())
                  .run(Integer.parseInt(dn[0]), Integer.parseInt(dn[1]), Duration.ofMinutes(10)));
        }
      }
    } catch (Exception e) {
      e.printStackTrace();
      code = 1;
    }
    System.out.flush();
    // exec:java runs inside Maven's JVM, whose leftover threads would keep it waiting.
    System.exit(code);
  }

  /**
   * Under exec:java the project classpath lives in a class loader, not in java.class.path, which is
   * what a forked JVM (JMH's, the goals' columns) is given: put it there so the fork finds the
   * benchmarks.
   */
  static void exposeClassPath() throws java.net.URISyntaxException {
    if (Thread.currentThread().getContextClassLoader() instanceof java.net.URLClassLoader loader) {
      StringBuilder cp = new StringBuilder();
      for (java.net.URL url : loader.getURLs()) {
        cp.append(java.io.File.pathSeparator).append(java.nio.file.Path.of(url.toURI()));
      }
      System.setProperty("java.class.path", cp.substring(1));
    }
  }

  static void planner() throws Exception {
    exposeClassPath();
    var builder = new OptionsBuilder();
    String jmhNodes = System.getProperty("bench.jmh.nodes");
    if (jmhNodes != null && !jmhNodes.isBlank()) {
      builder.param("nodes", jmhNodes.split(","));
    }
    String jmhScenarios = System.getProperty("bench.jmh.scenarios");
    if (jmhScenarios != null && !jmhScenarios.isBlank()) {
      builder.param("scenario", jmhScenarios.split(","));
    }
    String jmhShapes = System.getProperty("bench.jmh.shapes");
    if (jmhShapes != null && !jmhShapes.isBlank()) {
      builder.param("shape", jmhShapes.split(","));
    }
    var options =
        builder
            .include(
                PlannerBenchmark.class.getName() + "|" + PlannerColdCacheBenchmark.class.getName())
            .forks(1)
            .threads(1)
            .warmupIterations(5)
            .warmupTime(TimeValue.seconds(1))
            .measurementIterations(8)
            .measurementTime(TimeValue.seconds(1))
            // Serial GC: what the JVM picks in the operator's container (1 CPU), and what the
            // convergence benchmark runs the operator with.
            .jvmArgs(jmhJvmArgs())
            .build();
    Collection<RunResult> results = new Runner(options).run();
    System.out.println();
    System.out.println(
        "Planner pass (one core, ms/op, JMH average of 8 x 1 s after 5 x 1 s warm-up, JVM flags "
            + String.join(" ", jmhJvmArgs())
            + ")");
    System.out.printf(
        "%-10s %-12s %8s %12s %10s%n", "SCENARIO", "SHAPE", "NODES", "MS/PASS", "ERROR");
    for (RunResult r : results) {
      var p = r.getParams();
      boolean cold = r.getParams().getBenchmark().contains("ColdCache");
      System.out.printf(
          "%-10s %-12s %8s %12.3f %10.3f%n",
          p.getParam("scenario"),
          cold ? "prod, cold" : p.getParam("shape"),
          p.getParam("nodes"),
          r.getPrimaryResult().getScore(),
          r.getPrimaryResult().getScoreError());
    }
  }

  /**
   * The forked JVM's flags, plus any in {@code -Dbench.jmh.jvmArgs} (e.g. the container's
   * -XX:TieredStopAtLevel=1).
   */
  static String[] jmhJvmArgs() {
    List<String> args = new ArrayList<>(List.of("-Xmx2g", "-XX:+UseSerialGC"));
    String extra = System.getProperty("bench.jmh.jvmArgs", "").trim();
    if (!extra.isEmpty()) {
      args.addAll(Arrays.asList(extra.split("\\s+")));
    }
    return args.toArray(String[]::new);
  }

  static void convergence(List<Integer> sizes) throws Exception {
    ConvergenceBenchmark bench = new ConvergenceBenchmark(Path.of("").toAbsolutePath());
    List<ConvergenceBenchmark.Result> rows = new ArrayList<>();
    for (int n : sizes) {
      rows.add(bench.run(n, Duration.ofMinutes(10)));
    }
    System.out.println();
    System.out.println(
        "Convergence on the "
            + (ConvergenceBenchmark.REAL ? "real control plane" : "simulated cluster")
            + " (packaged operator, JVM mode, "
            + String.join(" ", ConvergenceBenchmark.OPERATOR_JVM)
            + ")");
    System.out.println(
        "(R-FLOOR: rounds x kubelet delay; R-FLOOR+: that plus the create floor, since a rollout");
    System.out.println(" re-creates every pod and the API server's throughput bounds it too;");
    System.out.println(
        " R-CLIENT: a plain client doing the same rounds: delete 10%, wait gone, create, wait ready)");
    System.out.printf(
        "%6s %10s %10s %6s %11s %11s %6s %11s %6s %11s %6s %10s %8s %9s %8s%n",
        "NODES",
        "CONVERGE",
        "FLOOR",
        "RATIO",
        "ROLLOUT",
        "R-FLOOR",
        "RATIO",
        "R-FLOOR+",
        "RATIO",
        "R-CLIENT",
        "RATIO",
        "STARTUP",
        "RSS-MiB",
        "LIVE-HEAP",
        "RSS-GC");
    for (var r : rows) {
      long floorPlus = r.rolloutFloor().toMillis() + r.floor().toMillis();
      System.out.printf(
          "%6d %8dms %8dms %6.2f %9dms %9dms %6.2f %9dms %6.2f %9dms %6.2f %8dms %8d %9d %8d%n",
          r.nodes(),
          r.converge().toMillis(),
          r.floor().toMillis(),
          r.ratio(),
          r.rollout().toMillis(),
          r.rolloutFloor().toMillis(),
          r.rolloutRatio(),
          floorPlus,
          (double) r.rollout().toMillis() / floorPlus,
          r.rolloutClient().toMillis(),
          r.rolloutClientRatio(),
          r.startupToFirstReconcile().toMillis(),
          r.rssKiB() / 1024,
          r.heapBytes() / (1024 * 1024),
          r.rssAfterGcKiB() / 1024);
    }
  }
}
