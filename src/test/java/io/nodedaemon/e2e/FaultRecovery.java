package io.nodedaemon.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonStatus;
import io.nodedaemon.cluster.TestCluster;
import io.nodedaemon.sim.SimNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * What every fault test checks once its fault has stopped (issue 12): within a stated bound, every
 * desired node has exactly one ready pod of the update revision, controlled by the NodeDaemon; no
 * other pod is left; the status tells exactly that; and a resync afterwards writes nothing.
 */
public final class FaultRecovery {

  private FaultRecovery() {}

  /**
   * Waits (at most {@code bound}) until the NodeDaemon has settled on {@code nodes}, checks the
   * truth in detail, and returns how long settling took from {@code faultStopped}.
   */
  static Duration assertSettled(
      TestCluster cluster,
      String namespace,
      String name,
      List<String> nodes,
      Instant faultStopped,
      Duration bound) {
    KubernetesClient client = cluster.client();
    try {
      await()
          .atMost(bound)
          .pollInterval(Duration.ofMillis(100))
          .until(() -> settled(client, namespace, name, nodes));
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      NodeDaemon d = E2eSupport.get(client, namespace, name);
      throw new AssertionError(
          "not settled within "
              + bound
              + "; status: "
              + Serialization.asJson(d == null ? null : d.getStatus())
              + "; pods: "
              + describe(E2eSupport.pods(client, namespace)),
          e);
    }
    Duration took = Duration.between(faultStopped, Instant.now());

    NodeDaemon daemon = E2eSupport.get(client, namespace, name);
    NodeDaemonStatus s = daemon.getStatus();
    List<Pod> pods = E2eSupport.pods(client, namespace);
    // No duplicate, no orphan, no pod on a node that should not run one.
    assertThat(pods).as("pods: %s", describe(pods)).hasSize(nodes.size());
    assertThat(pods.stream().map(p -> p.getSpec().getNodeName()).sorted().toList())
        .containsExactlyElementsOf(nodes.stream().sorted().toList());
    for (Pod p : pods) {
      assertThat(settledPod(p, daemon))
          .as("pod %s: ready, not terminating, update revision, controlled", describe(List.of(p)))
          .isTrue();
    }
    // The status says exactly that.
    int n = nodes.size();
    assertThat(s.getObservedGeneration()).isEqualTo(daemon.getMetadata().getGeneration());
    assertThat(s.getDesiredNumberScheduled()).isEqualTo(n);
    assertThat(s.getCurrentNumberScheduled()).isEqualTo(n);
    assertThat(s.getUpdatedNumberScheduled()).isEqualTo(n);
    assertThat(s.getNumberReady()).isEqualTo(n);
    assertThat(s.getNumberAvailable()).isEqualTo(n);
    assertThat(s.getNumberUnavailable()).isZero();
    assertThat(s.getNumberMisscheduled()).isZero();
    assertThat(s.getCurrentRevision()).isEqualTo(s.getUpdateRevision());
    assertThat(E2eSupport.conditionStatus(s, "Ready")).isEqualTo("True");
    assertThat(E2eSupport.conditionStatus(s, "Stalled")).isNotEqualTo("True");
    return took;
  }

  private static boolean settled(
      KubernetesClient client, String namespace, String name, List<String> nodes) {
    NodeDaemon d = E2eSupport.get(client, namespace, name);
    if (d == null || d.getStatus() == null) {
      return false;
    }
    NodeDaemonStatus s = d.getStatus();
    List<Pod> pods = E2eSupport.pods(client, namespace);
    return E2eSupport.converged(nodes.size()).test(s)
        && d.getMetadata().getGeneration().equals(s.getObservedGeneration())
        && s.getUpdateRevision() != null
        && s.getUpdateRevision().equals(s.getCurrentRevision())
        && "True".equals(E2eSupport.conditionStatus(s, "Ready"))
        && pods.size() == nodes.size()
        && pods.stream().allMatch(p -> settledPod(p, d));
  }

  /** Ready, not terminating, of the update revision, and controlled by the NodeDaemon. */
  private static boolean settledPod(Pod p, NodeDaemon d) {
    return E2eSupport.ready(p)
        && p.getMetadata().getDeletionTimestamp() == null
        && d.getStatus()
            .getUpdateRevision()
            .equals(p.getMetadata().getLabels().get("controller-revision-hash"))
        && d.getMetadata().getUid().equals(controllerUid(p));
  }

