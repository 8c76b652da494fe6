package io.nodedaemon.e2e;

import static io.nodedaemon.e2e.E2eSupport.TIMEOUT;
import static io.nodedaemon.e2e.E2eSupport.addNodes;
import static io.nodedaemon.e2e.E2eSupport.awaitStatus;
import static io.nodedaemon.e2e.E2eSupport.conditionReason;
import static io.nodedaemon.e2e.E2eSupport.conditionStatus;
import static io.nodedaemon.e2e.E2eSupport.converged;
import static io.nodedaemon.e2e.E2eSupport.create;
import static io.nodedaemon.e2e.E2eSupport.daemon;
import static io.nodedaemon.e2e.E2eSupport.pods;
import static io.nodedaemon.e2e.E2eSupport.podsByNode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonStatus;
import io.nodedaemon.cluster.ClusterResource;
import io.nodedaemon.cluster.InjectCluster;
import io.nodedaemon.cluster.TestCluster;
import io.nodedaemon.sim.SimNode;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The real operator against the simulated cluster: placement, pod management, status (SPEC §2–§5).
 */
@QuarkusTest
@WithTestResource(ClusterResource.class)
class NodeDaemonCoreE2eTest {

  @InjectCluster TestCluster cluster;

  KubernetesClient client() {
    return cluster.client();
  }

  @Test
  void onePodPerEligibleNodeAndReadyCondition() {
    addNodes(cluster, "basic", "basic-1", "basic-2", "basic-3");
    NodeDaemon created = create(cluster, daemon("basic", "agent", "basic"));

    NodeDaemonStatus status =
        awaitStatus(
            client(),
            "basic",
            "agent",
            converged(3).and(s -> "True".equals(conditionStatus(s, "Ready"))));

    assertThat(conditionStatus(status, "Reconciling")).isEqualTo("False");
    assertThat(conditionStatus(status, "Stalled")).isEqualTo("False");
    assertThat(status.getObservedGeneration()).isEqualTo(created.getMetadata().getGeneration());
    assertThat(status.getUpdateRevision()).isNotBlank();
    Map<String, List<Pod>> byNode = podsByNode(client(), "basic");
    assertThat(byNode).containsOnlyKeys("basic-1", "basic-2", "basic-3");
    byNode.values().forEach(p -> assertThat(p).hasSize(1));
    Pod pod = byNode.get("basic-1").get(0);
    assertThat(pod.getMetadata().getName()).startsWith("agent-");
    assertThat(pod.getMetadata().getLabels())
        .containsEntry("app", "agent")
        .containsEntry("controller-revision-hash", status.getUpdateRevision());
    OwnerReference owner = pod.getMetadata().getOwnerReferences().get(0);
    assertThat(owner.getKind()).isEqualTo("NodeDaemon");
    assertThat(owner.getController()).isTrue();
    assertThat(owner.getUid()).isEqualTo(created.getMetadata().getUid());
    assertThat(client().v1().events().inNamespace("basic").list().getItems())
        .anyMatch(
            e ->
                "SuccessfulCreate".equals(e.getReason())
                    && "Normal".equals(e.getType())
                    && "NodeDaemon".equals(e.getInvolvedObject().getKind()));
  }

