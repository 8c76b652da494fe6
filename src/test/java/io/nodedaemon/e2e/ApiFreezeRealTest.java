package io.nodedaemon.e2e;

import static io.nodedaemon.e2e.E2eSupport.addNodes;
import static io.nodedaemon.e2e.E2eSupport.awaitStatus;
import static io.nodedaemon.e2e.E2eSupport.conditionStatus;
import static io.nodedaemon.e2e.E2eSupport.converged;
import static io.nodedaemon.e2e.E2eSupport.create;
import static io.nodedaemon.e2e.E2eSupport.daemon;
import static io.nodedaemon.e2e.E2eSupport.pods;
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
import io.nodedaemon.cluster.RealControlPlane;
import io.nodedaemon.cluster.TestCluster;
import io.nodedaemon.sim.SimNode;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 12 on the real control plane: the whole control plane (kube-apiserver, etcd, scheduler,
 * controllers) frozen for 20 s in the middle of a rolling update, then resumed. The budget is
 * sampled throughout; afterwards the rollout finishes within a stated bound, the status tells the
 * truth, and a change that concerns no pod costs no write.
 */
@QuarkusTest
@WithTestResource(ClusterResource.class)
class ApiFreezeRealTest {

  static final String NS = "freeze";

  /** How long after the control plane resumes the rollout must be done (docs/reliability.md). */
  static final Duration RECOVERY_BOUND = Duration.ofSeconds(60);

  @InjectCluster TestCluster cluster;

  KubernetesClient client() {
    return cluster.client();
  }

  @Test
  void aControlPlaneFrozenMidRolloutLosesNothing() throws Exception {
    addNodes(cluster, NS, "fz-a", "fz-b", "fz-c", "fz-d");
    NodeDaemon d = daemon(NS, "agent", NS);
    NodeDaemonUpdateStrategy strategy = new NodeDaemonUpdateStrategy();
    strategy.setType(NodeDaemonUpdateStrategy.Type.RollingUpdate);
    RollingUpdateNodeDaemon ru = new RollingUpdateNodeDaemon();
    ru.setMaxUnavailable(new IntOrString(1));
    strategy.setRollingUpdate(ru);
    d.getSpec().setUpdateStrategy(strategy);
    create(cluster, d);
    awaitStatus(client(), NS, "agent", converged(4));

    Instant resumed;
    NodeDaemonStatus done;
    try (InvariantSampler sampler = new InvariantSampler(client(), NS, 4)) {
      E2eSupport.retryOnConflict(
          () ->
              client()
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
                            .setImage("example.org/agent:after-freeze");
                        return nd;
                      }));
      await()
          .atMost(E2eSupport.TIMEOUT)
          .until(
              () ->
                  pods(client(), NS).stream()
                      .anyMatch(p -> p.getMetadata().getDeletionTimestamp() != null));
      ((RealControlPlane) cluster).freeze(Duration.ofSeconds(20));
      resumed = Instant.now();
      await()
          .atMost(RECOVERY_BOUND)
          .pollInterval(Duration.ofMillis(200))
          .ignoreExceptions()
          .until(
              () -> {
                NodeDaemonStatus s = E2eSupport.get(client(), NS, "agent").getStatus();
                return s != null
                    && s.getObservedGeneration() == 2L
                    && converged(4).test(s)
                    && "True".equals(conditionStatus(s, "Ready"));
              });
      done = E2eSupport.get(client(), NS, "agent").getStatus();
      System.out.printf(
          "ApiFreezeRealTest: rollout done %d ms after the control plane resumed%n",
          Duration.between(resumed, Instant.now()).toMillis());
      sampler.assertHeld(1, 1);
    }
    // The truth: one pod per node, all of the update revision, none left over.
    assertThat(pods(client(), NS))
        .hasSize(4)
        .allSatisfy(
            p ->
                assertThat(p.getMetadata().getLabels())
                    .containsEntry("controller-revision-hash", done.getUpdateRevision()));
    assertThat(done.getCurrentRevision()).isEqualTo(done.getUpdateRevision());

    // Settled: a node change that concerns no pod costs no write.
    await().pollDelay(Duration.ofSeconds(2)).until(() -> true);
    int mark = cluster.writes().mark();
    cluster.updateNode(
        SimNode.named("fz-a").label(E2eSupport.GROUP_LABEL, NS).label("after", "freeze").build());
    await().pollDelay(Duration.ofSeconds(3)).until(() -> true);
    List<String> operatorWrites =
        cluster
            .writes()
            .since(
                mark,
                w ->
                    (w.contains("/namespaces/" + NS + "/pods") && !w.startsWith("PATCH"))
                        || w.contains("/namespaces/" + NS + "/nodedaemons")
                        || w.contains("/namespaces/" + NS + "/controllerrevisions")
                        || w.contains("/namespaces/" + NS + "/events"));
    assertThat(operatorWrites).isEmpty();
  }
}
