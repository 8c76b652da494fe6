package io.nodedaemon.controller;

import static io.nodedaemon.planner.PlannerFixtures.REV;
import static io.nodedaemon.planner.PlannerFixtures.T0;
import static io.nodedaemon.planner.PlannerFixtures.pod;
import static io.nodedaemon.planner.PlannerFixtures.terminating;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.nodedaemon.planner.InFlight;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Per-pod expectations: a write stays in flight until the cache shows it, or for 5 minutes. */
class InFlightTrackerTest {
  private static final String KEY = "default/foo";
  private final InFlightTracker tracker = new InFlightTracker();
  private final Pod p1 = pod("p1", "n1", REV, T0).build();

  @Test
  void nothingWrittenMeansNothingInFlight() {
    assertThat(tracker.observe(KEY, List.of(), T0)).isEqualTo(InFlight.NONE);
  }

  @Test
  void aCreateIsInFlightUntilTheCacheShowsThePod() {
    tracker.created(KEY, "p1", "n1", T0);

    InFlight before = tracker.observe(KEY, List.of(), T0.plusSeconds(1));
    InFlight seen = tracker.observe(KEY, List.of(p1), T0.plusSeconds(2));
    InFlight after = tracker.observe(KEY, List.of(), T0.plusSeconds(3));

    assertThat(before.nodesWithPendingCreate()).containsExactly("n1");
    assertThat(before.podsPendingDelete()).isEmpty();
    assertThat(seen).isEqualTo(InFlight.NONE);
    assertThat(after).as("once observed, forgotten").isEqualTo(InFlight.NONE);
  }

  @Test
  void anUnobservedCreateExpiresAfterFiveMinutes() {
    tracker.created(KEY, "p1", "n1", T0);

    assertThat(tracker.observe(KEY, List.of(), T0.plus(Duration.ofMinutes(5))).nodesWithPendingCreate()).containsExactly("n1");
    assertThat(tracker.observe(KEY, List.of(), T0.plus(Duration.ofMinutes(5)).plusMillis(1))).isEqualTo(InFlight.NONE);
  }

  @Test
  void aRefusedCreateLeavesNothingInFlight() {
    tracker.created(KEY, "p1", "n1", T0);
    tracker.createFailed(KEY, "p1");

    assertThat(tracker.observe(KEY, List.of(), T0)).isEqualTo(InFlight.NONE);
  }

  @Test
  void aDeleteIsInFlightWhileTheCacheStillShowsTheLivePod() {
    tracker.deleted(KEY, "p1", T0);

    assertThat(tracker.observe(KEY, List.of(p1), T0.plusSeconds(1)).podsPendingDelete()).containsExactly("p1");
    assertThat(tracker.observe(KEY, List.of(terminating(p1, T0)), T0.plusSeconds(2))).as("terminating counts as seen")
        .isEqualTo(InFlight.NONE);
  }

  @Test
  void aDeleteIsDoneOnceThePodIsGoneFromTheCache() {
    tracker.deleted(KEY, "p1", T0);

    assertThat(tracker.observe(KEY, List.of(), T0.plusSeconds(1))).isEqualTo(InFlight.NONE);
  }

  @Test
  void anUnobservedDeleteExpiresAfterFiveMinutes() {
    tracker.deleted(KEY, "p1", T0);

    assertThat(tracker.observe(KEY, List.of(p1), T0.plus(Duration.ofMinutes(5))).podsPendingDelete()).containsExactly("p1");
    assertThat(tracker.observe(KEY, List.of(p1), T0.plus(Duration.ofMinutes(6)))).isEqualTo(InFlight.NONE);
  }

  @Test
  void aRefusedDeleteLeavesNothingInFlight() {
    tracker.deleted(KEY, "p1", T0);
    tracker.deleteFailed(KEY, "p1");

    assertThat(tracker.observe(KEY, List.of(p1), T0)).isEqualTo(InFlight.NONE);
  }

  @Test
  void writesAreKeptPerNodeDaemon() {
    tracker.created(KEY, "p1", "n1", T0);
    tracker.created("default/bar", "q1", "n2", T0);

    assertThat(tracker.observe(KEY, List.of(), T0).nodesWithPendingCreate()).containsExactly("n1");
    assertThat(tracker.observe("default/bar", List.of(), T0).nodesWithPendingCreate()).containsExactly("n2");
  }

  @Test
  void forgetDropsEverythingOfOneNodeDaemon() {
    tracker.created(KEY, "p1", "n1", T0);
    tracker.deleted(KEY, "p2", T0);
    tracker.created("default/bar", "q1", "n2", T0);

    tracker.forget(KEY);

    assertThat(tracker.observe(KEY, List.of(), T0)).isEqualTo(InFlight.NONE);
    assertThat(tracker.observe("default/bar", List.of(), T0).nodesWithPendingCreate()).containsExactly("n2");
  }

  @Test
  void onlyTheObservedCreateIsDroppedAndOthersStay() {
    tracker.created(KEY, "p1", "n1", T0);
    tracker.created(KEY, "p2", "n2", T0);

    assertThat(tracker.observe(KEY, List.of(p1), T0).nodesWithPendingCreate()).containsExactly("n2");
  }
}
