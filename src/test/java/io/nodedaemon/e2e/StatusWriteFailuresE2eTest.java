package io.nodedaemon.e2e;

import static io.nodedaemon.e2e.FaultRecovery.assertResyncWritesNothing;
import static io.nodedaemon.e2e.FaultRecovery.assertSettled;
import static io.nodedaemon.e2e.FaultRecovery.convergedDaemon;
import static io.nodedaemon.e2e.FaultRecovery.nodeNames;
import static io.nodedaemon.e2e.FaultRecovery.setImage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
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
 * A status write refused for longer than JOSDK's retries last (5 attempts, 2 s growing by 1.5: 26
 * s), at a time when nothing else happens to the NodeDaemon: the operator must not give up and
 * leave a status that lies; it looks again with its write backoff until the write lands.
 */
@QuarkusTest
// Injects API failures into the simulated API server: runs on that backend only.
@Tag("sim-only")
@WithTestResource(ClusterResource.class)
class StatusWriteFailuresE2eTest {

  @InjectCluster TestCluster cluster;

  SimFaults faults() {
    return ((SimulatedCluster) cluster).faults();
  }

  @AfterEach
  void clearFaults() {
    faults().clear();
  }

  @Test
  void aStatusPatchRefusedLongerThanJosdksRetriesStillLandsAfterwards() throws Exception {
    List<String> nodes = nodeNames("sg", 3);
    convergedDaemon(cluster, "sg", nodes);
    try (InvariantSampler sampler = new InvariantSampler(cluster.client(), "sg", nodes.size())) {
      refuseStatusWritesLongerThanJosdksRetries(nodes);
      sampler.assertHeld(1, 1);
    }
    assertResyncWritesNothing(cluster, "sg", "sg", nodes, Duration.ofSeconds(3));
  }

  private void refuseStatusWritesLongerThanJosdksRetries(List<String> nodes) {
    // 409 is final for fabric8 (no retry of its own): every attempt is one of the operator's.
    Fault refused =
        faults()
            .fail(
                Requests.of("PATCH", ".*/namespaces/sg/nodedaemons/agent/status"),
                409,
                "Conflict",
                -1);
    setImage(cluster, "sg", "example.org/agent:2");
    // The pods roll out (their writes pass); then nothing happens but the refused status writes.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              List<Pod> pods = E2eSupport.pods(cluster.client(), "sg");
              return pods.size() == 3
                  && pods.stream()
                      .allMatch(
                          p ->
                              E2eSupport.ready(p)
                                  && p.getMetadata().getDeletionTimestamp() == null
                                  && "example.org/agent:2"
                                      .equals(p.getSpec().getContainers().get(0).getImage()));
            });
    Instant quietSince = Instant.now();
    await()
        .atMost(Duration.ofSeconds(35))
        .until(() -> Duration.between(quietSince, Instant.now()).toSeconds() >= 30);
    refused.stop();
    Instant stopped = Instant.now();
    System.out.printf(
        "FAULT-HITS 409 on status patch for 30 s after the rollout: %d%n", refused.hits());
    assertThat(refused.hits()).as("attempts: backoff, not a hot loop").isLessThan(30);

    FaultRecovery.report(
        "409 on status patch, 30 s after the rollout",
        assertSettled(cluster, "sg", "agent", nodes, stopped, Duration.ofSeconds(40)));
  }
}
