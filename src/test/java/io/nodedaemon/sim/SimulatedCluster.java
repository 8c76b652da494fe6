package io.nodedaemon.sim;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceRuleBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.cluster.TestCluster;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * An in-process Kubernetes API server for tests, demos and benchmarks: fabric8's mock web server on
 * loopback with an indexed object store ({@link SimApiStore}), discovery served, the NodeDaemon CRD
 * installed, simulated nodes, and optional stand-ins for the scheduler and the kubelet.
 *
 * <p>Deletion is graceful, as on a real API server: deleting a pod bound to a node (with a grace
 * period &gt; 0: the one asked for, else the pod's {@code terminationGracePeriodSeconds}, 30 when
 * absent) only sets {@code metadata.deletionTimestamp} and {@code deletionGracePeriodSeconds} (a
 * MODIFIED watch event) and keeps the pod; the kubelet stand-in stops its containers after the
 * grace period, capped by {@link Builder#terminationCap} (1 s by default) so that suites stay fast,
 * reports the terminal phase and deletes it with a grace period of 0 (the DELETED event). An
 * unbound pod, a pod that already ended (Failed, Succeeded), a delete with {@code
 * gracePeriodSeconds=0} and every other kind go at once, unless finalizers hold them (then they
 * stay, marked for deletion, until the last one is removed). Without the stand-ins a bound pod,
 * once deleted, stays Terminating, as on a cluster whose kubelet is gone.
 *
 * <p>What it is not: there is no admission, no validation (the CRD's OpenAPI/CEL rules are not
 * enforced), no defaulting, no server-side apply, no garbage collector (deleting an owner leaves
 * its pods), status is writable through the main resource of built-in kinds, a strategic merge
 * patch is applied as a merge patch, propagation policies are ignored, and watches send no
 * bookmarks.
 */
public final class SimulatedCluster implements TestCluster {

  /** The version reported at {@code /version}. */
  public static final String GIT_VERSION = "v1.33.0-nodedaemon-sim";

  // The committed CRD, the one users apply (k8s/generated is drift-checked against the build).
  private static final Path GENERATED_CRD =
      Path.of("k8s", "generated", "nodedaemons.nodedaemon.io-crd.yaml");

  private final KubernetesMockServer server;
  private final SimApiStore store;
  private final SimFaults faults;
  private final WriteLog writes;
  private final KubernetesClient client;
  private final Clock clock;
  private final Duration terminationCap;
  private SchedulerStandIn scheduler;
  private KubeletStandIn kubelet;

  private SimulatedCluster(int port, Clock clock, Duration terminationCap) {
    this.clock = clock;
    this.terminationCap = terminationCap;
    // The mock web server logs every request at INFO through java.util.logging.
    Logger.getLogger(MockWebServer.class.getName()).setLevel(Level.WARNING);
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    MockWebServer webServer = new MockWebServer();
    store = new SimApiStore(SimApiDispatcher::kindOf, clock);
    // The dispatcher consults the expectations first, so server().expect() injects failures on top
    // of the store.
    SimApiDispatcher dispatcher = new SimApiDispatcher(store, responses, webServer, GIT_VERSION);
    writes = dispatcher.writes;
    faults = dispatcher.faults;
    // Plain HTTP: kubectl and the operator then need no CA or insecure-skip flags.
    server =
        new KubernetesMockServer(
            new Context(Serialization.jsonMapper()), webServer, responses, dispatcher, false);
    server.start(InetAddress.getLoopbackAddress(), port);
    client = new KubernetesClientBuilder().withConfig(clientConfig()).build();
  }

  /** A cluster on a random loopback port, with the CRD and namespaces but no nodes or stand-ins. */
  public static SimulatedCluster start() {
    return builder().start();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The base URL of the API server, e.g. {@code http://127.0.0.1:40123}. */
  public String url() {
    return "http://127.0.0.1:" + server.getPort();
  }

  public int port() {
    return server.getPort();
  }

  /**
   * A client for the cluster, owned by the cluster (closed with it); default namespace {@code
   * default}.
   */
  public KubernetesClient client() {
    return client;
  }

  @Override
  public Map<String, String> operatorClientProperties() {
    return Map.of(
        "quarkus.kubernetes-client.api-server-url", url(),
        "quarkus.kubernetes-client.trust-certs", "true",
        "quarkus.kubernetes-client.namespace", "default");
  }

  @Override
  public String backend() {
    return "sim";
  }

  /** Every write the API server received (tests count the operator's API calls with it). */
  public WriteLog writes() {
    return writes;
  }

  /** The underlying mock server, e.g. to add {@code expect()} failure injections. */
  public KubernetesMockServer server() {
    return server;
  }

  /**
   * Answers JOSDK's start-up check of its Lease permissions (a SelfSubjectRulesReview, which a real
   * API server answers itself) with every verb on leases.
   */
  public static void grantLeaseRules(KubernetesMockServer server) {
    server
        .expect()
        .post()
        .withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
        .andReturn(
            201,
            new SelfSubjectRulesReviewBuilder()
                .withNewStatus()
                .withResourceRules(
                    new ResourceRuleBuilder()
                        .withApiGroups("coordination.k8s.io")
                        .withResources("leases")
                        .withVerbs("*")
                        .build())
                .withIncomplete(false)
                .endStatus()
                .build())
        .always();
  }

  /** Faults injected into the operator's requests (the cluster's own client is exempt). */
  public SimFaults faults() {
    return faults;
  }

  /**
   * Closes every open watch connection from the server's side (an API server restart does that):
   * clients watch again from the last resourceVersion they saw. Returns how many were open.
   */
  public int dropWatches() {
    return store.dropWatches();
  }

  /**
   * Forgets the watch history (etcd compaction): a watch resumed from an earlier resourceVersion is
   * answered 410 Gone, and its client must list again.
   */
  public void compactHistory() {
    store.compactHistory();
  }

  /** The scheduler stand-in, or null when the cluster was started without stand-ins. */
  public SchedulerStandIn scheduler() {
    return scheduler;
  }

  /** The kubelet stand-in, or null when the cluster was started without stand-ins. */
  public KubeletStandIn kubelet() {
    return kubelet;
  }

  /** Replaces the kubelet stand-in with one that takes {@code kubeletDelay} to start a pod. */
  @Override
  public synchronized void restartKubelet(Duration kubeletDelay) {
    if (kubelet != null) {
      kubelet.close();
    }
    kubelet = new KubeletStandIn(client, kubeletDelay, terminationCap, clock);
  }

  /** Starts the scheduler and kubelet stand-ins (idempotent). */
  public synchronized SimulatedCluster startStandIns(Duration kubeletDelay) {
    if (scheduler == null) {
      scheduler = new SchedulerStandIn(client);
      kubelet = new KubeletStandIn(client, kubeletDelay, terminationCap, clock);
    }
    return this;
  }

  /**
   * A fresh client config for this cluster (e.g. for a second, independently closed client). Its
   * requests are exempt from {@link #faults()}: faults are for the operator, not for the tests and
   * stand-ins that drive and observe the cluster.
   */
  public Config clientConfig() {
    return new ConfigBuilder(Config.empty())
        .withMasterUrl(url())
        .withCustomHeaders(Map.of(SimFaults.EXEMPT_HEADER, "true"))
        .withNamespace("default")
        .withHttp2Disable(true)
        .withRequestTimeout(10_000)
        .build();
  }

  public Node addNode(SimNode node) {
    return client.nodes().resource(node.toNode(clock.instant())).create();
  }

  /** Replaces labels, taints, readiness and cordon flag of an existing node. */
  public Node updateNode(SimNode node) {
    Node desired = node.toNode(clock.instant());
    return client
        .nodes()
        .withName(node.name())
        .edit(
            current -> {
              current.getMetadata().setLabels(desired.getMetadata().getLabels());
              current.setSpec(desired.getSpec());
              current.setStatus(desired.getStatus());
              return current;
            });
  }

  public void removeNode(String name) {
    client.nodes().withName(name).delete();
  }

  public void createNamespace(String name) {
    if (client.namespaces().withName(name).get() == null) {
      client
          .namespaces()
          .resource(
              new NamespaceBuilder()
                  .withNewMetadata()
                  .withName(name)
                  .endMetadata()
                  .withNewStatus()
                  .withPhase("Active")
                  .endStatus()
                  .build())
          .create();
    }
  }

  /** Writes a kubeconfig with a single context {@code nodedaemon-sim} pointing at this cluster. */
  public Path writeKubeconfig(Path file) {
    String yaml =
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: nodedaemon-sim
          cluster:
            server: %s
        contexts:
        - name: nodedaemon-sim
          context:
            cluster: nodedaemon-sim
            user: nodedaemon-sim
            namespace: default
        current-context: nodedaemon-sim
        users:
        - name: nodedaemon-sim
          user:
            token: simulated
        """
            .formatted(url());
    try {
      if (file.toAbsolutePath().getParent() != null) {
        Files.createDirectories(file.toAbsolutePath().getParent());
      }
      Files.writeString(file, yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  /**
   * Installs the NodeDaemon CRD: the committed one when present, else a minimal one. The store
   * learns a custom resource (kind, status subresource) from a CRD created through it; without the
   * CRD a main-resource write could change the status as well.
   */
  public CustomResourceDefinition installCrd() {
    CustomResourceDefinition crd =
        Files.isRegularFile(GENERATED_CRD) ? loadCrd(GENERATED_CRD) : minimalCrd();
    var existing =
        client
            .apiextensions()
            .v1()
            .customResourceDefinitions()
            .withName(crd.getMetadata().getName());
    if (existing.get() != null) {
      return existing.get();
    }
    return client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
  }

  private CustomResourceDefinition loadCrd(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return client.apiextensions().v1().customResourceDefinitions().load(in).item();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A CRD with NodeDaemon's names, scope and status subresource and an open schema. */
  public static CustomResourceDefinition minimalCrd() {
    return new CustomResourceDefinitionBuilder()
        .withNewMetadata()
        .withName("nodedaemons." + NodeDaemon.GROUP)
        .endMetadata()
        .withNewSpec()
        .withGroup(NodeDaemon.GROUP)
        .withScope("Namespaced")
        .withNewNames()
        .withKind(NodeDaemon.KIND)
        .withListKind(NodeDaemon.KIND + "List")
        .withPlural("nodedaemons")
        .withSingular("nodedaemon")
        .withShortNames("nd")
        .withCategories("all")
        .endNames()
        .addNewVersion()
        .withName(NodeDaemon.VERSION)
        .withServed(true)
        .withStorage(true)
        .withNewSubresources()
        .withNewStatus()
        .endStatus()
        .endSubresources()
        .withNewSchema()
        .withNewOpenAPIV3Schema()
        .withType("object")
        .withXKubernetesPreserveUnknownFields(true)
        .endOpenAPIV3Schema()
        .endSchema()
        .endVersion()
        .endSpec()
        .build();
  }

  @Override
  public void close() {
    if (kubelet != null) {
      kubelet.close();
    }
    if (scheduler != null) {
      scheduler.close();
    }
    client.close();
    server.shutdown();
  }

  /** Options for {@link SimulatedCluster}: port, stand-ins, kubelet delay, initial nodes. */
  public static final class Builder {
    private int port;
    private boolean standIns;
    private Duration kubeletDelay = Duration.ZERO;
    private Clock clock = Clock.systemUTC();
    private Duration terminationCap = KubeletStandIn.DEFAULT_TERMINATION_CAP;
    private final java.util.List<SimNode> nodes = new java.util.ArrayList<>();

    /** The loopback port to listen on; 0 (the default) picks a free one. */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /**
     * Also start the scheduler and kubelet stand-ins; the kubelet starts pods after {@code delay}.
     */
    public Builder withStandIns(Duration kubeletDelay) {
      this.standIns = true;
      this.kubeletDelay = kubeletDelay;
      return this;
    }

    /**
     * The longest the kubelet stand-in lets a deleted pod's containers run: a pod is removed after
     * its grace period or this, whichever is shorter (default {@link
     * KubeletStandIn#DEFAULT_TERMINATION_CAP}).
     */
    public Builder terminationCap(Duration cap) {
      this.terminationCap = cap;
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    public Builder node(SimNode node) {
      nodes.add(node);
      return this;
    }

    public SimulatedCluster start() {
      SimulatedCluster cluster = new SimulatedCluster(port, clock, terminationCap);
      try {
        cluster.installCrd();
        for (String ns : List.of("default", "kube-system")) {
          cluster.createNamespace(ns);
        }
        nodes.forEach(cluster::addNode);
        if (standIns) {
          cluster.startStandIns(kubeletDelay);
        }
        return cluster;
      } catch (RuntimeException e) {
        cluster.close();
        throw e;
      }
    }
  }
}
