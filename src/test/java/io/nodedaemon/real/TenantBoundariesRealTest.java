package io.nodedaemon.real;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonStatus;
import io.nodedaemon.cluster.ClusterResource;
import io.nodedaemon.cluster.InjectCluster;
import io.nodedaemon.cluster.RealControlPlane;
import io.nodedaemon.cluster.TestCluster;
import io.nodedaemon.e2e.E2eSupport;
import io.nodedaemon.sim.SimNode;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The operator never widens what a namespace tenant may do (issue 15, docs/security.md), on the
 * real control plane with the operator under its generated RBAC: bob holds only the built-in {@code
 * edit} role in his namespace and creates the NodeDaemons with his own token. A template that names
 * another namespace's ServiceAccount, or asks for what the namespace's Pod Security level forbids,
 * ends in pods the API server refuses, reported as {@code FailedCreate} and retried with growing
 * delays; a selector that matches another controller's pods never touches them; everything the
 * operator creates lands in the NodeDaemon's namespace and runs as the template's ServiceAccount.
 */
@QuarkusTest
@WithTestResource(ClusterResource.class)
class TenantBoundariesRealTest {

  static final String USER = "bob";

  @InjectCluster TestCluster cluster;

  /**
   * What each test made, deleted after it: a refused NodeDaemon would go on retrying into later
   * tests.
   */
  final List<NodeDaemon> made = new ArrayList<>();

  @AfterEach
  void deleteTheNodeDaemons() {
    made.forEach(
        d ->
            cluster
                .client()
                .resources(NodeDaemon.class)
                .inNamespace(d.getMetadata().getNamespace())
                .withName(d.getMetadata().getName())
                .delete());
  }

  RealControlPlane real() {
    return (RealControlPlane) cluster;
  }

  /** Namespace {@code ns} where bob holds {@code edit}, and two nodes of its own. */
  void tenant(String ns) {
    Tenants.bind(real(), USER, "edit", ns);
    for (String node : new String[] {ns + "-1", ns + "-2"}) {
      cluster.addNode(SimNode.named(node).label(E2eSupport.GROUP_LABEL, ns).build());
    }
  }

  /**
   * A NodeDaemon {@code name} for the nodes of {@code ns}, its pod spec shaped by {@code template}.
   */
  static NodeDaemon daemon(String ns, String name, Consumer<PodSpec> template) {
    NodeDaemon d = E2eSupport.daemon(ns, name, ns);
    template.accept(d.getSpec().getTemplate().getSpec());
    return d;
  }

  /**
   * Creates the NodeDaemon as bob, with his token: what his RBAC and the admission chain allow him.
   */
  NodeDaemon createAsTenant(NodeDaemon daemon) {
    try (KubernetesClient bob = Tenants.clientOf(real(), USER)) {
      NodeDaemon created =
          bob.resources(NodeDaemon.class)
              .inNamespace(daemon.getMetadata().getNamespace())
              .resource(daemon)
              .create();
      made.add(created);
      return created;
    }
  }

  List<Pod> podsOf(String ns, String name) {
    return cluster.client().pods().inNamespace(ns).withLabel("app", name).list().getItems();
  }

  NodeDaemonStatus status(String ns, String name) {
    NodeDaemon d =
        cluster.client().resources(NodeDaemon.class).inNamespace(ns).withName(name).get();
    return d == null ? null : d.getStatus();
  }

  List<Event> failedCreates(String ns, String name) {
    return cluster.client().v1().events().inNamespace(ns).list().getItems().stream()
        .filter(
            e ->
                "FailedCreate".equals(e.getReason())
                    && name.equals(e.getInvolvedObject().getName()))
        .toList();
  }

