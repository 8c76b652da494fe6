package io.nodedaemon.e2e;

import static io.nodedaemon.e2e.FaultRecovery.assertResyncWritesNothing;
import static io.nodedaemon.e2e.FaultRecovery.assertSettled;
import static io.nodedaemon.e2e.FaultRecovery.convergedDaemon;
import static io.nodedaemon.e2e.FaultRecovery.nodeNames;
import static io.nodedaemon.e2e.FaultRecovery.setImage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
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
 * 409 Conflict from the API server on each of the operator's writes that can get one (issue 12): a
 * pod create (the name is taken), the status patch and the adoption patch (the pod changed). The
 * invariants are sampled throughout; after the fault everything settles within the bound.
 */
@QuarkusTest
// Injects API failures into the simulated API server: runs on that backend only.
@Tag("sim-only")
@WithTestResource(ClusterResource.class)
class ConflictFaultsE2eTest {

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
  void conflictsOnPodCreatesDuringARolloutAreRetriedWithoutASecondPod() throws Exception {
    List<String> nodes = nodeNames("cc", 4);
    convergedDaemon(cluster, "cc", nodes);
    try (InvariantSampler sampler = new InvariantSampler(cluster.client(), "cc", nodes.size())) {
      Fault conflict =
          faults().fail(Requests.of("POST", "/api/v1/namespaces/cc/pods"), 409, "AlreadyExists", 3);
      setImage(cluster, "cc", "example.org/agent:2");
      await().atMost(BOUND).until(() -> conflict.hits() == 3);
      Instant stopped = Instant.now();

      FaultRecovery.report(
          "409 on pod create", assertSettled(cluster, "cc", "agent", nodes, stopped, BOUND));
      sampler.assertHeld(1, 1);
    }
    assertResyncWritesNothing(cluster, "cc", "cc", nodes, Duration.ofSeconds(3));
  }

  @Test
  void conflictsOnTheStatusPatchLeaveTheStatusTrueOnceTheyStop() throws Exception {
    List<String> nodes = nodeNames("cs", 4);
    convergedDaemon(cluster, "cs", nodes);
    try (InvariantSampler sampler = new InvariantSampler(cluster.client(), "cs", nodes.size())) {
      Fault conflict =
          faults()
              .fail(
                  Requests.of("PATCH", ".*/namespaces/cs/nodedaemons/agent/status"),
                  409,
                  "Conflict",
                  4);
      setImage(cluster, "cs", "example.org/agent:2");
      await().atMost(BOUND).until(() -> conflict.hits() == 4);
      Instant stopped = Instant.now();

      FaultRecovery.report(
          "409 on status patch", assertSettled(cluster, "cs", "agent", nodes, stopped, BOUND));
      sampler.assertHeld(1, 1);
    }
    assertResyncWritesNothing(cluster, "cs", "cs", nodes, Duration.ofSeconds(3));
  }

  @Test
  void conflictsOnTheAdoptionPatchNeverLeadToASecondPod() throws Exception {
    List<String> nodes = nodeNames("ca", 4);
    convergedDaemon(cluster, "ca", nodes);
    try (InvariantSampler sampler = new InvariantSampler(cluster.client(), "ca", nodes.size())) {
      // The operator's PATCHes of pods are its adoptions (the kubelet's are exempt).
      Fault conflict =
          faults().fail(Requests.of("PATCH", "/api/v1/namespaces/ca/pods/.*"), 409, "Conflict", 3);
      // Someone orphans every pod (as `kubectl patch` removing the owner reference would).
      List<Pod> orphans = E2eSupport.pods(cluster.client(), "ca");
      for (Pod p : orphans) {
        cluster
            .client()
            .pods()
            .inNamespace("ca")
            .withName(p.getMetadata().getName())
            .patch(
                PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"ownerReferences\":null}}");
      }
      await().atMost(BOUND).until(() -> conflict.hits() == 3);
      Instant stopped = Instant.now();

      FaultRecovery.report(
          "409 on adoption patch", assertSettled(cluster, "ca", "agent", nodes, stopped, BOUND));
      sampler.assertHeld(0, 1);
      // Adopted, not replaced: the same pods, now controlled again (assertSettled checked the
      // owner).
      assertThat(E2eSupport.pods(cluster.client(), "ca"))
          .extracting(p -> p.getMetadata().getUid())
          .containsExactlyInAnyOrderElementsOf(
              orphans.stream().map(p -> p.getMetadata().getUid()).toList());
    }
    assertResyncWritesNothing(cluster, "ca", "ca", nodes, Duration.ofSeconds(3));
  }
}
