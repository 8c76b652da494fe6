package io.nodedaemon.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonStatus;
import io.nodedaemon.planner.PlannerFixtures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OwnStatusWritesTest {

  private final OwnStatusWrites filter = new OwnStatusWrites();

  @AfterEach
  void forget() {
    OwnStatusWrites.forget(PlannerFixtures.UID);
  }

  private static NodeDaemon at(String resourceVersion) {
    NodeDaemon d = PlannerFixtures.daemon();
    d.getMetadata().setResourceVersion(resourceVersion);
    d.getMetadata().setGeneration(1L);
    return d;
  }

  @Test
  void theEventOfOurOwnStatusWriteStartsNoPass() {
    OwnStatusWrites.wrote(PlannerFixtures.UID, "11");
    assertThat(filter.accept(at("11"), at("10"))).isFalse();
  }

  @Test
  void anyOtherUpdateStartsAPass() {
    assertThat(filter.accept(at("11"), at("10"))).as("nothing written yet").isTrue();
    OwnStatusWrites.wrote(PlannerFixtures.UID, "11");
    assertThat(filter.accept(at("12"), at("11"))).as("someone else's write after ours").isTrue();
    OwnStatusWrites.forget(PlannerFixtures.UID);
    assertThat(filter.accept(at("11"), at("10"))).as("forgotten").isTrue();
  }

  @Test
  void theEventOfOurWriteArrivingBeforeItsResponseIsKnownByItsStatus() {
    NodeDaemon before = at("10");
    NodeDaemon ours = at("11");
    NodeDaemonStatus sent = new NodeDaemonStatus();
    sent.setDesiredNumberScheduled(3);
    sent.setNumberReady(2);
    ours.setStatus(Serialization.clone(sent));
    OwnStatusWrites.sending(PlannerFixtures.UID, sent);

    assertThat(filter.accept(ours, before)).as("no resourceVersion known yet").isFalse();

    NodeDaemon someoneElses = at("12");
    NodeDaemonStatus other = Serialization.clone(sent);
    other.setNumberReady(3);
    someoneElses.setStatus(other);
    assertThat(filter.accept(someoneElses, ours)).as("a status we did not send").isTrue();

    NodeDaemon specChanged = Serialization.clone(ours);
    specChanged.getMetadata().setGeneration(2L);
    assertThat(filter.accept(specChanged, before)).as("our status, and a spec change").isTrue();
  }

  @Test
  void aSpecChangeArrivingInTheSameEventAfterARelistStillStartsAPass() {
    OwnStatusWrites.wrote(PlannerFixtures.UID, "12");
    NodeDaemon changed = Serialization.clone(at("12"));
    changed.getMetadata().setGeneration(2L);
    changed.getSpec().setMinReadySeconds(30);
    assertThat(filter.accept(changed, at("10"))).isTrue();

    NodeDaemon deleting = at("12");
    deleting.getMetadata().setDeletionTimestamp("2026-01-01T00:00:00Z");
    assertThat(filter.accept(deleting, at("10"))).isTrue();
  }
}
