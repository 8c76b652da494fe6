package io.nodedaemon.planner;

import static io.nodedaemon.planner.PlannerFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CachedPodTest {

  private static List<Pod> pods() {
    Pod pinned = PlannerFixtures.pod("pinned", "node-1", "rev-1", T0).build();
    Pod owned =
        new PodBuilder(PlannerFixtures.ready(PlannerFixtures.bound(pinned), T0))
            .editMetadata()
            .withName("owned")
            .withOwnerReferences(
                new OwnerReferenceBuilder().withUid("other").withController(false).build(),
                new OwnerReferenceBuilder().withUid("uid-foo").withController(true).build())
            .endMetadata()
            .build();
    return List.of(
        pinned,
        owned,
        PlannerFixtures.phase(pinned, "Failed"),
        PlannerFixtures.phase(pinned, "Succeeded"),
        PlannerFixtures.terminating(owned, T0),
        PlannerFixtures.labelledPod("bare", Map.of(), null),
        new PodBuilder().withNewMetadata().withName("empty").endMetadata().build());
  }

  @Test
  void readsWhatTheReadersReadFromThePlainPod() {
    for (Pod pod : pods()) {
      Pod cached = new CachedPod(pod);
      assertThat(CachedPod.read(cached)).isNotNull();
      assertThat(DaemonPodFactory.targetNodeName(cached))
          .isEqualTo(DaemonPodFactory.targetNodeName(pod));
      assertThat(PodStates.isTerminating(cached)).isEqualTo(PodStates.isTerminating(pod));
      assertThat(PodStates.phase(cached)).isEqualTo(PodStates.phase(pod));
      assertThat(PodStates.readyCondition(cached)).isEqualTo(PodStates.readyCondition(pod));
      assertThat(PodStates.revision(cached)).isEqualTo(PodStates.revision(pod));
      assertThat(PodStates.controllerOf(cached)).isEqualTo(PodStates.controllerOf(pod));
      assertThat(cached).isEqualTo(pod);
    }
    assertThat(PodStates.controllerOf(new CachedPod(pods().get(1))).getUid()).isEqualTo("uid-foo");
  }

  @Test
  void theStringsAPassComparesAreTheInternedInstances() {
    // Decoded from JSON, as the informer's are: every string is the pod's own copy.
    Pod pod = Serialization.unmarshal(Serialization.asJson(pods().get(1)), Pod.class);
    Pod cached = new CachedPod(pod);
    assertThat(PodStates.revision(pod)).isNotSameAs(PodStates.revision(pod).intern());

    assertThat(PodStates.revision(cached)).isSameAs(PodStates.revision(pod).intern());
    assertThat(DaemonPodFactory.targetNodeName(cached)).isSameAs("node-1".intern());
    assertThat(PodStates.phase(cached)).isSameAs(PodStates.phase(pod).intern());
    assertThat(PodStates.controllerOf(cached).getUid()).isSameAs("uid-foo".intern());
  }

  @Test
  void serialisesAsThePodItHoldsAndACopyReadsItsOwnFields() {
    Pod pod = pods().get(1);
    String json = Serialization.asJson(new CachedPod(pod));
    assertThat(json).isEqualTo(Serialization.asJson(pod));

    CachedPod copy = Serialization.unmarshal(json, CachedPod.class);
    assertThat(CachedPod.read(copy)).as("a copy made by Jackson read nothing in advance").isNull();
    assertThat(PodStates.revision(copy)).isEqualTo(PodStates.revision(pod));
    assertThat(PodStates.controllerOf(copy).getUid()).isEqualTo("uid-foo");
  }
}
