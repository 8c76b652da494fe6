package io.nodedaemon.e2e;

import static io.nodedaemon.e2e.E2eSupport.TIMEOUT;
import static io.nodedaemon.e2e.E2eSupport.addNodes;
import static io.nodedaemon.e2e.E2eSupport.awaitStatus;
import static io.nodedaemon.e2e.E2eSupport.conditionReason;
import static io.nodedaemon.e2e.E2eSupport.conditionStatus;
import static io.nodedaemon.e2e.E2eSupport.converged;
import static io.nodedaemon.e2e.E2eSupport.create;
import static io.nodedaemon.e2e.E2eSupport.daemon;
import static io.nodedaemon.e2e.E2eSupport.get;
import static io.nodedaemon.e2e.E2eSupport.pods;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonStatus;
import io.nodedaemon.api.NodeDaemonUpdateStrategy;
import io.nodedaemon.api.RollingUpdateNodeDaemon;
import io.nodedaemon.cluster.ClusterResource;
import io.nodedaemon.cluster.InjectCluster;
import io.nodedaemon.cluster.TestCluster;
import io.nodedaemon.sim.SimNode;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Rollouts on the simulated cluster (SPEC §6), sampled continuously while they run: the budget
 * holds at every sample, not only at the end.
 */
@QuarkusTest
@WithTestResource(ClusterResource.class)
class RolloutInvariantsE2eTest {

  @InjectCluster TestCluster cluster;

  KubernetesClient client() {
    return cluster.client();
  }

  @AfterEach
  void releaseHeldPods() {
    cluster.kubelet().holdReadiness(null);
  }

  static RollingUpdateNodeDaemon rollingUpdate(NodeDaemon d) {
    NodeDaemonUpdateStrategy s = new NodeDaemonUpdateStrategy();
    s.setType(NodeDaemonUpdateStrategy.Type.RollingUpdate);
    RollingUpdateNodeDaemon ru = new RollingUpdateNodeDaemon();
    s.setRollingUpdate(ru);
    d.getSpec().setUpdateStrategy(s);
    return ru;
  }

  NodeDaemon edit(String ns, Consumer<NodeDaemon> change) {
    return E2eSupport.retryOnConflict(
        () ->
            client()
                .resources(NodeDaemon.class)
                .inNamespace(ns)
                .withName("agent")
                .edit(
                    d -> {
                      change.accept(d);
                      return d;
                    }));
  }

  static Consumer<NodeDaemon> image(String image) {
    return d -> d.getSpec().getTemplate().getSpec().getContainers().get(0).setImage(image);
  }

  static Map<String, String> revisionsByNode(List<Pod> pods) {
    return pods.stream()
        .collect(
            Collectors.toMap(
                p -> p.getSpec().getNodeName(),
                p -> p.getMetadata().getLabels().get("controller-revision-hash"),
                (a, b) -> a + "," + b));
  }

  @Test
  void maxUnavailableOneNeverTakesMoreThanOneNodeDown() throws Exception {
    addNodes(cluster, "ru1", "ru1-a", "ru1-b", "ru1-c", "ru1-d");
    NodeDaemon d = daemon("ru1", "agent", "ru1");
    rollingUpdate(d).setMaxUnavailable(new IntOrString(1));
    create(cluster, d);
    awaitStatus(client(), "ru1", "agent", converged(4));

    try (InvariantSampler sampler = new InvariantSampler(client(), "ru1", 4)) {
      edit("ru1", image("example.org/agent:2"));
      NodeDaemonStatus done =
          awaitStatus(
              client(),
              "ru1",
              "agent",
              converged(4)
                  .and(
                      s ->
                          "True".equals(conditionStatus(s, "Ready"))
                              && s.getObservedGeneration() == 2L));
      sampler.assertHeld(1, 1);
      assertThat(pods(client(), "ru1"))
          .hasSize(4)
          .allSatisfy(
              p ->
                  assertThat(p.getMetadata().getLabels())
                      .containsEntry("controller-revision-hash", done.getUpdateRevision()));
      assertThat(done.getCurrentRevision()).isEqualTo(done.getUpdateRevision());
    }
    assertThat(client().apps().controllerRevisions().inNamespace("ru1").list().getItems())
        .hasSize(2)
        .allSatisfy(r -> assertThat(r.getMetadata().getName()).startsWith("agent-"));
  }

