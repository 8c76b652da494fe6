package io.nodedaemon.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonStatus;
import io.nodedaemon.api.NodeDaemonUpdateStrategy;
import io.nodedaemon.api.RollbackStatus;
import io.nodedaemon.api.RollingUpdateNodeDaemon;
import io.nodedaemon.cluster.Backend;
import io.nodedaemon.cluster.TestCluster;
import io.nodedaemon.sim.KubeletStandIn;
import io.nodedaemon.sim.OperatorProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A rollback decided by one operator process stands when another takes over (SPEC §9, issue 14):
 * the packaged operator is killed while a rollback is half done (the stalled pod it deleted is
 * still terminating); the next process carries the same rollback to its end, records no second
 * event and never rolls the stalled revision out again.
 */
class RollbackFailoverIT {

  static final Duration TIMEOUT = Duration.ofSeconds(60);
  static final String NS = "rollback-failover";
  static final String NEVER_READY = "example.org/agent:never-ready";

  @Test
  void theNextOperatorFinishesTheRollbackTheFirstOneStarted() throws Exception {
    Path base = Path.of("").toAbsolutePath();
    Path log = base.resolve("target/rollback-failover-it.log");
    Files.deleteIfExists(log);
    try (TestCluster cluster = Backend.startCluster()) {
      KubernetesClient client = cluster.client();
      cluster.createNamespace(NS);
      E2eSupport.addNodes(cluster, NS, "f-a", "f-b", "f-c");
      NodeDaemon d = E2eSupport.daemon(NS, "agent", NS);
      d.getSpec().setProgressDeadlineSeconds(8);
      NodeDaemonUpdateStrategy strategy = new NodeDaemonUpdateStrategy();
      RollingUpdateNodeDaemon ru = new RollingUpdateNodeDaemon();
      ru.setMaxUnavailable(new IntOrString(1));
      ru.setAutoRollback(true);
      strategy.setRollingUpdate(ru);
      d.getSpec().setUpdateStrategy(strategy);
      KubeletStandIn kubelet = cluster.kubelet();

      RollbackStatus decided;
      try (OperatorProcess first = OperatorProcess.start(base, cluster, log, TIMEOUT)) {
        E2eSupport.create(cluster, d);
        String good =
            E2eSupport.awaitStatus(client, NS, "agent", E2eSupport.converged(3))
                .getUpdateRevision();
        try (InvariantSampler sampler = new InvariantSampler(client, NS, 3)) {
          kubelet.holdReadinessOfImage(NEVER_READY);
          // The stalled pod, once the rollback deletes it, stays terminating: the rollback is
          // half done when the first operator dies.
          kubelet.holdTermination(
              p -> NEVER_READY.equals(p.getSpec().getContainers().get(0).getImage()));
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
                                .setImage(NEVER_READY);
                            return nd;
                          }));
          decided =
              E2eSupport.awaitStatus(client, NS, "agent", s -> s.getRollback() != null)
                  .getRollback();
          assertThat(decided.toRevision()).isEqualTo(good);
          org.awaitility.Awaitility.await()
              .atMost(TIMEOUT)
              .until(() -> badPods(client).stream().anyMatch(RollbackFailoverIT::terminating));
          first.kill();

          try (OperatorProcess second = OperatorProcess.start(base, cluster, log, TIMEOUT)) {
            kubelet.holdTermination(null);
            NodeDaemonStatus done =
                E2eSupport.awaitStatus(
                    client,
                    NS,
                    "agent",
                    E2eSupport.converged(3)
                        .and(s -> s.getRollback() != null)
                        .and(s -> badPods(client).isEmpty()));
            assertThat(done.getRollback())
                .as("the same rollback, not a new one")
                .isEqualTo(decided);
            assertThat(E2eSupport.conditionReason(done, "Stalled")).isEqualTo("RolledBack");
            assertThat(E2eSupport.pods(client, NS))
                .allSatisfy(
                    p ->
                        assertThat(p.getMetadata().getLabels())
                            .containsEntry("controller-revision-hash", decided.toRevision()));
            assertThat(rolledBackEvents(client))
                .as("one RolledBack event across both processes")
                .singleElement()
                .satisfies(e -> assertThat(e.getCount() == null ? 1 : e.getCount()).isOne());
          }
          sampler.assertHeld(1, 1);
        }
      } finally {
        kubelet.holdReadiness(null);
        kubelet.holdTermination(null);
      }
    }
  }

  private static List<Pod> badPods(KubernetesClient client) {
    return E2eSupport.pods(client, NS).stream()
        .filter(p -> NEVER_READY.equals(p.getSpec().getContainers().get(0).getImage()))
        .toList();
  }

  private static boolean terminating(Pod p) {
    return p.getMetadata().getDeletionTimestamp() != null;
  }

  private static List<Event> rolledBackEvents(KubernetesClient client) {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> "RolledBack".equals(e.getReason()))
        .toList();
  }
}
