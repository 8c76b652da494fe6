package io.nodedaemon.e2e;

import static io.nodedaemon.e2e.E2eSupport.addNodes;
import static io.nodedaemon.e2e.E2eSupport.awaitStatus;
import static io.nodedaemon.e2e.E2eSupport.conditionReason;
import static io.nodedaemon.e2e.E2eSupport.conditionStatus;
import static io.nodedaemon.e2e.E2eSupport.converged;
import static io.nodedaemon.e2e.E2eSupport.create;
import static io.nodedaemon.e2e.E2eSupport.daemon;
import static io.nodedaemon.e2e.E2eSupport.get;
import static io.nodedaemon.e2e.E2eSupport.pods;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
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
import java.util.List;
import java.util.function.Consumer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Automatic rollback end to end (SPEC §9, issue 14's "what it must show"): an update to an image
 * that never becomes ready, with autoRollback and a short deadline, ends with every node back on
 * the old revision and Ready pods, the spec unchanged, Stalled reason RolledBack and one event; the
 * budget is sampled throughout; a later good image rolls out normally.
 */
@QuarkusTest
@WithTestResource(ClusterResource.class)
class AutoRollbackE2eTest {

  static final String NS = "rollback";
  static final String NEVER_READY = "example.org/agent:never-ready";

  @InjectCluster TestCluster cluster;

  KubernetesClient client() {
    return cluster.client();
  }

  @AfterEach
  void releaseHeldPods() {
    cluster.kubelet().holdReadiness(null);
  }

  @Test
  void aStalledRolloutRollsBackByItselfAndAGoodImageThenRollsOut() throws Exception {
    addNodes(cluster, NS, "rb-a", "rb-b", "rb-c", "rb-d");
    NodeDaemon d = daemon(NS, "agent", NS);
    d.getSpec().setProgressDeadlineSeconds(8);
    NodeDaemonUpdateStrategy strategy = new NodeDaemonUpdateStrategy();
    strategy.setType(NodeDaemonUpdateStrategy.Type.RollingUpdate);
    RollingUpdateNodeDaemon ru = new RollingUpdateNodeDaemon();
    ru.setMaxUnavailable(new IntOrString(1));
    ru.setAutoRollback(true);
    strategy.setRollingUpdate(ru);
    d.getSpec().setUpdateStrategy(strategy);
    create(cluster, d);
    String good = awaitStatus(client(), NS, "agent", converged(4)).getUpdateRevision();
    cluster.kubelet().holdReadinessOfImage(NEVER_READY);

    NodeDaemonStatus rolledBack;
    try (InvariantSampler sampler = new InvariantSampler(client(), NS, 4)) {
      edit(image(NEVER_READY));
      rolledBack =
          awaitStatus(
              client(),
              NS,
              "agent",
              converged(4)
                  .and(s -> s.getRollback() != null)
                  .and(s -> "RolledBack".equals(conditionReason(s, "Stalled"))));
      sampler.assertHeld(1, 1);
    }

    String bad = rolledBack.getRollback().fromRevision();
    assertThat(bad).isNotEqualTo(good);
    assertThat(rolledBack.getRollback().toRevision()).isEqualTo(good);
    assertThat(rolledBack.getUpdateRevision()).isEqualTo(good);
    assertThat(rolledBack.getCurrentRevision()).isEqualTo(good);
    assertThat(conditionStatus(rolledBack, "Stalled")).isEqualTo("True");
    assertThat(conditionStatus(rolledBack, "Ready")).isEqualTo("False");
    assertThat(conditionStatus(rolledBack, "Reconciling")).isEqualTo("False");
    assertThat(pods(client(), NS))
        .hasSize(4)
        .allSatisfy(
            p -> {
              assertThat(p.getMetadata().getLabels())
                  .containsEntry("controller-revision-hash", good);
              assertThat(E2eSupport.ready(p)).isTrue();
            });
    assertThat(
            get(client(), NS, "agent")
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0)
                .getImage())
        .as("the spec is the user's: untouched")
        .isEqualTo(NEVER_READY);
    Awaitility.await()
        .atMost(E2eSupport.TIMEOUT)
        .until(() -> rolledBackEvents().stream().mapToInt(AutoRollbackE2eTest::count).sum() >= 1);
    assertThat(rolledBackEvents()).singleElement().satisfies(e -> assertThat(count(e)).isOne());

    // A good image clears the rollback and rolls out as any update does.
    edit(image("example.org/agent:fixed"));
    NodeDaemonStatus fixed =
        awaitStatus(
            client(),
            NS,
            "agent",
            converged(4)
                .and(s -> s.getRollback() == null && "True".equals(conditionStatus(s, "Ready"))));
    assertThat(fixed.getUpdateRevision()).isNotIn(good, bad);
    assertThat(rolledBackEvents()).singleElement().satisfies(e -> assertThat(count(e)).isOne());
  }

  private List<Event> rolledBackEvents() {
    return client().v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> "RolledBack".equals(e.getReason()))
        .toList();
  }

  private static int count(Event e) {
    return e.getCount() == null ? 1 : e.getCount();
  }

  private void edit(Consumer<NodeDaemon> change) {
    E2eSupport.retryOnConflict(
        () ->
            client()
                .resources(NodeDaemon.class)
                .inNamespace(NS)
                .withName("agent")
                .edit(
                    nd -> {
                      change.accept(nd);
                      return nd;
                    }));
  }

  private static Consumer<NodeDaemon> image(String image) {
    return d -> d.getSpec().getTemplate().getSpec().getContainers().get(0).setImage(image);
  }
}