  @Test
  void followsNodesAddedRemovedRelabelledAndTainted() {
    addNodes(cluster, "churn", "churn-1", "churn-2");
    create(cluster, daemon("churn", "agent", "churn"));
    awaitStatus(client(), "churn", "agent", converged(2));

    addNodes(cluster, "churn", "churn-3");
    awaitStatus(client(), "churn", "agent", converged(3));
    assertThat(podsByNode(client(), "churn")).containsKey("churn-3");

    // Relabelled out of the node selector: its pod goes.
    cluster.updateNode(SimNode.named("churn-2").label(E2eSupport.GROUP_LABEL, "elsewhere").build());
    awaitStatus(client(), "churn", "agent", converged(2));
    await().atMost(TIMEOUT).until(() -> !podsByNode(client(), "churn").containsKey("churn-2"));

    // NoSchedule: the running pod stays (misscheduled), no new pod would be placed.
    cluster.updateNode(
        SimNode.named("churn-3")
            .label(E2eSupport.GROUP_LABEL, "churn")
            .taint("dedicated", "db", "NoSchedule")
            .build());
    NodeDaemonStatus s =
        awaitStatus(
            client(),
            "churn",
            "agent",
            st -> st.getDesiredNumberScheduled() == 1 && st.getNumberMisscheduled() == 1);
    assertThat(podsByNode(client(), "churn")).containsKey("churn-3");
    assertThat(s.getCurrentNumberScheduled()).isEqualTo(1);

    // NoExecute: the pod is evicted.
    cluster.updateNode(
        SimNode.named("churn-3")
            .label(E2eSupport.GROUP_LABEL, "churn")
            .taint("dedicated", "db", "NoExecute")
            .build());
    awaitStatus(client(), "churn", "agent", converged(1));
    await().atMost(TIMEOUT).until(() -> !podsByNode(client(), "churn").containsKey("churn-3"));

    // Removed node: no longer desired.
    cluster.removeNode("churn-1");
    awaitStatus(client(), "churn", "agent", st -> st.getDesiredNumberScheduled() == 0);
  }

  @Test
  void cordonedNodesGetPodsAndNotReadyNodesKeepThePodTheyHave() {
    cluster.addNode(SimNode.named("odd-notready").label(E2eSupport.GROUP_LABEL, "odd").build());
    cluster.addNode(
        SimNode.named("odd-cordoned").label(E2eSupport.GROUP_LABEL, "odd").cordoned().build());
    cluster.addNode(
        SimNode.named("odd-new-notready").label(E2eSupport.GROUP_LABEL, "odd").notReady().build());
    create(cluster, daemon("odd", "agent", "odd"));

    // not-ready:NoSchedule (TaintNodesByCondition) is not among the daemon tolerations: no new pod
    // there.
    awaitStatus(
        client(),
        "odd",
        "agent",
        s -> s.getDesiredNumberScheduled() == 2 && s.getCurrentNumberScheduled() == 2);
    // Status counts a pod by the node it is pinned to; podsByNode by the node it is bound to,
    // which the scheduler sets a moment later.
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () ->
                assertThat(podsByNode(client(), "odd"))
                    .containsOnlyKeys("odd-notready", "odd-cordoned"));

