package io.nodedaemon.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
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
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The packaged operator killed (SIGKILL) in the middle of a rollout, and in the middle of its first
 * converge, and a new one started: the new process has only what the API server holds (no in-memory
 * state survives) and must finish within the same budget, with never two pods on a node. Runs in
 * `verify`, after the jar is packaged.
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

  @Test
  void anOperatorKilledMidConvergeLeavesNoDuplicateAndTheNextOneFinishes() throws Exception {
    String ns = "restart-converge";
    int n = 60;
    Path base = Path.of("").toAbsolutePath();
    Path log = base.resolve("target/operator-restart-converge-it.log");
    Files.deleteIfExists(log);
    try (TestCluster cluster = Backend.startCluster()) {
      KubernetesClient client = cluster.client();
      List<String> nodes = FaultRecovery.nodeNames("rc", n);
      E2eSupport.addNodes(cluster, ns, nodes.toArray(String[]::new));
      cluster.createNamespace(ns);
      OperatorProcess first = OperatorProcess.start(base, cluster, log, TIMEOUT);
      AtomicInteger podsAtKill = new AtomicInteger(-1);
      try (InvariantSampler sampler = new InvariantSampler(client, ns, n);
          // Killed as soon as its first pod appears: the slow-start batches of the first converge
          // are still being written.
          Watch killer =
              client
                  .pods()
                  .inNamespace(ns)
                  .watch(
                      new Watcher<Pod>() {
                        @Override
                        public void eventReceived(Action action, Pod pod) {
                          if (podsAtKill.get() < 0 && action == Action.ADDED) {
                            try {
                              first.kill();
                            } catch (InterruptedException e) {
                              Thread.currentThread().interrupt();
                            }
                            podsAtKill.set(E2eSupport.pods(client, ns).size());
                          }
                        }

                        @Override
                        public void onClose(WatcherException cause) {}
                      })) {
        E2eSupport.create(cluster, E2eSupport.daemon(ns, "agent", ns));
        await().atMost(TIMEOUT).until(() -> podsAtKill.get() >= 0);
        assertThat(first.isAlive()).isFalse();
        assertThat(podsAtKill.get()).as("pods when the operator was killed").isLessThan(n);

        try (OperatorProcess second = OperatorProcess.start(base, cluster, log, TIMEOUT)) {
          Instant restarted = Instant.now();
          Duration took =
              FaultRecovery.assertSettled(
                  cluster, ns, "agent", nodes, restarted, Duration.ofSeconds(90));
          FaultRecovery.report(
              "killed mid-converge (" + podsAtKill.get() + "/" + n + " pods)", took);
          FaultRecovery.assertResyncWritesNothing(cluster, ns, ns, nodes, Duration.ofSeconds(5));
          assertThat(second.isAlive()).isTrue();
        }
        // Never two pods on one node, whatever the killed operator had in flight; unavailable
        // nodes are not bounded while a first converge is still creating pods.
        sampler.assertHeld(n, 1);
      } finally {
        first.kill();
      }
    }
  }
}
