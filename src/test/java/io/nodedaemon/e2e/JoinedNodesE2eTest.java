package io.nodedaemon.e2e;

import static io.nodedaemon.e2e.E2eSupport.TIMEOUT;
import static io.nodedaemon.e2e.E2eSupport.addNodes;
import static io.nodedaemon.e2e.E2eSupport.awaitStatus;
import static io.nodedaemon.e2e.E2eSupport.converged;
import static io.nodedaemon.e2e.E2eSupport.create;
import static io.nodedaemon.e2e.E2eSupport.daemon;
import static io.nodedaemon.e2e.E2eSupport.podsByNode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.nodedaemon.api.NodeDaemonStatus;
import io.nodedaemon.cluster.ClusterResource;
import io.nodedaemon.cluster.InjectCluster;
import io.nodedaemon.cluster.TestCluster;
import io.nodedaemon.ops.NodeDaemonMetrics;
import io.nodedaemon.sim.SimNode;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A node joining a converged NodeDaemon (added, or no longer tainted) gets its pod ahead of the
 * full pass (JoinedNodes), with the update revision, and only where the full pass would create one.
 */
@QuarkusTest
@WithTestResource(ClusterResource.class)
class JoinedNodesE2eTest {

  @InjectCluster TestCluster cluster;
  @Inject MeterRegistry registry;

  double createdOnJoin(String namespace) {
    Counter c =
        registry
            .find(NodeDaemonMetrics.CREATED_ON_JOIN.replaceFirst("_total$", ""))
            .tag("namespace", namespace)
            .tag("name", "agent")
            .counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void aJoiningNodeGetsItsPodAheadOfThePass() {
    addNodes(cluster, "join", "join-1", "join-2");
    create(cluster, daemon("join", "agent", "join"));
    NodeDaemonStatus before = awaitStatus(cluster.client(), "join", "agent", converged(2));
    addNodes(cluster, "join", "join-3");

    awaitStatus(cluster.client(), "join", "agent", converged(3));
    await().atMost(TIMEOUT).until(() -> createdOnJoin("join") == 1);
    Map<String, List<Pod>> byNode = podsByNode(cluster.client(), "join");
    assertThat(byNode).containsOnlyKeys("join-1", "join-2", "join-3");
    assertThat(byNode.get("join-3")).hasSize(1);
    assertThat(byNode.get("join-3").get(0).getMetadata().getLabels())
        .containsEntry("controller-revision-hash", before.getUpdateRevision());
  }

  @Test
  void aNodeWhoseTaintGoesGetsItsPodAheadOfThePass() {
    addNodes(cluster, "untaint", "untaint-1");
    create(cluster, daemon("untaint", "agent", "untaint"));
    awaitStatus(cluster.client(), "untaint", "agent", converged(1));
    // As a real node joins: tainted until its kubelet reports Ready (a taint of our own here, as
    // the real API server's admission adds node.kubernetes.io/not-ready itself).
    cluster.addNode(
        SimNode.named("untaint-2")
            .label(E2eSupport.GROUP_LABEL, "untaint")
            .taint("example.org/booting", "true", "NoSchedule")
            .build());
    awaitStatus(
        cluster.client(),
        "untaint",
        "agent",
        s ->
            s.getExcludedNodes() != null
                && s.getExcludedNodes().stream()
                    .anyMatch(g -> "UntoleratedTaint".equals(g.reason()) && g.count() == 1));
    assertThat(podsByNode(cluster.client(), "untaint")).containsOnlyKeys("untaint-1");

    cluster.updateNode(SimNode.named("untaint-2").label(E2eSupport.GROUP_LABEL, "untaint").build());

    awaitStatus(cluster.client(), "untaint", "agent", converged(2));
    await().atMost(TIMEOUT).until(() -> createdOnJoin("untaint") == 1);
    assertThat(podsByNode(cluster.client(), "untaint").get("untaint-2")).hasSize(1);
  }

  @Test
  void aNodeThatComesBackToItsPodGetsNoSecondCreate() throws InterruptedException {
    addNodes(cluster, "rejoin", "rejoin-1", "rejoin-2");
    create(cluster, daemon("rejoin", "agent", "rejoin"));
    awaitStatus(cluster.client(), "rejoin", "agent", converged(2));
    Pod kept = podsByNode(cluster.client(), "rejoin").get("rejoin-2").get(0);

    // The Node object goes and comes back while its pod stays bound there (as after a node
    // re-registers before the pod garbage collector runs).
    cluster.removeNode("rejoin-2");
    awaitStatus(cluster.client(), "rejoin", "agent", s -> s.getDesiredNumberScheduled() == 1);
    int mark = cluster.writes().mark();
    addNodes(cluster, "rejoin", "rejoin-2");
    awaitStatus(cluster.client(), "rejoin", "agent", converged(2));
    // Quiet for a moment: any create would have been sent by now.
    Thread.sleep(Duration.ofMillis(500).toMillis());

    assertThat(
            cluster.writes().since(mark, w -> w.startsWith("POST /api/v1/namespaces/rejoin/pods")))
        .as("creates after the node came back")
        .isEmpty();
    assertThat(podsByNode(cluster.client(), "rejoin").get("rejoin-2"))
        .extracting(p -> p.getMetadata().getUid())
        .containsExactly(kept.getMetadata().getUid());
    assertThat(createdOnJoin("rejoin")).isZero();
  }
}
