package io.nodedaemon.e2e;

import static io.nodedaemon.e2e.E2eSupport.GROUP_LABEL;
import static io.nodedaemon.e2e.E2eSupport.awaitStatus;
import static io.nodedaemon.e2e.E2eSupport.create;
import static io.nodedaemon.e2e.E2eSupport.daemon;
import static io.nodedaemon.e2e.E2eSupport.podsByNode;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.nodedaemon.api.ExcludedNodeGroup;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonStatus;
import io.nodedaemon.cluster.ClusterResource;
import io.nodedaemon.cluster.InjectCluster;
import io.nodedaemon.cluster.TestCluster;
import io.nodedaemon.sim.SimNode;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/**
 * "Why does node X have no pod?" answered in {@code status.excludedNodes} (SPEC §8), on either
 * backend.
 */
@QuarkusTest
@WithTestResource(ClusterResource.class)
class PlacementExplainedE2eTest {

  @InjectCluster TestCluster cluster;

  @Test
  void taintedControlPlaneNodesAreNamedAndARelabelledNodeLeavesTheList() {
    cluster.addNode(
        SimNode.named("explain-cp-1")
            .label(GROUP_LABEL, "explain")
            .label("disktype", "ssd")
            .controlPlane()
            .build());
    cluster.addNode(
        SimNode.named("explain-cp-2")
            .label(GROUP_LABEL, "explain")
            .label("disktype", "ssd")
            .controlPlane()
            .build());
    cluster.addNode(
        SimNode.named("explain-w-1")
            .label(GROUP_LABEL, "explain")
            .label("disktype", "ssd")
            .build());
    cluster.addNode(
        SimNode.named("explain-w-2")
            .label(GROUP_LABEL, "explain")
            .label("disktype", "hdd")
            .build());
    NodeDaemon d = daemon("explain", "agent", "explain");
    // The group comes from the nodeSelector (which excludes every other test's node first), the
    // disk from required affinity, so the affinity and taint groups hold only this test's nodes.
    d.getSpec()
        .getTemplate()
        .getSpec()
        .setAffinity(
            new AffinityBuilder()
                .withNewNodeAffinity()
                .withNewRequiredDuringSchedulingIgnoredDuringExecution()
                .addNewNodeSelectorTerm()
                .addNewMatchExpression()
                .withKey("disktype")
                .withOperator("In")
                .withValues("ssd")
                .endMatchExpression()
                .endNodeSelectorTerm()
                .endRequiredDuringSchedulingIgnoredDuringExecution()
                .endNodeAffinity()
                .build());
    create(cluster, d);

    NodeDaemonStatus status =
        awaitStatus(
            cluster.client(),
            "explain",
            "agent",
            s ->
                s.getNumberAvailable() == 1
                    && group(s, "UntoleratedTaint") != null
                    && group(s, "NodeAffinityMismatch") != null);

    assertThat(group(status, "UntoleratedTaint"))
        .isEqualTo(
            new ExcludedNodeGroup(
                "UntoleratedTaint",
                "taint node-role.kubernetes.io/control-plane:NoSchedule not tolerated",
                2,
                List.of("explain-cp-1", "explain-cp-2")));
    assertThat(group(status, "NodeAffinityMismatch"))
        .isEqualTo(
            new ExcludedNodeGroup(
                "NodeAffinityMismatch",
                "required node affinity not matched",
                1,
                List.of("explain-w-2")));
    assertThat(podsByNode(cluster.client(), "explain")).containsOnlyKeys("explain-w-1");

    cluster.updateNode(
        SimNode.named("explain-w-2")
            .label(GROUP_LABEL, "explain")
            .label("disktype", "ssd")
            .build());

    NodeDaemonStatus after =
        awaitStatus(
            cluster.client(),
            "explain",
            "agent",
            s -> s.getNumberAvailable() == 2 && group(s, "NodeAffinityMismatch") == null);
    assertThat(group(after, "UntoleratedTaint").count()).isEqualTo(2);
    assertThat(podsByNode(cluster.client(), "explain"))
        .containsOnlyKeys("explain-w-1", "explain-w-2");
  }

  private static ExcludedNodeGroup group(NodeDaemonStatus status, String reason) {
    return status.getExcludedNodes() == null
        ? null
        : status.getExcludedNodes().stream()
            .filter(g -> Objects.equals(reason, g.reason()))
            .findFirst()
            .orElse(null);
  }
}
