package io.nodedaemon.e2e;

import static io.nodedaemon.e2e.FaultRecovery.assertResyncWritesNothing;
import static io.nodedaemon.e2e.FaultRecovery.assertSettled;
import static io.nodedaemon.e2e.FaultRecovery.convergedDaemon;
import static io.nodedaemon.e2e.FaultRecovery.nodeNames;
import static io.nodedaemon.e2e.FaultRecovery.setImage;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodedaemon.cluster.ClusterResource;
import io.nodedaemon.cluster.InjectCluster;
import io.nodedaemon.cluster.TestCluster;
import io.nodedaemon.sim.SimFaults;
import io.nodedaemon.sim.SimFaults.Fault;
import io.nodedaemon.sim.SimFaults.Requests;
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
 * A slow API server (issue 12): every answer to the operator (reads and writes; watches still
 * stream) leaves 2 s late, for a whole rollout. The writes are done at once, the operator only
 * learns it late, so its cache may show the pods it created before the create returns: no second
 * pod may follow, and the budget must hold.
 */
@QuarkusTest
// Injects API failures into the simulated API server: runs on that backend only.
@Tag("sim-only")
@WithTestResource(ClusterResource.class)
class SlowApiE2eTest {

  @InjectCluster TestCluster cluster;

  SimFaults faults() {
    return ((SimulatedCluster) cluster).faults();
  }

  @AfterEach
  void clearFaults() {
    faults().clear();
  }

  @Test
  void aRolloutWithEveryAnswerTwoSecondsLateKeepsTheBudgetAndFinishes() throws Exception {
    List<String> nodes = nodeNames("slow", 3);
    convergedDaemon(cluster, "slow", nodes);
    try (InvariantSampler sampler = new InvariantSampler(cluster.client(), "slow", 3)) {
      Fault slow = faults().delay(Requests.all(), Duration.ofSeconds(2), -1);
      Instant start = Instant.now();
      setImage(cluster, "slow", "example.org/agent:2");
      // Settling happens while the answers are still late: the delay is not stopped first.
      Duration took = assertSettled(cluster, "slow", "agent", nodes, start, Duration.ofSeconds(90));
      FaultRecovery.report("rollout of 3 nodes with every answer 2 s late (whole rollout)", took);
      assertThat(slow.hits()).as("answers delayed").isPositive();
      sampler.assertHeld(1, 1);
      slow.stop();
    }
    assertResyncWritesNothing(cluster, "slow", "slow", nodes, Duration.ofSeconds(3));
  }
}
