package io.nodedaemon.dev;

import io.quarkus.arc.profile.IfBuildProfile;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * In dev mode ({@code ./mvnw quarkus:dev}) gives the operator a cluster when none is configured, as
 * Quarkus Dev Services do for databases: it starts the embedded simulated cluster (or, with {@code
 * -Dnodedaemon.dev.cluster=real}, the real control plane built from Go modules) in a child JVM and
 * points the operator's client at it before the operator starts.
 *
 * <p>The cluster code lives in the test sources, so it never reaches the production jar; the child
 * JVM runs it from {@code target/test-classes} with the test classpath the build writes to {@code
 * target/nodedaemon-dev-classpath.txt}. The child outlives live reloads (the nodes, pods and
 * NodeDaemons stay while the code changes) and exits with the dev-mode JVM.
 */
@IfBuildProfile("dev")
@ApplicationScoped
public class DevCluster {

  private static final Logger LOG = Logger.getLogger(DevCluster.class);

  /** Where a cluster this class started keeps its kubeconfig, across live reloads. */
  static final String STARTED_KUBECONFIG = "nodedaemon.dev.started-kubeconfig";

  /** The pid of that cluster's JVM, to tell a live one from one that has gone. */
  static final String STARTED_PID = "nodedaemon.dev.started-pid";

  /** The system property fabric8's {@code Config.autoConfigure} reads the kubeconfig path from. */
  static final String KUBECONFIG = "kubeconfig";

  static final String MAIN_CLASS = "io.nodedaemon.sim.DevCluster";

  /** Which cluster dev mode runs against. */
  enum Choice {
    /** The cluster of the developer's kubeconfig (or {@code quarkus.kubernetes-client.*}). */
    KUBECONFIG,
    /** The embedded simulated cluster: nodes, scheduler and kubelet stand-ins, in-memory store. */
    SIM,
    /** kube-apiserver, etcd and kube-scheduler built from upstream's Go modules by the build. */
    REAL
  }

  @ConfigProperty(name = "nodedaemon.dev.cluster", defaultValue = "auto")
  String mode;

  @ConfigProperty(name = "nodedaemon.dev.nodes", defaultValue = "4")
  int nodes;

  @ConfigProperty(
      name = "nodedaemon.dev.sample",
      defaultValue = "k8s/samples/fluentd-elasticsearch.yaml")
  String sample;

  @ConfigProperty(name = "nodedaemon.dev.target")
  Optional<String> target;

  @ConfigProperty(name = "quarkus.kubernetes-client.api-server-url")
  Optional<String> apiServerUrl;

  /**
   * Runs before the operator (quarkus-operator-sdk starts it at priority 3123) and before anything
   * creates the Kubernetes client, which reads the {@code kubeconfig} system property when made.
   */
  void onStart(@Observes @Priority(10) StartupEvent event) {
    Choice choice = choose(mode, configuredCluster());
    if (choice == Choice.KUBECONFIG) {
      LOG.infof(
          "Dev mode runs against the configured cluster (%s); -Dnodedaemon.dev.cluster=sim"
              + " starts the embedded simulated one instead",
          apiServerUrl.orElseGet(() -> kubeconfigPath().toString()));
      return;
    }
    Path kubeconfig = reuseOrStart(choice);
    System.setProperty(KUBECONFIG, kubeconfig.toString());
  }

  /**
   * The decision: {@code auto} (the default) uses a configured cluster when there is one, else the
   * simulated cluster; {@code sim}, {@code real} and {@code kubeconfig} force one.
   *
   * @throws IllegalArgumentException for any other value, naming the valid ones
   */
  static Choice choose(String mode, boolean clusterConfigured) {
    return switch (mode == null ? "auto" : mode.trim().toLowerCase(Locale.ROOT)) {
      case "auto", "" -> clusterConfigured ? Choice.KUBECONFIG : Choice.SIM;
      case "sim" -> Choice.SIM;
      case "real" -> Choice.REAL;
      case "kubeconfig" -> Choice.KUBECONFIG;
      default ->
          throw new IllegalArgumentException(
              "nodedaemon.dev.cluster="
                  + mode
                  + " is not one of auto (the default), sim, real, kubeconfig");
    };
  }

