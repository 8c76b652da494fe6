package io.nodedaemon.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.IntOrString;
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
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The progress-deadline clock survives restarts (SPEC §6): the packaged operator killed and started
 * again and again, each time well within the deadline, still reports a stuck rollout Stalled once
 * the deadline has passed since its last progress.
 */
class ProgressDeadlineRestartIT {

  static final Duration TIMEOUT = Duration.ofSeconds(60);
  static final String NS = "restarts";

  /**
   * Longer than an operator process lives here, even on a loaded machine (start up to ~20 s, then 3
   * s).
   */
  static final int DEADLINE_SECONDS = 40;

  static final String NEVER_READY = "example.org/agent:never-ready";

  @Test
  void anOperatorRestartedMoreOftenThanTheDeadlineStillReportsStalled() throws Exception {
    Path base = Path.of("").toAbsolutePath();
    Path log = base.resolve("target/progress-deadline-restart-it.log");
    Files.deleteIfExists(log);
    try (TestCluster cluster = Backend.startCluster()) {
      KubernetesClient client = cluster.client();
      cluster.createNamespace(NS);
      E2eSupport.addNodes(cluster, NS, "p-a", "p-b");
      NodeDaemon d = E2eSupport.daemon(NS, "agent", NS);
      d.getSpec().setProgressDeadlineSeconds(DEADLINE_SECONDS);
      NodeDaemonUpdateStrategy strategy = new NodeDaemonUpdateStrategy();
      RollingUpdateNodeDaemon ru = new RollingUpdateNodeDaemon();
      ru.setMaxUnavailable(new IntOrString(1));
      strategy.setRollingUpdate(ru);
      d.getSpec().setUpdateStrategy(strategy);

      try (OperatorProcess first = OperatorProcess.start(base, cluster, log, TIMEOUT)) {
        E2eSupport.create(cluster, d);
        E2eSupport.awaitStatus(client, NS, "agent", E2eSupport.converged(2));
        cluster.kubelet().holdReadinessOfImage(NEVER_READY);
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
        E2eSupport.awaitStatus(
            client,
            NS,
            "agent",
            s -> s.getObservedGeneration() == 2L && s.getUpdatedNumberScheduled() == 1);
        first.kill();
      }
      Instant stuckSince = Instant.now();

      // Each operator lives a few seconds, far less than the deadline; a clock kept in memory
      // would start again with each of them and never reach it.
      int restarts = 0;
      boolean stalled = false;
      Duration lifeOfTheOneThatSawIt = null;
      while (!stalled
          && Duration.between(stuckSince, Instant.now()).toSeconds() < 6 * DEADLINE_SECONDS) {
        Instant started = Instant.now();
        try (OperatorProcess operator = OperatorProcess.start(base, cluster, log, TIMEOUT)) {
          restarts++;
          Instant killAt = Instant.now().plusSeconds(3);
          while (!stalled && Instant.now().isBefore(killAt)) {
            stalled = stalledNow(client);
            TimeUnit.MILLISECONDS.sleep(200);
          }
          lifeOfTheOneThatSawIt = Duration.between(started, Instant.now());
          operator.kill();
        }
      }
      NodeDaemonStatus status = E2eSupport.get(client, NS, "agent").getStatus();
      assertThat(stalled).as("Stalled after %d restarts; status %s", restarts, status).isTrue();
      assertThat(E2eSupport.conditionReason(status, "Stalled"))
          .isEqualTo("ProgressDeadlineExceeded");
      // The process that reported it had not lived through a deadline itself: a clock kept in its
      // memory could not have run out; the one in status did.
      assertThat(lifeOfTheOneThatSawIt).isLessThan(Duration.ofSeconds(DEADLINE_SECONDS));
      assertThat(restarts).as("the deadline passed across operator processes").isGreaterThan(1);
    }
  }

  static boolean stalledNow(KubernetesClient client) {
    NodeDaemon d = E2eSupport.get(client, NS, "agent");
    return d != null
        && d.getStatus() != null
        && "True".equals(E2eSupport.conditionStatus(d.getStatus(), "Stalled"));
  }
}