  /**
   * Waits for the operator's fourth attempt to create a pod in {@code ns} and checks that the
   * delays grew (2 s, 4 s, 8 s: SPEC §5's write backoff, counted from the start of each pass, so a
   * gap is the nominal delay give or take a pass's own time); a hot retry would have made seven
   * attempts or more in the same time.
   */
  List<Instant> assertRetriedWithBackoff(String ns, int mark) {
    Supplier<List<Instant>> attempts =
        () ->
            cluster
                .writes()
                .timesSince(mark, w -> w.equals("POST /api/v1/namespaces/" + ns + "/pods"));
    List<Instant> times =
        await()
            .atMost(Duration.ofSeconds(40))
            .pollInterval(Duration.ofMillis(200))
            .until(attempts::get, t -> t.size() >= 4);
    List<Long> gaps =
        List.of(
            Duration.between(times.get(0), times.get(1)).toMillis(),
            Duration.between(times.get(1), times.get(2)).toMillis(),
            Duration.between(times.get(2), times.get(3)).toMillis());
    assertThat(gaps.get(1)).as("gaps %s ms", gaps).isGreaterThanOrEqualTo(3000);
    assertThat(gaps.get(2)).as("gaps %s ms", gaps).isGreaterThanOrEqualTo(gaps.get(1) + 2500);
    return times;
  }

