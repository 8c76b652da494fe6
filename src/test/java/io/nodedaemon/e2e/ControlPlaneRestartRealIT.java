package io.nodedaemon.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.nodedaemon.cluster.RealControlPlane;
import io.nodedaemon.sim.OperatorProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 12 on the real control plane: kube-apiserver and etcd (with the scheduler and controllers:
 * one process) stopped for 20 s in the middle of a rolling update, then started again on the same
 * port and data, as a restarted API server comes back. The packaged operator runs throughout; it
 * loses its connections and watches and must re-establish them. The budget is sampled the whole
 * time; afterwards the rollout settles within a stated bound, the status equals the truth, and a
 * resync writes nothing. Real backend only (its own control plane: the shared one is not stopped);
 * the simulated cluster's outage is {@code ApiOutageE2eTest}.
 */
class ControlPlaneRestartRealIT {

  static final String NS = "restart-api";

  /** How long after the control plane is back the rollout must have settled. */
  static final Duration RECOVERY_BOUND = Duration.ofSeconds(90);

  @Test
  void aControlPlaneRestartedMidRolloutLosesNothing() throws Exception {
    Path base = Path.of("").toAbsolutePath();
    Path log = base.resolve("target/control-plane-restart-it.log");
    Files.deleteIfExists(log);
    try (RealControlPlane cluster = RealControlPlane.start()) {
      KubernetesClient client = cluster.client();
      List<String> nodes = FaultRecovery.nodeNames("cr", 6);
      try (OperatorProcess operator =
          OperatorProcess.start(base, cluster, log, Duration.ofSeconds(60))) {
        FaultRecovery.convergedDaemon(cluster, NS, nodes);
        Instant back;
        try (InvariantSampler sampler = new InvariantSampler(client, NS, nodes.size())) {
          FaultRecovery.setImage(cluster, NS, "example.org/agent:after-restart");
          await()
              .atMost(E2eSupport.TIMEOUT)
              .until(
                  () ->
                      E2eSupport.pods(client, NS).stream()
                          .anyMatch(p -> p.getMetadata().getDeletionTimestamp() != null));
          cluster.restart(Duration.ofSeconds(20));
          back = Instant.now();
          Duration took =
              FaultRecovery.assertSettled(cluster, NS, "agent", nodes, back, RECOVERY_BOUND);
          FaultRecovery.report("control plane stopped 20 s and restarted (real)", took);
          sampler.assertHeld(1, 1);
        }
        FaultRecovery.assertResyncWritesNothing(cluster, NS, NS, nodes, Duration.ofSeconds(5));
        assertThat(operator.isAlive()).as("the operator rode out the restart").isTrue();
      }
    }
  }
}