  /**
   * A resync (a change to every node of the group that concerns no NodeDaemon) after which the
   * operator must write nothing: no pod, status, revision or event write for {@code quiet}.
   */
  static void assertResyncWritesNothing(
      TestCluster cluster, String namespace, String group, List<String> nodes, Duration quiet) {
    int mark = cluster.writes().mark();
    String stamp = UUID.randomUUID().toString().substring(0, 8);
    for (String node : nodes) {
      cluster.updateNode(
          SimNode.named(node).label(E2eSupport.GROUP_LABEL, group).label("resync", stamp).build());
    }
    Predicate<String> operatorWrites = operatorWrites(namespace);
    await()
        .during(quiet)
        .atMost(quiet.plusSeconds(5))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> assertThat(cluster.writes().since(mark, operatorWrites)).as("writes").isEmpty());
  }

  /**
   * The writes in {@code namespace} that only the operator makes: pod creates and deletes (not
   * patches: the kubelet and scheduler stand-ins patch pods), NodeDaemon status, revisions, events.
   * Once nothing is terminating, the kubelet deletes nothing either.
   */
  public static Predicate<String> operatorWrites(String namespace) {
    return in(namespace, "pods")
        .and(w -> !w.startsWith("PATCH")) // the kubelet stand-in patches pod status
        .or(in(namespace, "nodedaemons"))
        .or(in(namespace, "controllerrevisions"))
        .or(in(namespace, "events"));
  }

  static Predicate<String> in(String namespace, String what) {
    return w -> w.contains("/namespaces/" + namespace + "/" + what);
  }

  /** The uid of the pod's controller (ownerReference with controller: true), null if none. */
  public static String controllerUid(Pod p) {
    List<OwnerReference> refs = p.getMetadata().getOwnerReferences();
    return refs == null
        ? null
        : refs.stream()
            .filter(r -> Boolean.TRUE.equals(r.getController()))
            .map(OwnerReference::getUid)
            .findFirst()
            .orElse(null);
  }

  static String describe(List<Pod> pods) {
    return pods.stream()
        .map(
            p ->
                p.getMetadata().getName()
                    + "@"
                    + p.getSpec().getNodeName()
                    + "/"
                    + (p.getStatus() == null ? null : p.getStatus().getPhase())
                    + (E2eSupport.ready(p) ? "/ready" : "")
                    + (p.getMetadata().getDeletionTimestamp() != null ? "/terminating" : "")
                    + "/"
                    + p.getMetadata().getLabels().get("controller-revision-hash")
                    + "/owner="
                    + controllerUid(p))
        .collect(Collectors.joining(", ", "[", "]"));
  }

  /** Node names {@code prefix-0 .. prefix-(n-1)}. */
  static List<String> nodeNames(String prefix, int n) {
    return java.util.stream.IntStream.range(0, n).mapToObj(i -> prefix + "-" + i).toList();
  }

  /**
   * Adds {@code nodes} to group {@code namespace}, creates NodeDaemon "agent" there with a rolling
   * update of maxUnavailable 1, and waits until it has converged.
   */
  static NodeDaemon convergedDaemon(TestCluster cluster, String namespace, List<String> nodes) {
    E2eSupport.addNodes(cluster, namespace, nodes.toArray(String[]::new));
    NodeDaemon d = E2eSupport.daemon(namespace, "agent", namespace);
    RolloutInvariantsE2eTest.rollingUpdate(d).setMaxUnavailable(new IntOrString(1));
    NodeDaemon created = E2eSupport.create(cluster, d);
    E2eSupport.awaitStatus(
        cluster.client(), namespace, "agent", E2eSupport.converged(nodes.size()));
    return created;
  }

  /** Changes the image of NodeDaemon "agent": a rollout to a new revision. */
  static void setImage(TestCluster cluster, String namespace, String image) {
    E2eSupport.retryOnConflict(
        () ->
            cluster
                .client()
                .resources(NodeDaemon.class)
                .inNamespace(namespace)
                .withName("agent")
                .edit(
                    d -> {
                      d.getSpec().getTemplate().getSpec().getContainers().get(0).setImage(image);
                      return d;
                    }));
  }

  /** Prints a measured recovery time where the surefire report keeps it (docs/reliability.md). */
  static void report(String fault, Duration recovery) {
    System.out.printf("FAULT-RECOVERY %s: %d ms%n", fault, recovery.toMillis());
  }
}