  /**
   * A cluster the developer configured: an API server URL, a {@code KUBECONFIG} or {@code
   * kubeconfig} setting, or {@code ~/.kube/config}, as fabric8 looks for them. A kubeconfig this
   * class set itself (on an earlier start of this dev session) does not count.
   */
  private boolean configuredCluster() {
    if (apiServerUrl.isPresent()) {
      return true;
    }
    String property = System.getProperty(KUBECONFIG);
    if (property != null && !property.equals(System.getProperty(STARTED_KUBECONFIG))) {
      return true;
    }
    return System.getenv("KUBECONFIG") != null || Files.isRegularFile(homeKubeconfig());
  }

  private static Path kubeconfigPath() {
    String configured =
        Optional.ofNullable(System.getProperty(KUBECONFIG)).orElse(System.getenv("KUBECONFIG"));
    return configured != null ? Path.of(configured) : homeKubeconfig();
  }

  private static Path homeKubeconfig() {
    return Path.of(System.getProperty("user.home"), ".kube", "config");
  }

  /** The cluster started earlier in this dev session when it still runs, else a new one. */
  private Path reuseOrStart(Choice choice) {
    String started = System.getProperty(STARTED_KUBECONFIG);
    String pid = System.getProperty(STARTED_PID);
    if (started != null
        && pid != null
        && ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false)) {
      return Path.of(started);
    }
    return start(choice);
  }

  private Path start(Choice choice) {
    Path targetDir = Path.of(target.orElse("target")).toAbsolutePath().normalize();
    Path testClasses = targetDir.resolve("test-classes");
    Path classpathFile = targetDir.resolve("nodedaemon-dev-classpath.txt");
    if (!Files.isRegularFile(testClasses.resolve(MAIN_CLASS.replace('.', '/') + ".class"))
        || !Files.isRegularFile(classpathFile)) {
      throw new IllegalStateException(
          "the embedded cluster runs from the test classes and "
              + classpathFile
              + ", which ./mvnw quarkus:dev builds; run it from the project directory, or point"
              + " dev mode at a cluster with KUBECONFIG");
    }
    Path dir = targetDir.resolve("dev-cluster");
    Path kubeconfig = dir.resolve("kubeconfig");
    Path log = dir.resolve("cluster.log");
    try {
      Files.createDirectories(dir);
      Files.deleteIfExists(kubeconfig);
      String classpath =
          String.join(
              java.io.File.pathSeparator,
              testClasses.toString(),
              targetDir.resolve("classes").toString(),
              Files.readString(classpathFile).trim());
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.add("-Xmx256m");
      command.add("-Djava.util.logging.manager=org.jboss.logmanager.LogManager");
      command.add("-cp");
      command.add(classpath);
      command.add(MAIN_CLASS);
      command.addAll(
          List.of(
              "--backend",
              choice == Choice.REAL ? "real" : "sim",
              "--nodes",
              Integer.toString(nodes),
              "--kubeconfig",
              kubeconfig.toString(),
              "--sample",
              sample));
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .directory(targetDir.getParent().toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile());
      builder
          .environment()
          .put("NODEDAEMON_DEV_PARENT", Long.toString(ProcessHandle.current().pid()));
      Process process = builder.start();
      Runtime.getRuntime().addShutdownHook(new Thread(process::destroy, "dev-cluster-stop"));
      awaitKubeconfig(process, kubeconfig, log, choice == Choice.REAL ? 300 : 180);
      System.setProperty(STARTED_KUBECONFIG, kubeconfig.toString());
      System.setProperty(STARTED_PID, Long.toString(process.pid()));
      LOG.infof(
          "Dev mode started the %s cluster (%d nodes; log %s). Look at it with:%n"
              + "  kubectl --kubeconfig %s get nd,pods -A",
          choice == Choice.REAL ? "real control plane" : "embedded simulated",
          nodes,
          log,
          kubeconfig);
      return kubeconfig;
    } catch (IOException e) {
      throw new UncheckedIOException("could not start the dev cluster: " + e.getMessage(), e);
    }
  }

  /** The child writes the kubeconfig (atomically) once its API server answers. */
  private static void awaitKubeconfig(Process process, Path kubeconfig, Path log, int seconds)
      throws IOException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(seconds));
    try {
      // Waiting on the child itself: an exit while starting is reported at once.
      while (!Files.isRegularFile(kubeconfig)) {
        if (process.waitFor(100, TimeUnit.MILLISECONDS) || Instant.now().isAfter(deadline)) {
          process.destroy();
          List<String> lines = Files.readAllLines(log);
          throw new IllegalStateException(
              "the dev cluster did not start (see "
                  + log
                  + "):\n"
                  + String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size())));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while the dev cluster started", e);
    }
  }
}
