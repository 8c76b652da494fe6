package io.nodedaemon.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Taint;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SimNodeTest {

  static final Instant NOW = Instant.parse("2025-01-01T12:00:00.123Z");

  @Test
  void readyWorkerHasDefaultLabelsNoTaintsAndAReadyHeartbeat() {
    Node node = SimNode.named("w1").label("zone", "a").build().toNode(NOW);
    assertThat(node.getMetadata().getLabels())
        .containsEntry("kubernetes.io/hostname", "w1")
        .containsEntry("kubernetes.io/os", "linux")
        .containsEntry("zone", "a");
    assertThat(node.getSpec().getTaints()).isEmpty();
    assertThat(node.getSpec().getUnschedulable()).isNull();
    assertThat(node.getStatus().getConditions())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.getType()).isEqualTo("Ready");
              assertThat(c.getStatus()).isEqualTo("True");
              assertThat(c.getLastHeartbeatTime()).isEqualTo("2025-01-01T12:00:00Z");
            });
  }

  @Test
  void notReadyCordonedControlPlaneNodeCarriesTheStandardTaints() {
    Node node =
        SimNode.named("cp")
            .controlPlane()
            .notReady()
            .cordoned()
            .taint("dedicated", "gpu", "NoExecute")
            .build()
            .toNode(NOW);
    assertThat(node.getStatus().getConditions().get(0).getStatus()).isEqualTo("False");
    assertThat(node.getSpec().getUnschedulable()).isTrue();
    assertThat(node.getMetadata().getLabels()).containsKey("node-role.kubernetes.io/control-plane");
    assertThat(node.getSpec().getTaints())
        .extracting(Taint::getKey, Taint::getValue, Taint::getEffect)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(
                "node-role.kubernetes.io/control-plane", null, "NoSchedule"),
            org.assertj.core.groups.Tuple.tuple("dedicated", "gpu", "NoExecute"),
            org.assertj.core.groups.Tuple.tuple("node.kubernetes.io/not-ready", null, "NoSchedule"),
            org.assertj.core.groups.Tuple.tuple("node.kubernetes.io/not-ready", null, "NoExecute"),
            org.assertj.core.groups.Tuple.tuple(
                "node.kubernetes.io/unschedulable", null, "NoSchedule"));
  }

  @Test
  void toBuilderDerivesAnUpdatedNode() {
    SimNode cordoned =
        SimNode.named("w1").taint("a", "b", "NoSchedule").build().toBuilder()
            .cordoned()
            .withoutTaint("a")
            .build();
    assertThat(cordoned.unschedulable()).isTrue();
    assertThat(cordoned.effectiveTaints())
        .extracting(Taint::getKey)
        .containsExactly("node.kubernetes.io/unschedulable");
  }
}
