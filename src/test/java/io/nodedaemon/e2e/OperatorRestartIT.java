package io.nodedaemon.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonStatus;
import io.nodedaemon.api.NodeDaemonUpdateStrategy;
import io.nodedaemon.api.RollingUpdateNodeDaemon;
import io.nodedaemon.cluster.Backend;
import io.nodedaemon.cluster.TestCluster;
import io.nodedaemon.sim.OperatorProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The packaged operator killed in the middle of a rollout, and a new one started: the new process
 * has only what the API server holds (no in-memory state survives) and must finish the rollout
 * within the same budget. Runs in `verify`, after the jar is packaged.
 */
class OperatorRestartIT {

  static final Duration TIMEOUT = Duration.ofSeconds(60);
  static final String NS = "restart";
  static final String BROKEN_FOR_NOW = "example.org/agent:2";

  @Test
  void aRestartedOperatorFinishesTheRolloutWithinTheBudget() throws Exception {
    Path base = Path.of("").toAbsolutePath();
    Path log = base.resolve("target/operator-restart-it.log");
    Files.deleteIfExists(log);
    try (TestCluster cluster = Backend.startCluster()) {
      KubernetesClient client = cluster.client();
      E2eSupport.addNodes(cluster, NS, "r-a", "r-b", "r-c", "r-d");
      NodeDaemon d = E2eSupport.daemon(NS, "agent", NS);
      NodeDaemonUpdateStrategy strategy = new NodeDaemonUpdateStrategy();
      RollingUpdateNodeDaemon ru = new RollingUpdateNodeDaemon();
      ru.setMaxUnavailable(new IntOrString(1));
      strategy.setRollingUpdate(ru);
      d.getSpec().setUpdateStrategy(strategy);

      OperatorProcess first = OperatorProcess.start(base, cluster, log, TIMEOUT);
      try {
        E2eSupport.create(cluster, d);
        E2eSupport.awaitStatus(client, NS, "agent", E2eSupport.converged(4));
        try (InvariantSampler sampler = new InvariantSampler(client, NS, 4)) {
          // The new image does not become ready until released: the rollout stops after one node.
          cluster.kubelet().holdReadinessOfImage(BROKEN_FOR_NOW);
          E2eSupport.retryOnConflict(
              () ->
                  client
                      .resources(NodeDaemon.class)
                      .inNamespace(NS)
                      .withName("agent")
                      .edit(
                          nd -> {
                            nd.getSpec()
                                .getTemplate()
                                .getSpec()
                                .getContainers()
                                .get(0)
                                .setImage(BROKEN_FOR_NOW);
                            return nd;
                          }));
          E2eSupport.awaitStatus(
              client,
              NS,
              "agent",
              s -> s.getObservedGeneration() == 2L && s.getUpdatedNumberScheduled() == 1);
          first.kill();
          assertThat(first.isAlive()).isFalse();

          try (OperatorProcess second = OperatorProcess.start(base, cluster, log, TIMEOUT)) {
            // Release: the held pod becomes ready, and new ones start ready.
            cluster.kubelet().holdReadiness(null);
            for (Pod p : E2eSupport.pods(client, NS)) {
              if (!E2eSupport.ready(p) && p.getSpec().getNodeName() != null) {
                cluster.kubelet().setReady(NS, p.getMetadata().getName(), true);
              }
            }
            NodeDaemonStatus done =
                E2eSupport.awaitStatus(
                    client,
                    NS,
                    "agent",
                    E2eSupport.converged(4)
                        .and(
                            s ->
                                s.getObservedGeneration() == 2L
                                    && "True".equals(E2eSupport.conditionStatus(s, "Ready"))));
            await().atMost(TIMEOUT).until(() -> E2eSupport.pods(client, NS).size() == 4);
            assertThat(E2eSupport.pods(client, NS))
                .allSatisfy(
                    p ->
                        assertThat(p.getMetadata().getLabels())
                            .containsEntry("controller-revision-hash", done.getUpdateRevision()));
            assertThat(second.isAlive()).isTrue();
          }
          sampler.assertHeld(1, 1);
        }
      } finally {
        first.kill();
      }
    }
  }
}
