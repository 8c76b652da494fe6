package io.nodedaemon.benchmark;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Issue 16's six goals in one table, on both backends. The backend is fixed per JVM ({@code
 * -Dbench.cluster} is read once), so each backend's column is measured by a child JVM of this
 * classpath running {@link Column}; the planner pass, which no cluster touches, is measured once
 * here (JMH). {@code -Dbench.goals=true}, at the goals' own sizes by default (about 40 minutes on a
 * 2-vCPU machine, most of it on the real control plane); {@code -Dbench.goals.scale=smoke} for
 * small shapes (minutes); {@code -Dbench.goals.backends=sim} for one backend.
 */
final class GoalsBenchmark {
  private GoalsBenchmark() {}

  /** The shapes each goal is measured at. */
  record Sizes(
      int convergeNodes,
      int manyDaemons,
      int manyNodes,
      int reactNodes,
      int reactDaemons,
      int reactSamples,
      int startupNodes,
      int startupRuns) {

    static Sizes of(String scale) {
      return "smoke".equals(scale)
          ? new Sizes(50, 3, 10, 30, 3, 5, 30, 2)
          : new Sizes(1000, 20, 200, 5000, 10, 100, 5000, 5);
    }
  }

  static void runAndPrint() throws Exception {
    String scale = System.getProperty("bench.goals.scale", "full");
    Sizes sizes = Sizes.of(scale);
    Benchmarks.exposeClassPath();
    Map<String, Properties> columns = new LinkedHashMap<>();
    for (String backend : System.getProperty("bench.goals.backends", "sim,real").split(",")) {
      columns.put(backend.trim(), column(backend.trim(), scale));
    }
    Collection<RunResult> planner = planner(scale);
    print(sizes, columns, planner);
  }

  /** One backend's figures, measured by a child JVM running {@link Column}. */
  static Properties column(String backend, String scale) throws IOException, InterruptedException {
    Path out = Path.of("target", "benchmark-goals-" + backend + ".properties").toAbsolutePath();
    Files.deleteIfExists(out);
    List<String> command =
        new ArrayList<>(
            List.of(
                // The JVM's default heap, as Maven's JVM has it when a harness runs alone: the
                // simulated cluster holds every object of a 50,000-pod shape in it.
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "-Dbench.cluster=" + backend,
                "-Dbench.goals.scale=" + scale));
    // The control plane's build location and similar settings, as this JVM was given them.
    System.getProperties()
        .stringPropertyNames()
        .forEach(
            name -> {
              if (name.startsWith("nodedaemon.") || name.startsWith("bench.react.")) {
                command.add("-D" + name + "=" + System.getProperty(name));
              }
            });
    command.add(Column.class.getName());
    command.add(out.toString());
    Process p = new ProcessBuilder(command).inheritIO().start();
    if (!p.waitFor(6, TimeUnit.HOURS) || p.exitValue() != 0 || !Files.exists(out)) {
      p.destroyForcibly();
      throw new IllegalStateException("the " + backend + " column failed; see the output above");
    }
    Properties figures = new Properties();
    try (Reader r = Files.newBufferedReader(out)) {
      figures.load(r);
    }
    return figures;
  }

  /** Goal 6's planner pass: converged and one rollout step, 5,000 production-shaped nodes. */
  static Collection<RunResult> planner(String scale) throws Exception {
    boolean smoke = "smoke".equals(scale);
    return new Runner(
            new OptionsBuilder()
                .include(PlannerBenchmark.class.getName())
                .param("nodes", "5000")
                .param("scenario", "converged", "changed")
                .param("shape", "production")
                .forks(1)
                .threads(1)
                .warmupIterations(smoke ? 1 : 5)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(smoke ? 2 : 8)
                .measurementTime(TimeValue.seconds(1))
                .jvmArgs(Benchmarks.jmhJvmArgs())
                .build())
        .run();
  }

  /** Measures every goal but the planner's on the backend {@code -Dbench.cluster} names. */
  public static final class Column {
    private Column() {}

    public static void main(String[] args) {
      try {
        Properties figures = measure(Sizes.of(System.getProperty("bench.goals.scale", "full")));
        try (Writer w = Files.newBufferedWriter(Path.of(args[0]))) {
          figures.store(w, "issue 16's goals, " + StartupBenchmark.backend());
        }
      } catch (Throwable t) {
        t.printStackTrace();
        System.exit(1);
      }
      // Harness threads (informers, servers) would keep the JVM alive.
      System.exit(0);
    }

