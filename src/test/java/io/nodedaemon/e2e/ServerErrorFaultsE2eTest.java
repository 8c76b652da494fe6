package io.nodedaemon.e2e;

import static io.nodedaemon.e2e.FaultRecovery.assertResyncWritesNothing;
import static io.nodedaemon.e2e.FaultRecovery.assertSettled;
import static io.nodedaemon.e2e.FaultRecovery.convergedDaemon;
import static io.nodedaemon.e2e.FaultRecovery.nodeNames;
import static io.nodedaemon.e2e.FaultRecovery.setImage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
 * 500 and 503 answers to the operator's writes during a rollout (issue 12). fabric8 retries a 5xx
 * itself (10 times, 100 ms doubling to 3.2 s); beyond that the operator's write backoff and JOSDK's
 * retry take over. The invariants are sampled throughout.
 */
@QuarkusTest
// Injects API failures into the simulated API server: runs on that backend only.
@Tag("sim-only")
@WithTestResource(ClusterResource.class)
class ServerErrorFaultsE2eTest {

  static final Duration BOUND = Duration.ofSeconds(30);

  @InjectCluster TestCluster cluster;

  SimFaults faults() {
    return ((SimulatedCluster) cluster).faults();
  }

  @AfterEach
  void clearFaults() {
    faults().clear();
  }

  @Test
  void internalErrorsOnPodWritesAreRetriedAndTheRolloutFinishes() throws Exception {
    List<String> nodes = nodeNames("e500", 4);
    convergedDaemon(cluster, "e500", nodes);
    try (InvariantSampler sampler = new InvariantSampler(cluster.client(), "e500", 4)) {
      // More than fabric8's own ten retries: some writes fail for the operator too.
      Fault creates =
          faults()
              .fail(Requests.of("POST", "/api/v1/namespaces/e500/pods"), 500, "InternalError", 12);
      Fault deletes =
          faults()
              .fail(
                  Requests.of("DELETE", "/api/v1/namespaces/e500/pods/.*"),
                  500,
                  "InternalError",
                  12);
      setImage(cluster, "e500", "example.org/agent:2");
      await()
          .atMost(Duration.ofSeconds(90))
          .until(() -> creates.hits() == 12 && deletes.hits() == 12);
      Instant stopped = Instant.now();
      FaultRecovery.report(
          "500 on pod create and delete",
          assertSettled(cluster, "e500", "agent", nodes, stopped, BOUND));
      sampler.assertHeld(1, 1);
    }
    assertResyncWritesNothing(cluster, "e500", "e500", nodes, Duration.ofSeconds(3));
  }

  @Test
  void everyWriteUnavailableForTwentySecondsDelaysTheRolloutOnly() throws Exception {
    List<String> nodes = nodeNames("e503", 4);
    convergedDaemon(cluster, "e503", nodes);
    try (InvariantSampler sampler = new InvariantSampler(cluster.client(), "e503", 4)) {
      Fault unavailable = faults().fail(Requests.of("WRITE", ".*"), 503, "ServiceUnavailable", -1);
      setImage(cluster, "e503", "example.org/agent:2");
      Instant start = Instant.now();
      await()
          .atMost(Duration.ofSeconds(25))
          .until(() -> Duration.between(start, Instant.now()).toSeconds() >= 20);
      unavailable.stop();
      Instant stopped = Instant.now();
      System.out.printf("FAULT-HITS 503 on writes: %d%n", unavailable.hits());
      assertThat(unavailable.hits()).as("attempts in 20 s").isBetween(1, 40);
      FaultRecovery.report(
          "503 on every write for 20 s",
          assertSettled(cluster, "e503", "agent", nodes, stopped, BOUND));
      sampler.assertHeld(1, 1);
    }
    assertResyncWritesNothing(cluster, "e503", "e503", nodes, Duration.ofSeconds(3));
  }
}
