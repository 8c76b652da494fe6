package io.nodedaemon.e2e;

import static io.nodedaemon.e2e.E2eSupport.addNodes;
import static io.nodedaemon.e2e.E2eSupport.awaitStatus;
import static io.nodedaemon.e2e.E2eSupport.conditionStatus;
import static io.nodedaemon.e2e.E2eSupport.converged;
import static io.nodedaemon.e2e.E2eSupport.create;
import static io.nodedaemon.e2e.E2eSupport.daemon;
import static io.nodedaemon.e2e.E2eSupport.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonStatus;
import io.nodedaemon.sim.InjectSimulatedCluster;
import io.nodedaemon.sim.SimulatedCluster;
import io.nodedaemon.sim.SimulatedClusterResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Status is truth, not memory (SPEC §2): what the API server holds is compared with what the
 * operator computes, and a status change by someone else starts a pass.
 */
@QuarkusTest
@WithTestResource(SimulatedClusterResource.class)
class StatusTruthE2eTest {

  static final Duration SECONDS = Duration.ofSeconds(10);

  @InjectSimulatedCluster
  SimulatedCluster cluster;

  @Test
  void aStatusChangedByAnotherWriterIsCorrectedWithinSeconds() {
    KubernetesClient client = cluster.client();
    addNodes(cluster, "truth", "t-a", "t-b");
    create(client, daemon("truth", "agent", "truth"));
    NodeDaemonStatus good = awaitStatus(client, "truth", "agent", converged(2).and(s -> "True".equals(conditionStatus(s, "Ready"))));

    // Another writer (or a restore from backup) leaves a wrong status; nothing else changes.
    client.resources(NodeDaemon.class).inNamespace("truth").withName("agent").editStatus(nd -> {
      nd.getStatus().setNumberReady(0);
      nd.getStatus().setNumberAvailable(0);
      nd.getStatus().setConditions(List.of());
      return nd;
    });

    await().atMost(SECONDS).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
      NodeDaemonStatus s = get(client, "truth", "agent").getStatus();
      assertThat(converged(2).test(s)).as("counters back: %s", s).isTrue();
      assertThat(s.getConditions()).extracting(c -> c.getType() + "=" + c.getStatus() + "/" + c.getReason())
          .containsExactlyElementsOf(good.getConditions().stream()
              .map(c -> c.getType() + "=" + c.getStatus() + "/" + c.getReason()).toList());
    });
  }
}
