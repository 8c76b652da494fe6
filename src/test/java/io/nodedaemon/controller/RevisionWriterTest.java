package io.nodedaemon.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.ControllerRevisionBuilder;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonSpec;
import io.nodedaemon.planner.PodStates;
import io.nodedaemon.planner.rollout.RevisionPlan;
import io.nodedaemon.planner.rollout.Revisions;
import io.nodedaemon.sim.SimulatedCluster;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The writes of the revision history against the simulated API server: a name conflict is resolved
 * by owner and content as upstream's snapshot does, and a revision that cannot be written is not
 * ready (so no pod gets its hash).
 */
class RevisionWriterTest {
  static SimulatedCluster cluster;

  @BeforeAll
  static void start() {
    cluster = SimulatedCluster.start();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static NodeDaemon daemon(String namespace, String name) {
    cluster.createNamespace(namespace);
    NodeDaemon daemon = new NodeDaemon();
    daemon.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace(namespace)
            .withUid("uid-" + name)
            .build());
    NodeDaemonSpec spec = new NodeDaemonSpec();
    spec.setSelector(new LabelSelector(null, Map.of("app", name)));
    spec.setTemplate(
        new PodTemplateSpecBuilder()
            .withNewMetadata()
            .withLabels(Map.of("app", name))
            .endMetadata()
            .withNewSpec()
            .withContainers(new ContainerBuilder().withName("c").withImage("image:1").build())
            .endSpec()
            .build());
    daemon.setSpec(spec);
    return daemon;
  }

  /**
   * The revision this pass plans to create, and the same object stored beforehand with other
   * owners.
   */
  static ControllerRevision storedWithOwners(RevisionPlan plan, List<OwnerReference> owners) {
    ControllerRevision stored =
        new ControllerRevisionBuilder(plan.revisionToCreate())
            .editMetadata()
            .withOwnerReferences(owners)
            .endMetadata()
            .build();
    return cluster.client().resource(stored).create();
  }

  static ControllerRevision read(NodeDaemon daemon, RevisionPlan plan) {
    return cluster
        .client()
        .apps()
        .controllerRevisions()
        .inNamespace(daemon.getMetadata().getNamespace())
        .withName(plan.revisionToCreate().getMetadata().getName())
        .get();
  }

  @Test
  void anOrphanedRevisionOfTheSameTemplateIsAdopted() {
    NodeDaemon daemon = daemon("rev-orphan", "agent");
    RevisionPlan plan = Revisions.plan(daemon, List.of(), List.of());
    OwnerReference unrelated =
        new OwnerReferenceBuilder()
            .withApiVersion("v1")
            .withKind("ConfigMap")
            .withName("x")
            .withUid("uid-x")
            .build();
    storedWithOwners(plan, List.of(unrelated));

    RevisionWriter.Outcome outcome = new RevisionWriter(cluster.client()).apply(daemon, plan);

    assertThat(outcome).isEqualTo(new RevisionWriter.Outcome(true, false));
    ControllerRevision adopted = read(daemon, plan);
    assertThat(PodStates.controllerOf(adopted)).isNotNull();
    assertThat(PodStates.controllerOf(adopted).getUid()).isEqualTo("uid-agent");
    assertThat(adopted.getMetadata().getOwnerReferences())
        .as("other owners are kept")
        .contains(unrelated);
  }

  @Test
  void aRevisionOfTheSameTemplateControlledByAnotherIsACollision() {
    NodeDaemon daemon = daemon("rev-other", "agent");
    RevisionPlan plan = Revisions.plan(daemon, List.of(), List.of());
    OwnerReference other =
        new OwnerReferenceBuilder()
            .withApiVersion(NodeDaemon.API_VERSION)
            .withKind(NodeDaemon.KIND)
            .withName("agent")
            .withUid("uid-of-an-earlier-agent")
            .withController(true)
            .build();
    storedWithOwners(plan, List.of(other));

    RevisionWriter.Outcome outcome = new RevisionWriter(cluster.client()).apply(daemon, plan);

    assertThat(outcome).isEqualTo(new RevisionWriter.Outcome(false, true));
    assertThat(PodStates.controllerOf(read(daemon, plan)).getUid())
        .isEqualTo("uid-of-an-earlier-agent");
  }

  @Test
  void ourOwnRevisionNotYetCachedIsReady() {
    NodeDaemon daemon = daemon("rev-ours", "agent");
    RevisionPlan plan = Revisions.plan(daemon, List.of(), List.of());
    storedWithOwners(plan, plan.revisionToCreate().getMetadata().getOwnerReferences());

    assertThat(new RevisionWriter(cluster.client()).apply(daemon, plan))
        .isEqualTo(new RevisionWriter.Outcome(true, false));
  }

  @Test
  void aRevisionThatCannotBeCreatedIsNotReady() {
    NodeDaemon daemon = daemon("rev-fails", "agent");
    RevisionPlan plan = Revisions.plan(daemon, List.of(), List.of());
    cluster
        .server()
        .expect()
        .post()
        .withPath("/apis/apps/v1/namespaces/rev-fails/controllerrevisions")
        .andReturn(403, "{\"kind\":\"Status\",\"code\":403,\"message\":\"quota\"}")
        .once();

    assertThat(new RevisionWriter(cluster.client()).apply(daemon, plan))
        .isEqualTo(new RevisionWriter.Outcome(false, false));
    assertThat(read(daemon, plan)).isNull();
  }
}
