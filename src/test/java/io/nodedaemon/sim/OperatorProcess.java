package io.nodedaemon.sim;

import io.nodedaemon.cluster.TestCluster;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged operator ({@code target/quarkus-app/quarkus-run.jar}) as a child process pointed at
 * a {@link TestCluster} (simulated or real): what the demo, the restart test and the benchmarks
 * run. Closing it stops the process (forcibly if it does not stop within ten seconds).
 */
public final class OperatorProcess implements AutoCloseable {

  private final Process process;
  private final int httpPort;
  private final Path log;
  private final Instant startedAt;

  private OperatorProcess(Process process, int httpPort, Path log, Instant startedAt) {
    this.process = process;
    this.httpPort = httpPort;
    this.log = log;
    this.startedAt = startedAt;
  }

  /** Starts the packaged operator and waits until /q/health/ready answers 200. */
  public static OperatorProcess start(
      Path basedir, TestCluster cluster, Path log, Duration timeout, String... jvmArgs)
      throws IOException, InterruptedException {
    Path jar = basedir.resolve("target/quarkus-app/quarkus-run.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          jar + " is missing: package the operator first (./mvnw -B package -DskipTests)");
    }
    int httpPort = freePort();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new java.util.ArrayList<>(List.of(java));
    command.addAll(List.of(jvmArgs));
    command.addAll(List.of("-jar", jar.toString()));
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .directory(basedir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    Map<String, String> env = pb.environment();
    // As the container image sets it (src/main/docker): two malloc arenas instead of 8 per core.
    env.put("MALLOC_ARENA_MAX", "2");
    // Never talk to a real cluster by accident: no in-cluster service, no kubeconfig but the
    // simulator's URL.
    env.remove("KUBERNETES_SERVICE_HOST");
    env.remove("KUBERNETES_SERVICE_PORT");
    env.remove("KUBECONFIG");
    // Server URL, credentials (on the real control plane: the operator's ServiceAccount token),
    // TLS.
    cluster
        .operatorClientProperties()
        .forEach((key, value) -> env.put(key.toUpperCase().replaceAll("[.-]", "_"), value));
    env.put("QUARKUS_HTTP_PORT", String.valueOf(httpPort));
    // One operator, no replicas to fail over to: skip the Lease
    // (nodedaemon.leader-election.enabled).
    env.put("NODEDAEMON_LEADER_ELECTION_ENABLED", "false");
    Instant startedAt = Instant.now();
    OperatorProcess operator = new OperatorProcess(pb.start(), httpPort, log, startedAt);
    try {
      operator.awaitReady(timeout);
    } catch (RuntimeException | InterruptedException e) {
      operator.kill();
      throw e;
    }
    return operator;
  }

  private void awaitReady(Duration timeout) throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    URI ready = URI.create("http://127.0.0.1:" + httpPort + "/q/health/ready");
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "the operator exited with code "
                + process.exitValue()
                + " while starting; see "
                + log
                + "\n"
                + tail(log));
      }
      try {
        HttpURLConnection c = (HttpURLConnection) ready.toURL().openConnection();
        c.setConnectTimeout(500);
        c.setReadTimeout(2000);
        if (c.getResponseCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // Not listening yet.
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException(
            "the operator was not ready within " + timeout.toSeconds() + " s; see " + log);
      }
      // Polling a child process from a test harness, not operator logic; often enough for the
      // start-up benchmark to see the first reconcile within a few milliseconds of readiness.
      TimeUnit.MILLISECONDS.sleep(10);
    }
  }

  public long pid() {
    return process.pid();
  }

  public int httpPort() {
    return httpPort;
  }

  public Instant startedAt() {
    return startedAt;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /**
   * Waits up to {@code timeout} for the process to end by itself; its exit status, or null if it
   * still runs.
   */
  public Integer awaitExit(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : null;
  }

  /**
   * Freezes the whole JVM (SIGSTOP), as a long GC pause, a stalled node or a throttled cgroup
   * would: every thread stops at once, its sockets stay open. {@link #resume} lets it go on.
   */
  public void suspend() throws IOException, InterruptedException {
    signal("STOP");
  }

  /** Lets a {@link #suspend suspended} process go on where it stopped (SIGCONT). */
  public void resume() throws IOException, InterruptedException {
    signal("CONT");
  }

  private void signal(String name) throws IOException, InterruptedException {
    int exit =
        new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).start().waitFor();
    if (exit != 0) {
      throw new IllegalStateException("kill -" + name + " " + process.pid() + " exited " + exit);
    }
  }

  /** Kills the process at once, as a crashed or evicted operator pod would die. */
  public void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      kill();
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** The last 20 lines of a log file, for failure messages. */
  public static String tail(Path file) {
    try {
      List<String> lines = Files.readAllLines(file);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "";
    }
  }
}
