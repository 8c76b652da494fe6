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
 * 429 Too Many Requests with {@code Retry-After} (API Priority and Fairness) on the operator's
 * writes (issue 12), during a rollout: the operator (with fabric8's own retries under it) neither
 * hot-loops nor gives up, and the rollout finishes once the throttling stops.
 */
@QuarkusTest
// Injects API failures into the simulated API server: runs on that backend only.
@Tag("sim-only")
@WithTestResource(ClusterResource.class)
class ThrottlingFaultsE2eTest {

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
  void everyWriteThrottledForTwentySecondsDuringARollout() throws Exception {
    List<String> nodes = nodeNames("t429", 4);
    convergedDaemon(cluster, "t429", nodes);
    try (InvariantSampler sampler = new InvariantSampler(cluster.client(), "t429", 4)) {
      Fault throttled = faults().throttle(Requests.of("WRITE", ".*"), 2, -1);
      int mark = cluster.writes().mark();
      setImage(cluster, "t429", "example.org/agent:2");
      Instant start = Instant.now();
      await()
          .atMost(Duration.ofSeconds(25))
          .until(() -> Duration.between(start, Instant.now()).toSeconds() >= 20);
      throttled.stop();
      Instant stopped = Instant.now();
      // fabric8 retries a 429 itself (10 times, 0.1 s doubling to 3.2 s), then the operator backs
      // off: a handful of attempts, not a hot loop (observed: about 11 in 20 s).
      assertThat(throttled.hits()).as("attempts in 20 s").isBetween(1, 40);
      System.out.printf(
          "FAULT-HITS 429 on writes over 20 s: %d, times %s%n",
          throttled.hits(),
          cluster.writes().timesSince(mark, w -> w.contains("/namespaces/t429/")));
      FaultRecovery.report(
          "429 on every write for 20 s",
          assertSettled(cluster, "t429", "agent", nodes, stopped, BOUND));
      sampler.assertHeld(1, 1);
    }
    assertResyncWritesNothing(cluster, "t429", "t429", nodes, Duration.ofSeconds(3));
  }
}
