package io.nodedaemon.e2e;

import static io.nodedaemon.e2e.E2eSupport.addNodes;
import static io.nodedaemon.e2e.E2eSupport.awaitStatus;
import static io.nodedaemon.e2e.E2eSupport.converged;
import static io.nodedaemon.e2e.E2eSupport.create;
import static io.nodedaemon.e2e.E2eSupport.daemon;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nodedaemon.api.NodeDaemonStatus;
import io.nodedaemon.cluster.ClusterResource;
import io.nodedaemon.cluster.InjectCluster;
import io.nodedaemon.cluster.TestCluster;
import io.nodedaemon.sim.SimNode;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * API economy (issue: scale and speed): a converge costs one pod create per node and a bounded
 * number of status writes; once converged, a resync writes nothing. Counted at the simulated API
 * server, on the writes only the operator makes (pod creates and deletes, NodeDaemon status,
 * ControllerRevisions); the scheduler and kubelet stand-ins only patch pods.
 */
@QuarkusTest
@WithTestResource(ClusterResource.class)
class ApiWritesE2eTest {

  static final int NODES = 12;

  @InjectCluster TestCluster cluster;

  static Predicate<String> in(String namespace, String what) {
    return w -> w.contains("/namespaces/" + namespace + "/" + what);
  }

  @Test
  void aConvergeCreatesOnePodPerNodeAndAResyncWritesNothing() {
    String[] names = new String[NODES];
    for (int i = 0; i < NODES; i++) {
      names[i] = "eco-" + i;
    }
    addNodes(cluster, "eco", names);
    // A node placement keeps away (status.excludedNodes names it): its unrelated changes must not
    // cost a write either.
    addNodes(cluster, "eco-elsewhere", "eco-away");
    int start = cluster.writes().mark();
    create(cluster, daemon("eco", "agent", "eco"));
    NodeDaemonStatus settled =
        awaitStatus(
            cluster.client(),
            "eco",
            "agent",
            converged(NODES).and(s -> "True".equals(E2eSupport.conditionStatus(s, "Ready"))));
    // Other tests' nodes may share the group; only its first five names are listed.
    assertThat(settled.getExcludedNodes())
        .anySatisfy(g -> assertThat(g.reason()).isEqualTo("NodeSelectorMismatch"));
    // Let in-flight reconciliations settle before counting.
    await().pollDelay(Duration.ofSeconds(2)).until(() -> true);

    List<String> creates =
        cluster.writes().since(start, in("eco", "pods").and(w -> w.startsWith("POST")));
    List<String> deletes =
        cluster.writes().since(start, in("eco", "pods").and(w -> w.startsWith("DELETE")));
    List<String> statusWrites =
        cluster.writes().since(start, in("eco", "nodedaemons/agent/status"));
    List<String> revisionWrites = cluster.writes().since(start, in("eco", "controllerrevisions"));
    assertThat(creates).hasSize(NODES);
    assertThat(deletes).isEmpty();
    assertThat(revisionWrites).hasSize(1);
    // One status write per observed change of counters: bounded by a small multiple of the node
    // count,
    // far below one per pod event (a pod goes through created, bound, running, ready).
    assertThat(statusWrites).isNotEmpty().hasSizeLessThanOrEqualTo(2 * NODES + 4);

    // A resync: a node change that reaches every NodeDaemon but changes nothing for this one.
    int converged = cluster.writes().mark();
    cluster.updateNode(
        SimNode.named("eco-0")
            .label(E2eSupport.GROUP_LABEL, "eco")
            .label("unrelated", "x")
            .build());
    cluster.updateNode(
        SimNode.named("eco-1")
            .label(E2eSupport.GROUP_LABEL, "eco")
            .label("unrelated", "y")
            .build());
    cluster.updateNode(
        SimNode.named("eco-away")
            .label(E2eSupport.GROUP_LABEL, "eco-elsewhere")
            .label("unrelated", "z")
            .build());
    await().pollDelay(Duration.ofSeconds(3)).until(() -> true);
    List<String> operatorWrites =
        cluster
            .writes()
            .since(
                converged,
                in("eco", "pods")
                    .and(w -> !w.startsWith("PATCH"))
                    .or(in("eco", "nodedaemons"))
                    .or(in("eco", "controllerrevisions"))
                    .or(in("eco", "events")));
    assertThat(operatorWrites).isEmpty();
  }
}
