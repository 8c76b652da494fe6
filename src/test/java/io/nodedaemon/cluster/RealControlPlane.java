package io.nodedaemon.cluster;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.nodedaemon.sim.KubeletStandIn;
import io.nodedaemon.sim.OperatorProcess;
import io.nodedaemon.sim.SimNode;
import io.nodedaemon.sim.WriteLog;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * A real Kubernetes control plane for the end-to-end tests: the Go program of {@code
 * src/test/go/controlplane} (etcd, kube-apiserver with RBAC, kube-scheduler and the
 * service-account, namespace and garbage-collection controllers) started as a child process on
 * loopback, or an existing cluster named by a kubeconfig. On it the committed CRD and install
 * manifests ({@code k8s/generated}) are applied as a user applies them, and the operator gets a
 * token of its own ServiceAccount, so the generated RBAC is what it runs under.
 *
 * <p>Nodes are Node objects with no kubelet behind them; the project's kubelet stand-in plays the
 * kubelet of all of them (starts bound pods, finishes graceful deletions), so tests drive a pod's
 * life the same way on both backends. The scheduler is the real one.
 */
public final class RealControlPlane implements TestCluster {

  private static final Logger LOG = Logger.getLogger(RealControlPlane.class);
  public static final String OPERATOR_NAMESPACE = "nodedaemon-system";
  public static final String OPERATOR_SERVICE_ACCOUNT = "nodedaemon-operator";

  /** Where the build puts the Go programs ({@code src/test/go/build.sh}). */
  public static final Path BINARIES = Path.of("target", "controlplane");

  private static RealControlPlane shared;

  private volatile Process process;
  private final Path dir;
  private final Path kubeconfig;
  private final KubernetesClient client;
  private final Map<String, String> operatorProperties;
  private final Duration terminationCap;
  private KubeletStandIn kubelet;
  private final AuditWriteLog writes;
  private volatile boolean sharedInstance;