  @Test
  void surgeKeepsEveryNodeAvailableAndAtMostTwoPodsPerNode() throws Exception {
    addNodes(cluster, "surge", "surge-a", "surge-b", "surge-c");
    NodeDaemon d = daemon("surge", "agent", "surge");
    RollingUpdateNodeDaemon ru = rollingUpdate(d);
    ru.setMaxSurge(new IntOrString(1));
    ru.setMaxUnavailable(new IntOrString(0));
    create(cluster, d);
    awaitStatus(client(), "surge", "agent", converged(3));

    try (InvariantSampler sampler = new InvariantSampler(client(), "surge", 3)) {
      edit("surge", image("example.org/agent:surge-2"));
      awaitStatus(
          client(), "surge", "agent", converged(3).and(s -> s.getObservedGeneration() == 2L));
      await().atMost(TIMEOUT).until(() -> pods(client(), "surge").size() == 3);
      sampler.assertHeld(0, 2);
    }
  }

  @Test
  void aRolloutThatNeverBecomesReadyStopsAtTheBudgetAndStallsAtTheDeadline() throws Exception {
    addNodes(cluster, "stuck", "stuck-a", "stuck-b", "stuck-c", "stuck-d");
    NodeDaemon d = daemon("stuck", "agent", "stuck");
    rollingUpdate(d).setMaxUnavailable(new IntOrString(1));
    d.getSpec().setProgressDeadlineSeconds(3);
    create(cluster, d);
    awaitStatus(client(), "stuck", "agent", converged(4));
    cluster.kubelet().holdReadinessOfImage("example.org/agent:broken");

    try (InvariantSampler sampler = new InvariantSampler(client(), "stuck", 4)) {
      edit("stuck", image("example.org/agent:broken"));
      NodeDaemonStatus stalled =
          awaitStatus(
              client(), "stuck", "agent", s -> "True".equals(conditionStatus(s, "Stalled")));
      assertThat(conditionReason(stalled, "Stalled")).isEqualTo("ProgressDeadlineExceeded");
      assertThat(stalled.getUpdatedNumberScheduled()).isEqualTo(1);
      assertThat(client().v1().events().inNamespace("stuck").list().getItems())
          .anyMatch(
              e ->
                  "ProgressDeadlineExceeded".equals(e.getReason())
                      && "Warning".equals(e.getType()));
      sampler.assertHeld(1, 1);

      // Fixing the image is progress: Stalled clears and the rollout completes.
      edit("stuck", image("example.org/agent:fixed"));
      NodeDaemonStatus fixed =
          awaitStatus(
              client(),
              "stuck",
              "agent",
              converged(4)
                  .and(
                      s ->
                          "False".equals(conditionStatus(s, "Stalled"))
                              && "True".equals(conditionStatus(s, "Ready"))));
      assertThat(fixed.getObservedGeneration()).isEqualTo(3L);
      sampler.assertHeld(1, 1);
    }
  }

  @Test
  void partitionKeepsTheFirstNodesOnTheOldRevision() {
    addNodes(cluster, "part", "part-a", "part-b", "part-c", "part-d");
    NodeDaemon d = daemon("part", "agent", "part");
    rollingUpdate(d).setPartition(new IntOrString(2));
    create(cluster, d);
    String oldRevision = awaitStatus(client(), "part", "agent", converged(4)).getUpdateRevision();

    edit("part", image("example.org/agent:canary"));
    NodeDaemonStatus s =
        awaitStatus(
            client(),
            "part",
            "agent",
            st ->
                st.getObservedGeneration() == 2L
                    && st.getUpdatedNumberScheduled() == 2
                    && "True".equals(conditionStatus(st, "Ready")));
    assertThat(revisionsByNode(pods(client(), "part")))
        .containsEntry("part-a", oldRevision)
        .containsEntry("part-b", oldRevision)
        .containsEntry("part-c", s.getUpdateRevision())
        .containsEntry("part-d", s.getUpdateRevision());
  }

  @Test
  void nodeSelectorRolloutUpdatesOnlyMatchingNodes() {
    addNodes(cluster, "sel", "sel-a", "sel-b", "sel-c");
    cluster.updateNode(
        SimNode.named("sel-b")
            .label(E2eSupport.GROUP_LABEL, "sel")
            .label("canary", "true")
            .build());
    NodeDaemon d = daemon("sel", "agent", "sel");
    rollingUpdate(d)
        .setSelector(new LabelSelectorBuilder().withMatchLabels(Map.of("canary", "true")).build());
    create(cluster, d);
    String oldRevision = awaitStatus(client(), "sel", "agent", converged(3)).getUpdateRevision();

    edit("sel", image("example.org/agent:canary"));
    NodeDaemonStatus s =
        awaitStatus(
            client(),
            "sel",
            "agent",
            st ->
                st.getObservedGeneration() == 2L
                    && st.getUpdatedNumberScheduled() == 1
                    && st.getNumberAvailable() == 3);
    await().atMost(TIMEOUT).until(() -> pods(client(), "sel").size() == 3);
    assertThat(revisionsByNode(pods(client(), "sel")))
        .containsEntry("sel-a", oldRevision)
        .containsEntry("sel-b", s.getUpdateRevision())
        .containsEntry("sel-c", oldRevision);
  }