  void assertReportedNotRunning(String ns, String name, String messagePart) {
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              assertThat(failedCreates(ns, name))
                  .singleElement()
                  .satisfies(
                      e -> {
                        assertThat(e.getType()).isEqualTo("Warning");
                        assertThat(e.getMessage()).contains(messagePart);
                        assertThat(e.getCount()).isGreaterThanOrEqualTo(3);
                      });
              NodeDaemonStatus s = status(ns, name);
              assertThat(s).isNotNull();
              assertThat(s.getDesiredNumberScheduled()).isEqualTo(2);
              assertThat(s.getCurrentNumberScheduled()).isZero();
              assertThat(s.getConditions())
                  .filteredOn(c -> "Ready".equals(c.getType()))
                  .singleElement()
                  .satisfies(c -> assertThat(c.getStatus()).isEqualTo("False"));
            });
  }

  @Test
  void aServiceAccountOfAnotherNamespaceIsNeverLent() {
    String ns = "tenant-a";
    String other = "tenant-b";
    tenant(ns);
    cluster.createNamespace(other);
    cluster
        .client()
        .serviceAccounts()
        .inNamespace(other)
        .resource(
            new ServiceAccountBuilder().withNewMetadata().withName("b-agent").endMetadata().build())
        .create();
    int mark = cluster.writes().mark();

    // A pod names a ServiceAccount of its own namespace: "b-agent" here means tenant-a/b-agent,
    // which does not exist, so the ServiceAccount admission plugin refuses every pod.
    createAsTenant(daemon(ns, "borrow", spec -> spec.setServiceAccountName("b-agent")));

    assertRetriedWithBackoff(ns, mark);
    assertReportedNotRunning(ns, "borrow", "serviceaccount \"b-agent\" not found");
    assertThat(podsOf(ns, "borrow")).isEmpty();
    assertThat(cluster.client().pods().inNamespace(other).list().getItems()).isEmpty();
    assertThat(cluster.writes().since(mark, w -> w.contains("/namespaces/" + other + "/")))
        .isEmpty();

    // Once bob makes a ServiceAccount of that name in his namespace (edit allows it), the pods run
    // as that one: his own, which he could have given a pod directly.
    try (KubernetesClient bob = Tenants.clientOf(real(), USER)) {
      bob.serviceAccounts()
          .inNamespace(ns)
          .resource(
              new ServiceAccountBuilder()
                  .withNewMetadata()
                  .withName("b-agent")
                  .endMetadata()
                  .build())
          .create();
    }
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> podsOf(ns, "borrow").size() == 2);
    assertThat(podsOf(ns, "borrow"))
        .allSatisfy(
            p -> {
              assertThat(p.getMetadata().getNamespace()).isEqualTo(ns);
              assertThat(p.getSpec().getServiceAccountName()).isEqualTo("b-agent");
            });
    assertThat(cluster.client().pods().inNamespace(other).list().getItems()).isEmpty();
  }

  @Test
  void aTemplateTheNamespacesPodSecurityLevelForbidsIsRefusedAndReported() {
    String ns = "tenant-restricted";
    restrictedNamespace(ns);
    // PodSecurity admission is on (kube-apiserver's default): a privileged pod is refused even to
    // the admin.
    Pod direct =
        new PodBuilder()
            .withNewMetadata()
            .withName("direct")
            .withNamespace(ns)
            .endMetadata()
            .withNewSpec()
            .withContainers(
                privileged(
                    new ContainerBuilder().withName("c").withImage("example.org/x:1").build()))
            .endSpec()
            .build();
    assertThatThrownBy(() -> cluster.client().pods().inNamespace(ns).resource(direct).create())
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403))
        .hasMessageContaining("violates PodSecurity \"restricted");
    int mark = cluster.writes().mark();

    createAsTenant(
        daemon(
            ns,
            "rooted",
            spec -> {
              privileged(spec.getContainers().get(0));
              spec.setVolumes(
                  List.of(
                      new VolumeBuilder()
                          .withName("root")
                          .withNewHostPath()
                          .withPath("/")
                          .endHostPath()
                          .build()));
              spec.getContainers()
                  .get(0)
                  .setVolumeMounts(
                      List.of(
                          new VolumeMountBuilder()
                              .withName("root")
                              .withMountPath("/host")
                              .build()));
            }));

    assertRetriedWithBackoff(ns, mark);
    assertReportedNotRunning(ns, "rooted", "violates PodSecurity \"restricted");
    assertThat(podsOf(ns, "rooted")).isEmpty();
  }

  @Test
  void aTemplateWithinTheRestrictedLevelRunsThereUnchanged() {
    String ns = "tenant-restricted-ok";
    restrictedNamespace(ns);

    // What the operator adds (tolerations, node affinity, labels, owner) is nothing PSA objects to.
    NodeDaemon created =
        createAsTenant(
            daemon(
                ns,
                "conforming",
                spec -> {
                  spec.setSecurityContext(
                      new PodSecurityContextBuilder()
                          .withRunAsNonRoot(true)
                          .withNewSeccompProfile()
                          .withType("RuntimeDefault")
                          .endSeccompProfile()
                          .build());
                  spec.getContainers()
                      .get(0)
                      .setSecurityContext(
                          new SecurityContextBuilder()
                              .withAllowPrivilegeEscalation(false)
                              .withNewCapabilities()
                              .withDrop("ALL")
                              .endCapabilities()
                              .build());
                }));

    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              NodeDaemonStatus s = status(ns, "conforming");
              return s != null && s.getNumberReady() == 2;
            });
    assertThat(failedCreates(ns, "conforming")).isEmpty();
    assertOnlyInItsNamespaceAndAsItsServiceAccount(created, "default");
  }

  @Test
  void podsOfAnotherControllerAreNeverTouched() {
    String ns = "tenant-foreign";
    tenant(ns);
    // A ReplicaSet and its pod, on one of the nodes; no ReplicaSet controller runs here, so the pod
    // stays exactly as written unless someone else changes it.
    ReplicaSet owner =
        cluster
            .client()
            .apps()
            .replicaSets()
            .inNamespace(ns)
            .resource(
                new ReplicaSetBuilder()
                    .withNewMetadata()
                    .withName("other")
                    .withNamespace(ns)
                    .endMetadata()
                    .withNewSpec()
                    .withReplicas(1)
                    .withNewSelector()
                    .addToMatchLabels("app", "shared")
                    .endSelector()
                    .withNewTemplate()
                    .withNewMetadata()
                    .addToLabels("app", "shared")
                    .endMetadata()
                    .withNewSpec()
                    .withContainers(
                        new ContainerBuilder()
                            .withName("c")
                            .withImage("example.org/other:1")
                            .build())
                    .endSpec()
                    .endTemplate()
                    .endSpec()
                    .build())
            .create();
    OwnerReference controllerRef =
        new OwnerReferenceBuilder()
            .withApiVersion("apps/v1")
            .withKind("ReplicaSet")
            .withName("other")
            .withUid(owner.getMetadata().getUid())
            .withController(true)
            .withBlockOwnerDeletion(true)
            .build();
    Pod foreign =
        cluster
            .client()
            .pods()
            .inNamespace(ns)
            .resource(
                new PodBuilder()
                    .withNewMetadata()
                    .withName("foreign")
                    .withNamespace(ns)
                    .addToLabels("app", "shared")
                    .withOwnerReferences(controllerRef)
                    .endMetadata()
                    .withNewSpec()
                    .withNodeName(ns + "-1")
                    .withContainers(
                        new ContainerBuilder()
                            .withName("c")
                            .withImage("example.org/other:1")
                            .build())
                    .endSpec()
                    .build())
            .create();
    int mark = cluster.writes().mark();

    NodeDaemon created = createAsTenant(daemon(ns, "shared", spec -> {}));

    // Upstream counts only the pods it controls: the node with the foreign pod still gets its own.
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              NodeDaemonStatus s = status(ns, "shared");
              return s != null
                  && s.getNumberReady() == 2
                  && s.getDesiredNumberScheduled() == 2
                  && s.getCurrentNumberScheduled() == 2;
            });
    Pod after = cluster.client().pods().inNamespace(ns).withName("foreign").get();
    assertThat(after.getMetadata().getUid()).isEqualTo(foreign.getMetadata().getUid());
    assertThat(after.getMetadata().getOwnerReferences()).containsExactly(controllerRef);
    assertThat(after.getMetadata().getLabels()).isEqualTo(foreign.getMetadata().getLabels());
    assertThat(after.getMetadata().getDeletionTimestamp()).isNull();
    assertThat(cluster.writes().since(mark, w -> w.endsWith("/namespaces/" + ns + "/pods/foreign")))
        .isEmpty();
    assertThat(podsOf(ns, "shared"))
        .filteredOn(p -> !p.getMetadata().getName().equals("foreign"))
        .hasSize(2)
        .allSatisfy(
            p ->
                assertThat(p.getMetadata().getOwnerReferences())
                    .singleElement()
                    .satisfies(
                        r -> assertThat(r.getUid()).isEqualTo(created.getMetadata().getUid())));
    assertOnlyInItsNamespaceAndAsItsServiceAccount(created, "default");
  }

  /**
   * Every pod and ControllerRevision the NodeDaemon owns, looked for in all namespaces, is in its
   * own; its pods run as {@code serviceAccount} (the template's, or the namespace's default), never
   * as the operator's.
   */
  void assertOnlyInItsNamespaceAndAsItsServiceAccount(NodeDaemon daemon, String serviceAccount) {
    String ns = daemon.getMetadata().getNamespace();
    String uid = daemon.getMetadata().getUid();
    List<Pod> pods =
        cluster.client().pods().inAnyNamespace().list().getItems().stream()
            .filter(p -> ownedBy(p.getMetadata().getOwnerReferences(), uid))
            .toList();
    List<ControllerRevision> revisions =
        cluster.client().apps().controllerRevisions().inAnyNamespace().list().getItems().stream()
            .filter(r -> ownedBy(r.getMetadata().getOwnerReferences(), uid))
            .toList();

    assertThat(pods)
        .hasSize(2)
        .allSatisfy(
            p -> {
              assertThat(p.getMetadata().getNamespace()).isEqualTo(ns);
              assertThat(p.getSpec().getServiceAccountName())
                  .isEqualTo(serviceAccount)
                  .isNotEqualTo(RealControlPlane.OPERATOR_SERVICE_ACCOUNT);
            });
    assertThat(revisions)
        .isNotEmpty()
        .allSatisfy(r -> assertThat(r.getMetadata().getNamespace()).isEqualTo(ns));
  }

  static boolean ownedBy(List<OwnerReference> refs, String uid) {
    return refs != null && refs.stream().anyMatch(r -> uid.equals(r.getUid()));
  }

  /** Namespace {@code ns} (bob: edit, two nodes) with Pod Security level restricted enforced. */
  void restrictedNamespace(String ns) {
    tenant(ns);
    cluster
        .client()
        .namespaces()
        .withName(ns)
        .edit(
            n -> {
              n.getMetadata().getLabels().put("pod-security.kubernetes.io/enforce", "restricted");
              return n;
            });
  }

  static Container privileged(Container c) {
    c.setSecurityContext(new SecurityContextBuilder().withPrivileged(true).build());
    return c;
  }
}
