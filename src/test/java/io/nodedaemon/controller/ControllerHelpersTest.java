package io.nodedaemon.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonSpec;
import io.nodedaemon.planner.InFlight;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** In-flight memory, pod claiming and the node-event filter: the controller's pure helpers. */
class ControllerHelpersTest {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  static NodeDaemon daemon() {
    NodeDaemon d = new NodeDaemon();
    d.setMetadata(new ObjectMetaBuilder().withName("agent").withNamespace("ns").withUid("uid-1").build());
    NodeDaemonSpec spec = new NodeDaemonSpec();
    spec.setSelector(new LabelSelectorBuilder().withMatchLabels(Map.of("app", "agent")).build());
    spec.setTemplate(new PodTemplateSpecBuilder().withNewMetadata().withLabels(Map.of("app", "agent")).endMetadata()
        .withNewSpec().withContainers(new ContainerBuilder().withName("c").withImage("i").build()).endSpec().build());
    d.setSpec(spec);
    return d;
  }

  static Pod pod(String name, Map<String, String> labels, String controllerUid) {
    PodBuilder b = new PodBuilder().withNewMetadata().withName(name).withNamespace("ns").withLabels(labels).endMetadata();
    if (controllerUid != null) {
      b.editMetadata().addNewOwnerReference().withKind("NodeDaemon").withApiVersion("nodedaemon.io/v1alpha1")
          .withName("x").withUid(controllerUid).withController(true).endOwnerReference().endMetadata();
    }
    return b.build();
  }

  @Test
  void inFlightCreatesAndDeletesLastUntilTheCacheShowsThemOrTheyExpire() {
    InFlightTracker t = new InFlightTracker();
    t.created("ns/agent", "agent-1", "n1", T0);
    t.deleted("ns/agent", "agent-old", T0);
    Pod old = pod("agent-old", Map.of(), "uid-1");

    assertThat(t.observe("ns/agent", List.of(old), T0)).isEqualTo(new InFlight(Set.of("n1"), Set.of("agent-old")));
    // The created pod shows up; the deleted one is still listed.
    assertThat(t.observe("ns/agent", List.of(old, pod("agent-1", Map.of(), "uid-1")), T0))
        .isEqualTo(new InFlight(Set.of(), Set.of("agent-old")));
    // The deleted one is gone: nothing in flight any more.
    assertThat(t.observe("ns/agent", List.of(pod("agent-1", Map.of(), "uid-1")), T0)).isEqualTo(InFlight.NONE);

    t.created("ns/agent", "agent-2", "n2", T0);
    assertThat(t.observe("ns/agent", List.of(), T0.plus(InFlightTracker.TTL).plusSeconds(1))).isEqualTo(InFlight.NONE);

    t.created("ns/agent", "agent-3", "n3", T0);
    t.createFailed("ns/agent", "agent-3");
    assertThat(t.observe("ns/agent", List.of(), T0)).isEqualTo(InFlight.NONE);
  }

  @Test
  void claimsSortOwnedOrphanReleasedAndForeignPods() {
    NodeDaemon d = daemon();
    Pod owned = pod("owned", Map.of("app", "agent"), "uid-1");
    Pod orphan = pod("orphan", Map.of("app", "agent"), null);
    Pod strayed = pod("strayed", Map.of("app", "debug"), "uid-1");
    Pod foreign = pod("foreign", Map.of("app", "agent"), "someone-else");
    Pod unrelated = pod("unrelated", Map.of("app", "web"), null);
    Pod leavingOrphan = new PodBuilder(pod("leaving", Map.of("app", "agent"), null))
        .editMetadata().withDeletionTimestamp(T0.toString()).endMetadata().build();

    PodClaims claims = PodClaims.classify(d, List.of(owned, orphan, strayed, foreign, unrelated, leavingOrphan));

    assertThat(claims.controlled()).containsExactly(owned);
    assertThat(claims.toAdopt()).containsExactly(orphan);
    assertThat(claims.toRelease()).containsExactly(strayed);
  }

  @Test
  void aNodeDaemonBeingDeletedAdoptsNothing() {
    NodeDaemon d = daemon();
    d.getMetadata().setDeletionTimestamp(T0.toString());
    assertThat(PodClaims.classify(d, List.of(pod("orphan", Map.of("app", "agent"), null))).toAdopt()).isEmpty();
  }

  static Node node(Map<String, String> labels, String heartbeat) {
    return new NodeBuilder().withNewMetadata().withName("n1").withLabels(labels).endMetadata()
        .withNewSpec().endSpec()
        .withNewStatus().addNewCondition().withType("Ready").withStatus("True").withLastHeartbeatTime(heartbeat).endCondition().endStatus()
        .build();
  }

  @Test
  void onlyPlacementRelevantNodeChangesTriggerReconciles() {
    Node before = node(Map.of("zone", "a"), "2026-01-01T00:00:00Z");
    assertThat(NodeChanges.affectsPlacement(node(Map.of("zone", "a"), "2026-01-01T00:00:40Z"), before)).as("heartbeat").isFalse();
    assertThat(NodeChanges.affectsPlacement(node(Map.of("zone", "b"), "2026-01-01T00:00:00Z"), before)).as("labels").isTrue();
    Node tainted = new NodeBuilder(before).editSpec().addNewTaint().withKey("k").withEffect("NoSchedule").endTaint().endSpec().build();
    assertThat(NodeChanges.affectsPlacement(tainted, before)).as("taint").isTrue();
    Node cordoned = new NodeBuilder(before).editSpec().withUnschedulable(true).endSpec().build();
    assertThat(NodeChanges.affectsPlacement(cordoned, before)).as("cordon").isTrue();
  }
}
