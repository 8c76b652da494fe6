package io.nodedaemon.e2e;

import static io.nodedaemon.e2e.E2eSupport.addNodes;
import static io.nodedaemon.e2e.E2eSupport.awaitStatus;
import static io.nodedaemon.e2e.E2eSupport.converged;
import static io.nodedaemon.e2e.E2eSupport.create;
import static io.nodedaemon.e2e.E2eSupport.daemon;
import static io.nodedaemon.e2e.E2eSupport.pods;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.ControllerRevisionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.cluster.ClusterResource;
import io.nodedaemon.cluster.InjectCluster;
import io.nodedaemon.cluster.TestCluster;
import io.nodedaemon.planner.rollout.Revisions;
import io.nodedaemon.sim.SimulatedCluster;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The revision history on the simulated cluster: a revision exists before any pod carries its hash
 * (SPEC §6).
 */
@QuarkusTest
@WithTestResource(ClusterResource.class)
class RevisionHistoryE2eTest {

  @InjectCluster TestCluster cluster;

  @Test
  @Tag("sim-only") // injects API failures into the simulated API server
  void aRevisionThatCannotBeWrittenHoldsTheRolloutBack() {
    KubernetesClient client = cluster.client();
    addNodes(cluster, "revfail", "rf-a", "rf-b");
    create(cluster, daemon("revfail", "agent", "revfail"));
    String oldHash = awaitStatus(client, "revfail", "agent", converged(2)).getUpdateRevision();

    // The next revisions cannot be written for a while (a quota, a webhook that is down).
    ((SimulatedCluster) cluster)
        .server()
        .expect()
        .post()
        .withPath("/apis/apps/v1/namespaces/revfail/controllerrevisions")
        .andReturn(
            403,
            "{\"kind\":\"Status\",\"code\":403,\"reason\":\"Forbidden\",\"message\":\"exceeded quota\"}")
        .times(4);
    E2eSupport.retryOnConflict(
        () ->
            client
                .resources(NodeDaemon.class)
                .inNamespace("revfail")
                .withName("agent")
                .edit(
                    nd -> {
                      nd.getSpec()
                          .getTemplate()
                          .getSpec()
                          .getContainers()
                          .get(0)
                          .setImage("example.org/agent:2");
                      return nd;
                    }));

    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                pods(client, "revfail").size() == 2
                    && pods(client, "revfail").stream()
                        .allMatch(
                            p ->
                                oldHash.equals(
                                        p.getMetadata().getLabels().get("controller-revision-hash"))
                                    && p.getMetadata().getDeletionTimestamp() == null));

    // Once the revision is written, the rollout goes ahead.
    String newHash =
        awaitStatus(
                client,
                "revfail",
                "agent",
                converged(2)
                    .and(
                        s ->
                            s.getObservedGeneration() == 2L
                                && !oldHash.equals(s.getUpdateRevision())))
            .getUpdateRevision();
    assertThat(
            client
                .apps()
                .controllerRevisions()
                .inNamespace("revfail")
                .withName("agent-" + newHash)
                .get())
        .isNotNull();
    assertThat(pods(client, "revfail"))
        .allSatisfy(
            p ->
                assertThat(p.getMetadata().getLabels())
                    .containsEntry("controller-revision-hash", newHash));
  }

  @Test
  void anOrphanedRevisionHistoryIsAdopted() {
    KubernetesClient client = cluster.client();
    cluster.createNamespace("revorphan");
    addNodes(cluster, "revorphan", "ro-a");
    // The history a NodeDaemon deleted with --cascade=orphan left behind: its own template of old.
    NodeDaemon earlier = daemon("revorphan", "agent", "revorphan");
    earlier
        .getSpec()
        .getTemplate()
        .getSpec()
        .getContainers()
        .get(0)
        .setImage("example.org/agent:0");
    String oldHash = Revisions.hash(earlier.getSpec().getTemplate(), null);
    ControllerRevision old =
        new ControllerRevisionBuilder()
            .withNewMetadata()
            .withName(Revisions.revisionName("agent", oldHash))
            .withNamespace("revorphan")
            .withLabels(Map.of("app", "agent", "controller-revision-hash", oldHash))
            .endMetadata()
            .withData(Revisions.revisionData(earlier.getSpec().getTemplate()))
            .withRevision(1L)
            .build();
    cluster.createNamespace("revorphan");
    client.resource(old).create();

    create(cluster, daemon("revorphan", "agent", "revorphan"));
    awaitStatus(client, "revorphan", "agent", converged(1));

    String uid = E2eSupport.get(client, "revorphan", "agent").getMetadata().getUid();
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(
                        client
                            .apps()
                            .controllerRevisions()
                            .inNamespace("revorphan")
                            .withName(old.getMetadata().getName())
                            .get()
                            .getMetadata()
                            .getOwnerReferences())
                    .anySatisfy(
                        o -> {
                          assertThat(o.getUid()).isEqualTo(uid);
                          assertThat(o.getController()).isTrue();
                        }));
  }
}