    // A node that goes NotReady keeps its pod: not-ready:NoExecute is tolerated.
    cluster.updateNode(
        SimNode.named("odd-notready").label(E2eSupport.GROUP_LABEL, "odd").notReady().build());
    awaitStatus(
        client(),
        "odd",
        "agent",
        s -> s.getDesiredNumberScheduled() == 1 && s.getNumberMisscheduled() == 1);
    assertThat(podsByNode(client(), "odd")).containsOnlyKeys("odd-notready", "odd-cordoned");
  }

  @Test
  void failedAndSucceededPodsAreReplaced() {
    addNodes(cluster, "fail", "fail-1", "fail-2");
    create(cluster, daemon("fail", "agent", "fail"));
    awaitStatus(client(), "fail", "agent", converged(2));
    Pod first = podsByNode(client(), "fail").get("fail-1").get(0);
    Pod second = podsByNode(client(), "fail").get("fail-2").get(0);

    cluster.kubelet().failPod("fail", first.getMetadata().getName());
    cluster.kubelet().succeedPod("fail", second.getMetadata().getName());

    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              Map<String, List<Pod>> byNode = podsByNode(client(), "fail");
              return byNode.getOrDefault("fail-1", List.of()).stream()
                      .anyMatch(
                          p ->
                              E2eSupport.ready(p)
                                  && !first.getMetadata().getUid().equals(p.getMetadata().getUid()))
                  && byNode.getOrDefault("fail-2", List.of()).stream()
                      .anyMatch(
                          p ->
                              E2eSupport.ready(p)
                                  && !second
                                      .getMetadata()
                                      .getUid()
                                      .equals(p.getMetadata().getUid()));
            });
    awaitStatus(client(), "fail", "agent", converged(2));
    assertThat(pods(client(), "fail")).hasSize(2);
    assertThat(client().v1().events().inNamespace("fail").list().getItems())
        .anyMatch(e -> "FailedDaemonPod".equals(e.getReason()) && "Warning".equals(e.getType()))
        .anyMatch(e -> "SuccessfulDelete".equals(e.getReason()));
  }

  @Test
  void anExtraNewerPodIsDeletedAndTheOldestKept() {
    addNodes(cluster, "dup", "dup-1");
    create(cluster, daemon("dup", "agent", "dup"));
    awaitStatus(client(), "dup", "agent", converged(1));
    Pod original = pods(client(), "dup").get(0);

    // A second controlled pod on the same node, as a stale cache elsewhere could have made.
    Pod extra =
        new PodBuilder(original)
            .editMetadata()
            .withName("agent-extra")
            .withUid(null)
            .withResourceVersion(null)
            .withCreationTimestamp(null)
            .endMetadata()
            .withStatus(null)
            .build();
    client().pods().inNamespace("dup").resource(extra).create();

    await().atMost(TIMEOUT).until(() -> pods(client(), "dup").size() == 1);
    assertThat(pods(client(), "dup").get(0).getMetadata().getUid())
        .isEqualTo(original.getMetadata().getUid());
  }

  @Test
  void orphanIsAdoptedWithoutASecondPod() {
    addNodes(cluster, "orphan", "orphan-1", "orphan-2");
    NodeDaemon template = daemon("orphan", "agent", "orphan");
    // OnDelete: an adopted pod of another revision is kept, not rolled (RollingUpdate would replace
    // it).
    template.getSpec().setUpdateStrategy(new io.nodedaemon.api.NodeDaemonUpdateStrategy());
    template
        .getSpec()
        .getUpdateStrategy()
        .setType(io.nodedaemon.api.NodeDaemonUpdateStrategy.Type.OnDelete);
    Pod orphan =
        new PodBuilder()
            .withNewMetadata()
            .withName("left-behind")
            .withNamespace("orphan")
            .withLabels(Map.of("app", "agent"))
            .endMetadata()
            .withSpec(template.getSpec().getTemplate().getSpec())
            .build();
    orphan.getSpec().setNodeName("orphan-1");
    cluster.createNamespace("orphan");
    client().pods().inNamespace("orphan").resource(orphan).create();
    // Creation times have one-second resolution: let the orphan be strictly the oldest pod, so that
    // even if the operator's cache lags and it creates a pod first, the orphan is the one kept.
    await().pollDelay(Duration.ofMillis(1100)).until(() -> true);

    NodeDaemon created = create(cluster, template);
    // OnDelete keeps the adopted pod although it carries no revision: 1 of 2 nodes is up to date.
    awaitStatus(
        client(),
        "orphan",
        "agent",
        s ->
            s.getCurrentNumberScheduled() == 2
                && s.getNumberReady() == 2
                && s.getUpdatedNumberScheduled() == 1);
    await().atMost(TIMEOUT).until(() -> pods(client(), "orphan").size() == 2);

    Pod adopted = client().pods().inNamespace("orphan").withName("left-behind").get();
    assertThat(adopted.getMetadata().getOwnerReferences())
        .anyMatch(r -> created.getMetadata().getUid().equals(r.getUid()) && r.getController());
    Map<String, List<Pod>> byNode = podsByNode(client(), "orphan");
    assertThat(byNode.get("orphan-1")).hasSize(1);
    assertThat(byNode.get("orphan-2")).hasSize(1);
  }

  @Test
  void ownedPodThatStopsMatchingIsReleasedAndReplaced() {
    addNodes(cluster, "release", "release-1");
    NodeDaemon created = create(cluster, daemon("release", "agent", "release"));
    awaitStatus(client(), "release", "agent", converged(1));
    Pod pod = pods(client(), "release").get(0);

    E2eSupport.retryOnConflict(
        () ->
            client()
                .pods()
                .inNamespace("release")
                .withName(pod.getMetadata().getName())
                .edit(
                    p ->
                        new PodBuilder(p)
                            .editMetadata()
                            .addToLabels("app", "debugging")
                            .endMetadata()
                            .build()));

    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              Pod released =
                  client()
                      .pods()
                      .inNamespace("release")
                      .withName(pod.getMetadata().getName())
                      .get();
              return released != null
                  && (released.getMetadata().getOwnerReferences() == null
                      || released.getMetadata().getOwnerReferences().stream()
                          .noneMatch(r -> created.getMetadata().getUid().equals(r.getUid())));
            });
    // The released pod lives on, untouched, and a new pod takes its place.
    await().atMost(TIMEOUT).until(() -> pods(client(), "release").size() == 2);
    awaitStatus(client(), "release", "agent", converged(1));
    assertThat(pods(client(), "release")).hasSize(2);
  }

  @Test
  void foreignPodsAreNeverTouched() {
    addNodes(cluster, "foreign", "foreign-1");
    NodeDaemon template = daemon("foreign", "agent", "foreign");
    Pod foreign =
        new PodBuilder()
            .withNewMetadata()
            .withName("someone-elses")
            .withNamespace("foreign")
            .withLabels(Map.of("app", "agent"))
            .addNewOwnerReference()
            .withApiVersion("apps/v1")
            .withKind("ReplicaSet")
            .withName("rs")
            .withUid("rs-uid")
            .withController(true)
            .endOwnerReference()
            .endMetadata()
            .withSpec(template.getSpec().getTemplate().getSpec())
            .build();
    foreign.getSpec().setNodeName("foreign-1");
    cluster.createNamespace("foreign");
    client().pods().inNamespace("foreign").resource(foreign).create();

    create(cluster, template);
    awaitStatus(client(), "foreign", "agent", converged(1));

    Pod after = client().pods().inNamespace("foreign").withName("someone-elses").get();
    assertThat(after).isNotNull();
    assertThat(after.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(r -> assertThat(r.getUid()).isEqualTo("rs-uid"));
  }

  @Test
  void invalidSpecIsStalledAndCreatesNoPod() {
    addNodes(cluster, "invalid", "invalid-1");
    NodeDaemon bad = daemon("invalid", "agent", "invalid");
    // A label value that is no valid label value: the CRD schema does not check label syntax (a
    // pattern per label would cost CEL budget), the operator does, before any pod is created.
    bad.getSpec()
        .getTemplate()
        .getMetadata()
        .setLabels(Map.of("app", "agent", "tier", "not valid!"));
    create(cluster, bad);

    NodeDaemonStatus status =
        awaitStatus(
            client(), "invalid", "agent", s -> "True".equals(conditionStatus(s, "Stalled")));
    assertThat(conditionReason(status, "Stalled")).isEqualTo("InvalidSpec");
    assertThat(conditionStatus(status, "Ready")).isEqualTo("False");
    assertThat(pods(client(), "invalid")).isEmpty();
    assertThat(client().v1().events().inNamespace("invalid").list().getItems())
        .anyMatch(e -> "InvalidSpec".equals(e.getReason()) && "Warning".equals(e.getType()));
  }

  @Test
  void neverTwoPodsOnANodeWhileConverging() throws Exception {
    addNodes(cluster, "twice", "twice-1", "twice-2", "twice-3", "twice-4");
    AtomicInteger worst = new AtomicInteger();
    Thread sampler =
        new Thread(
            () -> {
              while (!Thread.currentThread().isInterrupted()) {
                try {
                  podsByNode(client(), "twice")
                      .forEach(
                          (node, ps) ->
                              worst.accumulateAndGet(node.isEmpty() ? 0 : ps.size(), Math::max));
                } catch (RuntimeException ignored) {
                  // the sampler only watches; a failed list is retried
                }
              }
            });
    sampler.start();
    try {
      create(cluster, daemon("twice", "agent", "twice"));
      awaitStatus(client(), "twice", "agent", converged(4));
      // Churn that makes the operator re-plan many times.
      for (int i = 0; i < 3; i++) {
        // The status may still show the previous convergence: wait for a running pod on the node
        // itself.
        Pod running =
            await()
                .atMost(TIMEOUT)
                .until(
                    () ->
                        podsByNode(client(), "twice").getOrDefault("twice-1", List.of()).stream()
                            .filter(E2eSupport::ready)
                            .findFirst(),
                    java.util.Optional::isPresent)
                .orElseThrow();
        cluster.kubelet().failPod("twice", running.getMetadata().getName());
        awaitStatus(client(), "twice", "agent", converged(4));
      }
    } finally {
      sampler.interrupt();
      sampler.join(Duration.ofSeconds(5).toMillis());
    }
    assertThat(worst.get()).isEqualTo(1);
  }
}