  @Test
  void pausedReplacesNothingButNewNodesGetPodsAndResumingFinishes() {
    addNodes(cluster, "pause", "pause-a", "pause-b");
    NodeDaemon d = daemon("pause", "agent", "pause");
    rollingUpdate(d).setPaused(true);
    create(cluster, d);
    String oldRevision =
        awaitStatus(
                client(),
                "pause",
                "agent",
                s -> s.getDesiredNumberScheduled() == 2 && s.getNumberAvailable() == 2)
            .getUpdateRevision();

    edit("pause", image("example.org/agent:paused-2"));
    awaitStatus(client(), "pause", "agent", s -> s.getObservedGeneration() == 2L);
    addNodes(cluster, "pause", "pause-c");
    NodeDaemonStatus paused =
        awaitStatus(
            client(),
            "pause",
            "agent",
            s -> s.getCurrentNumberScheduled() == 3 && s.getNumberAvailable() == 3);
    assertThat(paused.getUpdatedNumberScheduled()).isEqualTo(1); // only the new node
    assertThat(conditionReason(paused, "Reconciling")).isEqualTo("RolloutPaused");
    assertThat(revisionsByNode(pods(client(), "pause")))
        .containsEntry("pause-a", oldRevision)
        .containsEntry("pause-b", oldRevision)
        .containsEntry("pause-c", paused.getUpdateRevision());

    edit("pause", nd -> nd.getSpec().getUpdateStrategy().getRollingUpdate().setPaused(false));
    awaitStatus(
        client(),
        "pause",
        "agent",
        converged(3).and(s -> "True".equals(conditionStatus(s, "Ready"))));
  }

  @Test
  void onDeleteReplacesOnlyDeletedPods() {
    addNodes(cluster, "ondel", "ondel-a", "ondel-b");
    NodeDaemon d = daemon("ondel", "agent", "ondel");
    NodeDaemonUpdateStrategy s = new NodeDaemonUpdateStrategy();
    s.setType(NodeDaemonUpdateStrategy.Type.OnDelete);
    d.getSpec().setUpdateStrategy(s);
    create(cluster, d);
    String oldRevision = awaitStatus(client(), "ondel", "agent", converged(2)).getUpdateRevision();

    edit("ondel", image("example.org/agent:ondelete-2"));
    NodeDaemonStatus after =
        awaitStatus(client(), "ondel", "agent", st -> st.getObservedGeneration() == 2L);
    assertThat(after.getUpdatedNumberScheduled()).isZero();
    Pod onA =
        pods(client(), "ondel").stream()
            .filter(p -> "ondel-a".equals(p.getSpec().getNodeName()))
            .findFirst()
            .orElseThrow();
    client().pods().inNamespace("ondel").resource(onA).delete();

    NodeDaemonStatus replaced =
        awaitStatus(
            client(),
            "ondel",
            "agent",
            st -> st.getUpdatedNumberScheduled() == 1 && st.getNumberAvailable() == 2);
    assertThat(revisionsByNode(pods(client(), "ondel")))
        .containsEntry("ondel-a", replaced.getUpdateRevision())
        .containsEntry("ondel-b", oldRevision);
  }

  @Test
  void rollingBackReusesTheEarlierRevision() {
    addNodes(cluster, "back", "back-a");
    create(cluster, daemon("back", "agent", "back"));
    String first = awaitStatus(client(), "back", "agent", converged(1)).getUpdateRevision();
    edit("back", image("example.org/agent:2"));
    String second =
        awaitStatus(
                client(), "back", "agent", converged(1).and(s -> s.getObservedGeneration() == 2L))
            .getUpdateRevision();
    edit("back", image("example.org/agent:1"));
    NodeDaemonStatus back =
        awaitStatus(
            client(), "back", "agent", converged(1).and(s -> s.getObservedGeneration() == 3L));

    assertThat(second).isNotEqualTo(first);
    assertThat(back.getUpdateRevision()).isEqualTo(first);
    var revisions = client().apps().controllerRevisions().inNamespace("back").list().getItems();
    var reused =
        revisions.stream()
            .filter(r -> r.getMetadata().getName().endsWith(first))
            .findFirst()
            .orElseThrow();
    assertThat(reused.getRevision()).isEqualTo(3L);
    assertThat(get(client(), "back", "agent").getStatus().getCurrentRevision()).isEqualTo(first);
  }
}