    static Properties measure(Sizes s) throws Exception {
      Path base = Path.of("").toAbsolutePath();
      Properties p = new Properties();

      ConvergenceBenchmark.Result c =
          new ConvergenceBenchmark(base).run(s.convergeNodes(), Duration.ofMinutes(20));
      p.setProperty("1.ratio", fmt(c.ratio()));
      p.setProperty("1.detail", secs(c.converge()) + " / " + secs(c.floor()));
      p.setProperty("4.ratio", fmt(c.rolloutClientRatio()));
      p.setProperty("4.detail", secs(c.rollout()) + " / " + secs(c.rolloutClient()));

      ManyDaemonsBenchmark.Result m =
          new ManyDaemonsBenchmark(base)
              .run(s.manyDaemons(), s.manyNodes(), Duration.ofMinutes(30));
      p.setProperty("2.ratio", fmt(m.ratio()));
      p.setProperty("2.detail", secs(m.all()) + " / " + secs(m.floor()));
      p.setProperty("2.median", fmt(m.medianShare()));

      ReactionTimeBenchmark.Result r =
          new ReactionTimeBenchmark(base)
              .run(
                  new ReactionTimeBenchmark.Shape(
                      s.reactNodes(),
                      s.reactDaemons(),
                      s.reactSamples(),
                      Duration.ofSeconds(30),
                      Duration.ofMinutes(Long.getLong("bench.react.timeoutMinutes", 60)),
                      ReactionTimeBenchmark.Shape.heapFor(s.reactNodes(), s.reactDaemons())));
      List<Long> all = r.complete().stream().map(x -> x.allPods().toNanos()).sorted().toList();
      p.setProperty("3.samples", r.complete().size() + " of " + s.reactSamples());
      p.setProperty("3.p50", ms(ReactionTimeBenchmark.percentile(all, 0.50)));
      p.setProperty("3.p99", ms(ReactionTimeBenchmark.percentile(all, 0.99)));

      StartupBenchmark.Measured starts =
          StartupBenchmark.measureWithMemory(base, s.startupNodes(), s.startupRuns());
      List<Duration> sorted =
          starts.runs().stream().map(StartupBenchmark.Run::toFirstStatus).sorted().toList();
      p.setProperty("5.median", secs(sorted.get(sorted.size() / 2)));
      p.setProperty("6.rssMiB", Long.toString(starts.convergedRssKiB() / 1024));
      return p;
    }
  }

  static void print(Sizes s, Map<String, Properties> columns, Collection<RunResult> planner) {
    List<String> backends = new ArrayList<>(columns.keySet());
    StringBuilder head = new StringBuilder("| goal |");
    StringBuilder rule = new StringBuilder("|---|");
    for (String b : backends) {
      head.append(' ').append("sim".equals(b) ? "simulated cluster" : "real control plane");
      head.append(" |");
      rule.append("---|");
    }
    System.out.println();
    System.out.println(
        "Issue 16's goals (JVM flags " + String.join(" ", ConvergenceBenchmark.OPERATOR_JVM) + ")");
    System.out.println(head.append(" target |"));
    System.out.println(rule.append("---|"));
    row(
        columns,
        String.format("1. converge %,d nodes / plain-client floor", s.convergeNodes()),
        f -> f.getProperty("1.ratio") + " (" + f.getProperty("1.detail") + ")",
        "≤ 1.2");
    row(
        columns,
        String.format("2. %d NodeDaemons × %d nodes / floor", s.manyDaemons(), s.manyNodes()),
        f -> f.getProperty("2.ratio") + " (" + f.getProperty("2.detail") + ")",
        "≤ 1.5");
    row(
        columns,
        "2. median NodeDaemon Ready, share of the whole",
        f -> f.getProperty("2.median"),
        "≤ 0.60");
    row(
        columns,
        String.format(
            "3. all %d pods of a new node, %,d nodes: p50 / p99", s.reactDaemons(), s.reactNodes()),
        f ->
            f.getProperty("3.p50")
                + " / "
                + f.getProperty("3.p99")
                + " ("
                + f.getProperty("3.samples")
                + " samples)",
        "50 ms / 250 ms");
    row(
        columns,
        String.format(
            "4. rolling update of %,d nodes at 10%% / plain client's rounds", s.convergeNodes()),
        f -> f.getProperty("4.ratio") + " (" + f.getProperty("4.detail") + ")",
        "≤ 1.2");
    row(
        columns,
        String.format("5. start to first reconcile, %,d nodes (median)", s.startupNodes()),
        f -> f.getProperty("5.median"),
        "≤ 2 s");
    row(
        columns,
        String.format("6. operator RSS, one NodeDaemon converged on %,d nodes", s.startupNodes()),
        f -> f.getProperty("6.rssMiB") + " MiB",
        "< 256 MiB at 5,000");
    for (RunResult r : planner) {
      System.out.printf(
          "| 6. planner pass, 5,000 nodes, %s | %.2f ms (JMH, no cluster) |%s < 10 ms |%n",
          r.getParams().getParam("scenario"),
          r.getPrimaryResult().getScore(),
          " |".repeat(Math.max(0, backends.size() - 1)));
    }
    System.out.println(
        "| 6. writes at resync | counted by ApiWritesE2eTest (in CI), not here |"
            + " |".repeat(Math.max(0, backends.size() - 1))
            + " 0 |");
  }

  private static void row(
      Map<String, Properties> columns,
      String goal,
      java.util.function.Function<Properties, String> cell,
      String target) {
    StringBuilder line = new StringBuilder("| ").append(goal).append(" |");
    columns.values().forEach(f -> line.append(' ').append(cell.apply(f)).append(" |"));
    System.out.println(line.append(' ').append(target).append(" |"));
  }

  static String fmt(double ratio) {
    return String.format("%.2f", ratio);
  }

  static String secs(Duration d) {
    return String.format("%.1f s", d.toMillis() / 1000.0);
  }

  static String ms(long nanos) {
    return String.format("%.1f ms", nanos / 1e6);
  }
}
