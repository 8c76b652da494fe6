package io.nodedaemon.e2e;

import static io.nodedaemon.e2e.FaultRecovery.assertResyncWritesNothing;
import static io.nodedaemon.e2e.FaultRecovery.assertSettled;
import static io.nodedaemon.e2e.FaultRecovery.convergedDaemon;
import static io.nodedaemon.e2e.FaultRecovery.nodeNames;
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
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Watches dropped by the API server and kept down for a while (issue 12): what changed meanwhile (a
 * node added, a daemon pod deleted) must still reach the operator, through the resumed watch, or,
 * when the server has compacted its history, through the relist that a 410 Gone forces.
 */
@QuarkusTest
// Injects API failures into the simulated API server: runs on that backend only.
@Tag("sim-only")
@WithTestResource(ClusterResource.class)
class WatchFaultsE2eTest {

  static final Duration BOUND = Duration.ofSeconds(45);

  @InjectCluster TestCluster cluster;

  SimulatedCluster sim() {
    return (SimulatedCluster) cluster;
  }

  SimFaults faults() {
    return sim().faults();
  }

  @AfterEach
  void clearFaults() {
    faults().clear();
  }

  @Test
  void changesMadeWhileTheWatchesWereDownAreSeenWhenTheyResume() throws Exception {
    changesWhileWatchesAreDown("wd", false);
  }

  @Test
  void aWatchAnswered410GoneRelistsAndSeesTheChangesItMissed() throws Exception {
    changesWhileWatchesAreDown("wg", true);
  }

  private void changesWhileWatchesAreDown(String ns, boolean compact) throws Exception {
    List<String> nodes = new ArrayList<>(nodeNames(ns, 3));
    convergedDaemon(cluster, ns, nodes);
    // Sampled over the 4 nodes there will be: the new one and the deleted pod's node are down
    // until the operator sees them, so 2; a stale cache must never add a second pod to a node.
    try (InvariantSampler sampler = new InvariantSampler(cluster.client(), ns, 4)) {
      cutWatchesWhileTheClusterChanges(ns, nodes, compact);
      sampler.assertHeld(2, 1);
    }
    assertResyncWritesNothing(cluster, ns, ns, nodes, Duration.ofSeconds(3));
  }

  private void cutWatchesWhileTheClusterChanges(String ns, List<String> nodes, boolean compact) {
    // The operator's watches are cut and cannot come back until the fault stops.
    Fault down = faults().fail(Requests.watches(null), 503, "ServiceUnavailable", -1);
    assertThat(sim().dropWatches()).isPositive();
    await().atMost(Duration.ofSeconds(10)).until(() -> down.hits() > 0);

    // Meanwhile: a new node, and one daemon pod deleted (the kubelet finishes it).
    String added = ns + "-3";
    E2eSupport.addNodes(cluster, ns, added);
    nodes.add(added);
    Pod victim = E2eSupport.pods(cluster.client(), ns).get(0);
    cluster.client().pods().inNamespace(ns).resource(victim).delete();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                E2eSupport.pods(cluster.client(), ns).stream()
                    .noneMatch(
                        p -> p.getMetadata().getUid().equals(victim.getMetadata().getUid())));
    if (compact) {
      // The history the watches would resume from is gone: each gets 410 Gone and must relist.
      sim().compactHistory();
    }
    down.stop();
    Instant stopped = Instant.now();
    System.out.printf(
        "FAULT-HITS watch refused (%s): %d%n", compact ? "410" : "resume", down.hits());

    FaultRecovery.report(
        compact ? "watches down, then 410 Gone (relist)" : "watches dropped and down, then resumed",
        assertSettled(cluster, ns, "agent", nodes, stopped, BOUND));
  }
}
