package io.nodedaemon.e2e;

import static io.nodedaemon.e2e.E2eSupport.addNodes;
import static io.nodedaemon.e2e.E2eSupport.awaitStatus;
import static io.nodedaemon.e2e.E2eSupport.conditionReason;
import static io.nodedaemon.e2e.E2eSupport.conditionStatus;
import static io.nodedaemon.e2e.E2eSupport.converged;
import static io.nodedaemon.e2e.E2eSupport.create;
import static io.nodedaemon.e2e.E2eSupport.daemon;
import static io.nodedaemon.e2e.E2eSupport.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonStatus;
import io.nodedaemon.api.NodeDaemonUpdateStrategy;
import io.nodedaemon.api.RollingUpdateNodeDaemon;
import io.nodedaemon.cluster.ClusterResource;
import io.nodedaemon.cluster.InjectCluster;
import io.nodedaemon.cluster.TestCluster;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Status is truth, not memory (SPEC §2, §6): what the API server holds is compared with what the
 * operator computes, a status change by someone else starts a pass, and the progress-deadline clock
 * is read back from status.
 */
@QuarkusTest
@WithTestResource(ClusterResource.class)
class StatusTruthE2eTest {

  static final Duration SECONDS = Duration.ofSeconds(10);

  @InjectCluster TestCluster cluster;

  @Test
  void aStatusChangedByAnotherWriterIsCorrectedWithinSeconds() {
    KubernetesClient client = cluster.client();
    addNodes(cluster, "truth", "truth-a", "truth-b");
    create(cluster, daemon("truth", "agent", "truth"));
    NodeDaemonStatus good =
        awaitStatus(
            client,
            "truth",
            "agent",
            converged(2).and(s -> "True".equals(conditionStatus(s, "Ready"))));

    // Another writer (or a restore from backup) leaves a wrong status; nothing else changes.
    client
        .resources(NodeDaemon.class)
        .inNamespace("truth")
        .withName("agent")
        .editStatus(
            nd -> {
              nd.getStatus().setNumberReady(0);
              nd.getStatus().setNumberAvailable(0);
              nd.getStatus().setConditions(List.of());
              return nd;
            });

    await()
        .atMost(SECONDS)
        .pollInterval(Duration.ofMillis(100))
        .untilAsserted(
            () -> {
              NodeDaemonStatus s = get(client, "truth", "agent").getStatus();
              assertThat(converged(2).test(s)).as("counters back: %s", s).isTrue();
              assertThat(s.getConditions())
                  .extracting(c -> c.getType() + "=" + c.getStatus() + "/" + c.getReason())
                  .containsExactlyElementsOf(
                      good.getConditions().stream()
                          .map(c -> c.getType() + "=" + c.getStatus() + "/" + c.getReason())
                          .toList());
            });
  }

  @Test
  void aStatusSayingTheRolloutIsStuckPastTheDeadlineIsStalledAtOnce() {
    KubernetesClient client = cluster.client();
    addNodes(cluster, "clock-from-status", "cfs-a", "cfs-b", "cfs-c");
    NodeDaemon d = daemon("clock-from-status", "agent", "clock-from-status");
    d.getSpec().setProgressDeadlineSeconds(600);
    NodeDaemonUpdateStrategy strategy = new NodeDaemonUpdateStrategy();
    RollingUpdateNodeDaemon ru = new RollingUpdateNodeDaemon();
    ru.setMaxUnavailable(new IntOrString(1));
    strategy.setRollingUpdate(ru);
    d.getSpec().setUpdateStrategy(strategy);
    create(cluster, d);
    awaitStatus(client, "clock-from-status", "agent", converged(3));

    String broken = "example.org/agent:never-ready";
    cluster.kubelet().holdReadinessOfImage(broken);
    try {
      E2eSupport.retryOnConflict(
          () ->
              client
                  .resources(NodeDaemon.class)
                  .inNamespace("clock-from-status")
                  .withName("agent")
                  .edit(
                      nd -> {
                        nd.getSpec()
                            .getTemplate()
                            .getSpec()
                            .getContainers()
                            .get(0)
                            .setImage(broken);
                        return nd;
                      }));
      awaitStatus(
          client,
          "clock-from-status",
          "agent",
          s ->
              s.getObservedGeneration() == 2L
                  && s.getUpdatedNumberScheduled() == 1
                  && "RollingUpdate".equals(conditionReason(s, "Reconciling")));

      // The status a previous operator left: this rollout has made no progress for an hour. This
      // process saw it start a moment ago; what status says wins.
      Instant anHourAgo = Instant.now().minus(Duration.ofHours(1));
      client
          .resources(NodeDaemon.class)
          .inNamespace("clock-from-status")
          .withName("agent")
          .editStatus(
              nd -> {
                nd.getStatus().getConditions().stream()
                    .filter(c -> "Reconciling".equals(c.getType()))
                    .forEach(c -> c.setLastTransitionTime(anHourAgo.toString()));
                return nd;
              });

      await()
          .atMost(SECONDS)
          .pollInterval(Duration.ofMillis(100))
          .untilAsserted(
              () -> {
                NodeDaemonStatus s = get(client, "clock-from-status", "agent").getStatus();
                assertThat(conditionStatus(s, "Stalled")).isEqualTo("True");
                assertThat(conditionReason(s, "Stalled")).isEqualTo("ProgressDeadlineExceeded");
                assertThat(conditionStatus(s, "Reconciling")).isEqualTo("False");
              });
    } finally {
      cluster.kubelet().holdReadiness(null);
    }
  }
}
