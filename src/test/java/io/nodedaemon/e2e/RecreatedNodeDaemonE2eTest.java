package io.nodedaemon.e2e;

import static io.nodedaemon.e2e.E2eSupport.addNodes;
import static io.nodedaemon.e2e.E2eSupport.awaitStatus;
import static io.nodedaemon.e2e.E2eSupport.converged;
import static io.nodedaemon.e2e.E2eSupport.create;
import static io.nodedaemon.e2e.E2eSupport.daemon;
import static io.nodedaemon.e2e.E2eSupport.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.cluster.ClusterResource;
import io.nodedaemon.cluster.InjectCluster;
import io.nodedaemon.cluster.TestCluster;
import io.nodedaemon.sim.SimulatedCluster;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A NodeDaemon deleted and created again under the same name inherits nothing (SPEC §5). */
@QuarkusTest
// Injects API failures into the simulated API server: runs on that backend only.
@Tag("sim-only")
@WithTestResource(ClusterResource.class)
class RecreatedNodeDaemonE2eTest {

  @InjectCluster TestCluster cluster;

  @Test
  void aNodeDaemonRecreatedUnderTheSameNameIsNotBlockedByTheOldOnesLostCreate() {
    addNodes(cluster, "inherit", "inherit-1");
    // The API server answers the first create but the pod never shows: a lost create, which the
    // old NodeDaemon would wait 5 minutes for before creating on inherit-1 again.
    ((SimulatedCluster) cluster)
        .server()
        .expect()
        .post()
        .withPath("/api/v1/namespaces/inherit/pods")
        .andReturn(
            201,
            """
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"agent-lost","namespace":"inherit","uid":"lost-uid"}}""")
        .once();
    int mark = cluster.writes().mark();
    NodeDaemon old = create(cluster, daemon("inherit", "agent", "inherit"));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                !cluster
                    .writes()
                    .since(mark, w -> w.equals("POST /api/v1/namespaces/inherit/pods"))
                    .isEmpty());
    cluster.client().resources(NodeDaemon.class).inNamespace("inherit").withName("agent").delete();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> get(cluster.client(), "inherit", "agent") == null);

    NodeDaemon recreated = create(cluster, daemon("inherit", "agent", "inherit"));

    awaitStatus(cluster.client(), "inherit", "agent", converged(1));
    assertThat(recreated.getMetadata().getUid()).isNotEqualTo(old.getMetadata().getUid());
    assertThat(cluster.client().pods().inNamespace("inherit").list().getItems())
        .singleElement()
        .satisfies(
            p ->
                assertThat(p.getMetadata().getOwnerReferences().get(0).getUid())
                    .isEqualTo(recreated.getMetadata().getUid()));
  }
}
