package io.nodedaemon.e2e;

import static io.nodedaemon.e2e.FaultRecovery.assertResyncWritesNothing;
import static io.nodedaemon.e2e.FaultRecovery.assertSettled;
import static io.nodedaemon.e2e.FaultRecovery.convergedDaemon;
import static io.nodedaemon.e2e.FaultRecovery.nodeNames;
import static io.nodedaemon.e2e.FaultRecovery.setImage;
import static org.awaitility.Awaitility.await;

import io.nodedaemon.cluster.ClusterResource;
import io.nodedaemon.cluster.InjectCluster;
import io.nodedaemon.cluster.TestCluster;
import io.nodedaemon.sim.SimFaults.Fault;
import io.nodedaemon.sim.SimulatedCluster;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The whole API unreachable for 30 s in the middle of a rollout (issue 12): every request of the
 * operator, watches included, fails with 503 and its watches are cut. The kubelets (exempt) go on
 * meanwhile. Once the API is back, the rollout finishes within the bound, the budget held
 * throughout.
 */
@QuarkusTest
// Injects API failures into the simulated API server: runs on that backend only.
@Tag("sim-only")
@WithTestResource(ClusterResource.class)
class ApiOutageE2eTest {

  /** Recovery bound: fabric8's watch reconnect backs off to 32 s, its request retries to 3.2 s. */
  static final Duration BOUND = Duration.ofSeconds(60);

  @InjectCluster TestCluster cluster;

  SimulatedCluster sim() {
    return (SimulatedCluster) cluster;
  }

  @AfterEach
  void clearFaults() {
    sim().faults().clear();
  }

  @Test
  void aThirtySecondOutageMidRolloutEndsInTheFinishedRolloutWithinTheBound() throws Exception {
    List<String> nodes = nodeNames("out", 4);
    convergedDaemon(cluster, "out", nodes);
    try (InvariantSampler sampler = new InvariantSampler(cluster.client(), "out", 4)) {
      setImage(cluster, "out", "example.org/agent:2");
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  E2eSupport.get(cluster.client(), "out", "agent")
                          .getStatus()
                          .getUpdatedNumberScheduled()
                      >= 1);
      Fault outage = sim().faults().outage();
      sim().dropWatches();
      Instant start = Instant.now();
      await()
          .atMost(Duration.ofSeconds(35))
          .until(() -> Duration.between(start, Instant.now()).toSeconds() >= 30);
      outage.stop();
      Instant stopped = Instant.now();
      System.out.printf("FAULT-HITS outage 30 s: %d requests refused%n", outage.hits());

      FaultRecovery.report(
          "30 s outage of the whole API mid-rollout",
          assertSettled(cluster, "out", "agent", nodes, stopped, BOUND));
      sampler.assertHeld(1, 1);
    }
    assertResyncWritesNothing(cluster, "out", "out", nodes, Duration.ofSeconds(3));
  }
}
