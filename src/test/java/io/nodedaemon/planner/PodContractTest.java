package io.nodedaemon.planner;

import static io.nodedaemon.planner.Fixtures.daemon;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.nodedaemon.api.NodeDaemon;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pod contract (SPEC §3), failed-pod backoff timing and slow-start batches. */
class PodContractTest {

  @Test
  void podCarriesRevisionOwnerTolerationsAndIsPinnedToItsNode() {
    NodeDaemon d = daemon();
    d.getSpec().getTemplate().getSpec().setAffinity(new AffinityBuilder().withNewNodeAffinity()
        .withNewRequiredDuringSchedulingIgnoredDuringExecution().addNewNodeSelectorTerm()
        .withMatchExpressions(new NodeSelectorRequirementBuilder().withKey("zone").withOperator("In").withValues("a").build())
        .endNodeSelectorTerm().endRequiredDuringSchedulingIgnoredDuringExecution()
        .addNewPreferredDuringSchedulingIgnoredDuringExecution().withWeight(5).withNewPreference()
        .withMatchExpressions(new NodeSelectorRequirementBuilder().withKey("ssd").withOperator("Exists").build())
        .endPreference().endPreferredDuringSchedulingIgnoredDuringExecution()
        .endNodeAffinity().build());
    String before = Serialization.asJson(d.getSpec().getTemplate());

    Pod pod = DaemonPodFactory.newPod(d, "worker-1", "abc123");

    assertThat(pod.getMetadata().getName()).startsWith("agent-").hasSize("agent-".length() + 10);
    assertThat(pod.getMetadata().getNamespace()).isEqualTo("ns");
    assertThat(pod.getMetadata().getLabels()).containsEntry("app", "agent").containsEntry("controller-revision-hash", "abc123");
    assertThat(pod.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
      assertThat(o.getKind()).isEqualTo("NodeDaemon");
      assertThat(o.getApiVersion()).isEqualTo("nodedaemon.io/v1alpha1");
      assertThat(o.getUid()).isEqualTo("uid-1");
      assertThat(o.getController()).isTrue();
      assertThat(o.getBlockOwnerDeletion()).isTrue();
    });
    assertThat(pod.getSpec().getNodeName()).isNull();
    var required = pod.getSpec().getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution();
    assertThat(required.getNodeSelectorTerms()).singleElement().satisfies(t -> {
      assertThat(t.getMatchExpressions()).isEmpty();
      assertThat(t.getMatchFields()).singleElement().satisfies(f -> {
        assertThat(f.getKey()).isEqualTo("metadata.name");
        assertThat(f.getOperator()).isEqualTo("In");
        assertThat(f.getValues()).containsExactly("worker-1");
      });
    });
    assertThat(pod.getSpec().getAffinity().getNodeAffinity().getPreferredDuringSchedulingIgnoredDuringExecution()).hasSize(1);
    assertThat(pod.getSpec().getTolerations()).extracting(Toleration::getKey, Toleration::getEffect).containsExactlyInAnyOrder(
        org.assertj.core.groups.Tuple.tuple("node.kubernetes.io/not-ready", "NoExecute"),
        org.assertj.core.groups.Tuple.tuple("node.kubernetes.io/unreachable", "NoExecute"),
        org.assertj.core.groups.Tuple.tuple("node.kubernetes.io/disk-pressure", "NoSchedule"),
        org.assertj.core.groups.Tuple.tuple("node.kubernetes.io/memory-pressure", "NoSchedule"),
        org.assertj.core.groups.Tuple.tuple("node.kubernetes.io/pid-pressure", "NoSchedule"),
        org.assertj.core.groups.Tuple.tuple("node.kubernetes.io/unschedulable", "NoSchedule"));
    assertThat(pod.getSpec().getTolerations()).allSatisfy(t -> assertThat(t.getTolerationSeconds()).isNull());
    assertThat(DaemonPodFactory.targetNodeName(pod)).isEqualTo("worker-1");
    assertThat(Serialization.asJson(d.getSpec().getTemplate())).as("template untouched").isEqualTo(before);
  }

  @Test
  void hostNetworkPodsAlsoTolerateNetworkUnavailable() {
    NodeDaemon d = daemon();
    d.getSpec().getTemplate().getSpec().setHostNetwork(true);
    assertThat(DaemonPodFactory.newPod(d, "n", "h").getSpec().getTolerations())
        .anyMatch(t -> "node.kubernetes.io/network-unavailable".equals(t.getKey()) && "NoSchedule".equals(t.getEffect()));
  }

  @Test
  void podNamesAreDeterministicPerNodeAndRevisionAndFitADnsLabel() {
    String longName = "a".repeat(70);
    assertThat(DaemonPodFactory.podNameFor(longName, "n1", "h")).hasSizeLessThanOrEqualTo(63);
    assertThat(DaemonPodFactory.podNameFor("agent", "n1", "h")).isEqualTo(DaemonPodFactory.podNameFor("agent", "n1", "h"));
    assertThat(DaemonPodFactory.podNameFor("agent", "n1", "h")).isNotEqualTo(DaemonPodFactory.podNameFor("agent", "n2", "h"));
    assertThat(DaemonPodFactory.podNameFor("agent", "n1", "h")).isNotEqualTo(DaemonPodFactory.podNameFor("agent", "n1", "h2"));
  }

  @Test
  void failedPodBackoffDoublesFromOneSecondToFifteenMinutes() {
    FailedPodBackoff b = new FailedPodBackoff();
    Instant t = Instant.parse("2026-01-01T00:00:00Z");
    List<Long> waits = new java.util.ArrayList<>();
    for (int i = 0; i < 12; i++) {
      b.next("k", t);
      Instant until = b.inBackoffUntil("k", t);
      waits.add(Duration.between(t, until).toSeconds());
      t = until; // the next failure is seen exactly when the backoff ends
    }
    assertThat(waits).containsExactly(1L, 2L, 4L, 8L, 16L, 32L, 64L, 128L, 256L, 512L, 900L, 900L);
    assertThat(b.inBackoffUntil("k", t)).isNull();
    // Quiet for more than twice the maximum: starts again at 1 s, and gc forgets it.
    Instant later = t.plus(Duration.ofMinutes(31));
    b.next("k", later);
    assertThat(b.inBackoffUntil("k", later)).isEqualTo(later.plusSeconds(1));
    b.gc(later.plus(Duration.ofMinutes(31)));
    assertThat(b.inBackoffUntil("k", later)).isNull();
  }

  @Test
  void slowStartBatchesDouble() {
    assertThat(SlowStart.batchSizes(0)).isEmpty();
    assertThat(SlowStart.batchSizes(1)).containsExactly(1);
    assertThat(SlowStart.batchSizes(10)).containsExactly(1, 2, 4, 3);
    assertThat(SlowStart.batchSizes(250)).containsExactly(1, 2, 4, 8, 16, 32, 64, 123);
  }
}