  private RealControlPlane(
      Process process, Path dir, Path kubeconfig, Duration kubeletDelay, Duration terminationCap) {
    this.process = process;
    this.terminationCap = terminationCap;
    this.dir = dir;
    this.kubeconfig = kubeconfig;
    this.client = new KubernetesClientBuilder().withConfig(adminConfig(kubeconfig)).build();
    try {
      installOperatorManifests();
      String token = operatorToken();
      Config admin = client.getConfiguration();
      Map<String, String> props = new LinkedHashMap<>();
      props.put("quarkus.kubernetes-client.api-server-url", admin.getMasterUrl());
      props.put("quarkus.kubernetes-client.token", token);
      props.put("quarkus.kubernetes-client.trust-certs", "true");
      props.put("quarkus.kubernetes-client.namespace", "default");
      this.operatorProperties = Map.copyOf(props);
      this.kubelet = new KubeletStandIn(client, kubeletDelay, terminationCap, Clock.systemUTC());
      this.writes =
          new AuditWriteLog(
              dir == null ? null : dir.resolve("audit.log"),
              "system:serviceaccount:" + OPERATOR_NAMESPACE + ":" + OPERATOR_SERVICE_ACCOUNT);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /**
   * The control plane this JVM shares between its test classes: started on first use (about ten
   * seconds once built), stopped when the JVM exits. With {@code -Dnodedaemon.e2e.kubeconfig=FILE}
   * the cluster of that kubeconfig instead (nothing is started or stopped).
   */
  public static synchronized RealControlPlane shared() {
    if (shared == null) {
      shared =
          Backend.existingKubeconfig()
              .map(RealControlPlane::existing)
              .orElseGet(RealControlPlane::start);
      RealControlPlane started = shared;
      started.sharedInstance = true;
      Runtime.getRuntime().addShutdownHook(new Thread(started::stop, "controlplane-stop"));
    }
    return shared;
  }

  /** Starts a new control plane process in a fresh directory under {@code target/controlplane}. */
  public static RealControlPlane start() {
    return start(Duration.ZERO);
  }

  /** The same, with a kubelet that takes {@code kubeletDelay} to start a pod. */
  public static RealControlPlane start(Duration kubeletDelay) {
    return start(kubeletDelay, KubeletStandIn.DEFAULT_TERMINATION_CAP);
  }

  /**
   * The same, with a kubelet that also finishes a graceful deletion after at most {@code
   * terminationCap} (zero: at once, as the benchmarks want).
   */
  public static RealControlPlane start(Duration kubeletDelay, Duration terminationCap) {
    Backend.requireRealControlPlane();
    try {
      Path dir =
          Files.createTempDirectory(
              Files.createDirectories(BINARIES.resolve("runs")).toAbsolutePath(), "run-");
      Process process = launch(dir, 0);
      return new RealControlPlane(
          process, dir, dir.resolve("admin.kubeconfig"), kubeletDelay, terminationCap);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Runs the control plane binary on {@code dir} (its data and credentials, if an earlier run left
   * them) and {@code port} (0: a free one), and waits until it is ready.
   */
  private static Process launch(Path dir, int port) throws IOException {
    Path binary = BINARIES.resolve("controlplane").toAbsolutePath();
    Path log = dir.resolve("controlplane.log");
    Path ready = dir.resolve("ready");
    Files.deleteIfExists(ready);
    Process process =
        new ProcessBuilder(
                binary.toString(),
                "--dir",
                dir.toString(),
                "--port",
                String.valueOf(port),
                "--audit-log",
                dir.resolve("audit.log").toString())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    Instant deadline = Instant.now().plusSeconds(180);
    try {
      while (!Files.exists(ready)) {
        if (!process.isAlive()) {
          throw new IllegalStateException(
              "the control plane exited with code "
                  + process.exitValue()
                  + "; see "
                  + log
                  + "\n"
                  + OperatorProcess.tail(log));
        }
        if (Instant.now().isAfter(deadline)) {
          process.destroyForcibly();
          throw new IllegalStateException(
              "the control plane was not ready within 180 s; see " + log);
        }
        TimeUnit.MILLISECONDS.sleep(100);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new IllegalStateException(e);
    }
    String said;
    try (var lines = Files.lines(log)) {
      said = lines.filter(l -> l.startsWith("controlplane ready")).reduce((a, b) -> b).orElse("");
    }
    LOG.infof("real control plane started in %s (%s)", dir, said);
    return process;
  }

  /**
   * An existing cluster (a kind, KWOK or disposable test cluster): its kubeconfig must be an
   * admin's.
   */
  public static RealControlPlane existing(Path kubeconfig) {
    return new RealControlPlane(
        null, null, kubeconfig, Duration.ZERO, KubeletStandIn.DEFAULT_TERMINATION_CAP);
  }

  private static Config adminConfig(Path kubeconfig) {
    try {
      Config config =
          Config.fromKubeconfig(null, Files.readString(kubeconfig), kubeconfig.toString());
      config.setNamespace("default");
      config.setRequestTimeout(30_000);
      return config;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Applies k8s/namespace.yaml, the committed CRD, k8s/generated/operator.yaml and the user roles,
   * as `kubectl apply -k k8s/` would.
   */
  private void installOperatorManifests() {
    for (String file :
        List.of(
            "k8s/namespace.yaml",
            "k8s/generated/nodedaemons.nodedaemon.io-crd.yaml",
            "k8s/generated/operator.yaml",
            "k8s/rbac/user-roles.yaml")) {
      for (HasMetadata item : load(Path.of(file))) {
        client.resource(item).createOr(NonDeletingOperation::update);
      }
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              CustomResourceDefinition crd =
                  client
                      .apiextensions()
                      .v1()
                      .customResourceDefinitions()
                      .withName("nodedaemons.nodedaemon.io")
                      .get();
              // The API server writes the status in steps: conditions may still be absent.
              return crd != null
                  && crd.getStatus() != null
                  && crd.getStatus().getConditions() != null
                  && crd.getStatus().getConditions().stream()
                      .anyMatch(
                          c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
            });
  }

  private List<HasMetadata> load(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return client.load(in).items();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A token of the operator's ServiceAccount (TokenRequest API), valid for the day. */
  private String operatorToken() {
    return client
        .serviceAccounts()
        .inNamespace(OPERATOR_NAMESPACE)
        .withName(OPERATOR_SERVICE_ACCOUNT)
        .tokenRequest(
            new TokenRequestBuilder()
                .withNewSpec()
                .withExpirationSeconds(86_400L)
                .endSpec()
                .build())
        .getStatus()
        .getToken();
  }

  /**
   * Whether the static test users ({@link #tokenOf}) exist: on the built control plane; an existing
   * cluster (a kubeconfig) has none, and tests impersonate the user instead.
   */
  public boolean hasTestUsers() {
    return dir != null;
  }

  /**
   * A token for any ServiceAccount or test user of this cluster ({@code alice}, {@code bob} have no
   * rights of their own).
   */
  public String tokenOf(String user) {
    try {
      for (String line : Files.readAllLines(dir.resolve("tokens.csv"))) {
        String[] fields = line.split(",");
        if (fields.length > 1 && fields[1].equals(user)) {
          return fields[0];
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    throw new IllegalArgumentException("no test user " + user);
  }

  /** The admin kubeconfig, for kubectl. */
  public Path kubeconfig() {
    return kubeconfig.toAbsolutePath();
  }

  @Override
  public KubernetesClient client() {
    return client;
  }

  @Override
  public Map<String, String> operatorClientProperties() {
    return operatorProperties;
  }

  @Override
  public Node addNode(SimNode node) {
    return addNode(node.toNode(Instant.now()));
  }

  /**
   * Adds a Node as a kubelet and the control plane would bring it up: created (the API server
   * taints every new node not-ready, TaintNodesByCondition), then its own labels and taints set as
   * the node lifecycle controller leaves them once the kubelet reports Ready, then the kubelet's
   * status with the capacity the scheduler needs.
   */
  public Node addNode(Node node) {
    Node desired = withCapacity(node);
    client.nodes().resource(desired).create();
    return update(desired);
  }

  @Override
  public Node updateNode(SimNode node) {
    return update(withCapacity(node.toNode(Instant.now())));
  }

  private Node update(Node desired) {
    client
        .nodes()
        .withName(desired.getMetadata().getName())
        .edit(
            current -> {
              current.getMetadata().setLabels(desired.getMetadata().getLabels());
              current.getSpec().setTaints(desired.getSpec().getTaints());
              current.getSpec().setUnschedulable(desired.getSpec().getUnschedulable());
              return current;
            });
    // A Node's status is its kubelet's to write: the API server keeps status writes to the
    // subresource.
    return client
        .nodes()
        .withName(desired.getMetadata().getName())
        .editStatus(
            current -> {
              current.setStatus(desired.getStatus());
              return current;
            });
  }

  /**
   * A kubelet reports what the node can hold; without it the real scheduler places nothing there.
   */
  public static Node withCapacity(Node node) {
    Map<String, Quantity> capacity =
        Map.of(
            "cpu",
            new Quantity("8"),
            "memory",
            new Quantity("32Gi"),
            "pods",
            new Quantity("110"),
            "ephemeral-storage",
            new Quantity("100Gi"));
    node.getStatus().setCapacity(capacity);
    node.getStatus().setAllocatable(capacity);
    return node;
  }

  @Override
  public void removeNode(String name) {
    client.nodes().withName(name).delete();
  }

  @Override
  public void createNamespace(String name) {
    if (client.namespaces().withName(name).get() == null) {
      client
          .namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
          .createOr(NonDeletingOperation::update);
    }
    // The ServiceAccount admission plugin refuses pods until the controller made the default
    // account.
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> client.serviceAccounts().inNamespace(name).withName("default").get() != null);
  }

  @Override
  public synchronized KubeletStandIn kubelet() {
    return kubelet;
  }

  @Override
  public synchronized void restartKubelet(Duration kubeletDelay) {
    kubelet.close();
    kubelet = new KubeletStandIn(client, kubeletDelay, terminationCap, Clock.systemUTC());
  }

  @Override
  public WriteLog writes() {
    return writes.log();
  }

  @Override
  public String backend() {
    return "real";
  }

  /**
   * Freezes the whole control plane for {@code duration}: API server, etcd, scheduler and
   * controllers stop answering (SIGSTOP), then go on where they were (SIGCONT), as a hung or
   * partitioned API server does. Open connections stay open; requests wait or time out.
   */
  public void freeze(Duration duration) throws IOException, InterruptedException {
    if (process == null) {
      throw new UnsupportedOperationException("an existing cluster is not ours to freeze");
    }
    signal("STOP");
    try {
      // A test step of the given length, not operator logic.
      TimeUnit.MILLISECONDS.sleep(duration.toMillis());
    } finally {
      signal("CONT");
    }
  }

  /**
   * Stops the control plane (SIGTERM: kube-apiserver, etcd, scheduler and controllers shut down),
   * leaves it down for {@code down}, and starts it again on the same port, data and credentials, as
   * a restarted API server comes back. Every connection breaks; clients must reconnect and watch
   * again.
   */
  public synchronized void restart(Duration down) throws IOException, InterruptedException {
    if (process == null) {
      throw new UnsupportedOperationException("an existing cluster is not ours to restart");
    }
    int port = URI.create(client.getConfiguration().getMasterUrl()).getPort();
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
    LOG.infof("real control plane stopped (exit %d), down for %s", process.exitValue(), down);
    // A test step of the given length, not operator logic.
    TimeUnit.MILLISECONDS.sleep(down.toMillis());
    process = launch(dir, port);
  }

  private void signal(String name) throws IOException, InterruptedException {
    int exit =
        new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).start().waitFor();
    if (exit != 0) {
      throw new IllegalStateException("kill -" + name + " " + process.pid() + " exited " + exit);
    }
  }

  /**
   * Stops this control plane, unless it is the one the JVM shares (that one stops when the JVM
   * exits).
   */
  @Override
  public void close() {
    if (!sharedInstance) {
      stop();
    }
  }

  private synchronized void stop() {
    if (kubelet != null) {
      kubelet.close();
    }
    client.close();
    if (process != null && process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
  }
}
