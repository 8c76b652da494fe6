package io.nodedaemon.controller;

import static io.nodedaemon.planner.PlannerFixtures.REV;
import static io.nodedaemon.planner.PlannerFixtures.T0;
import static io.nodedaemon.planner.PlannerFixtures.pod;
import static io.nodedaemon.planner.PlannerFixtures.terminating;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.nodedaemon.planner.InFlight;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Per-pod expectations: a write stays in flight until the cache shows it, or for 5 minutes. */
class InFlightTrackerTest {
  private static final String KEY = "uid-foo";
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

    assertThat(
            tracker
                .observe(KEY, List.of(), T0.plus(Duration.ofMinutes(5)))
                .nodesWithPendingCreate())
        .containsExactly("n1");
    assertThat(tracker.observe(KEY, List.of(), T0.plus(Duration.ofMinutes(5)).plusMillis(1)))
        .isEqualTo(InFlight.NONE);
  }

  @Test
  void aCreateIsDoneOnceTheInformerDeliveredThePodEvenIfItIsGoneBeforeThePass() {
    // Created, bound to a node that is being removed and force-deleted by the pod garbage
    // collector: the informer delivered the add and the delete, and the pass sees neither.
    Pod created = new PodBuilder(p1).editMetadata().withUid("uid-p1").endMetadata().build();
    tracker.created(KEY, "p1", "n1", T0);
    tracker.createdAs(KEY, "p1", created);

    tracker.seen(created);

    assertThat(tracker.observe(KEY, List.of(), T0.plusSeconds(1))).isEqualTo(InFlight.NONE);
  }

  @Test
  void aDeliveredPodOfAnotherUidOrATerminatingPredecessorDoesNotSatisfyACreate() {
    Pod answered = new PodBuilder(p1).editMetadata().withUid("uid-answered").endMetadata().build();
    Pod older = new PodBuilder(p1).editMetadata().withUid("uid-older").endMetadata().build();
    tracker.created(KEY, "p1", "n1", T0);
    tracker.seen(terminating(older, T0));
    tracker.createdAs(KEY, "p1", answered);
    tracker.seen(older);

    assertThat(tracker.observe(KEY, List.of(), T0.plusSeconds(1)).nodesWithPendingCreate())
        .containsExactly("n1");
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

    assertThat(tracker.observe(KEY, List.of(p1), T0.plusSeconds(1)).podsPendingDelete())
        .containsExactly("p1");
    assertThat(tracker.observe(KEY, List.of(terminating(p1, T0)), T0.plusSeconds(2)))
        .as("terminating counts as seen")
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

    assertThat(
            tracker.observe(KEY, List.of(p1), T0.plus(Duration.ofMinutes(5))).podsPendingDelete())
        .containsExactly("p1");
    assertThat(tracker.observe(KEY, List.of(p1), T0.plus(Duration.ofMinutes(6))))
        .isEqualTo(InFlight.NONE);
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
    tracker.created("uid-bar", "q1", "n2", T0);

    assertThat(tracker.observe(KEY, List.of(), T0).nodesWithPendingCreate()).containsExactly("n1");
    assertThat(tracker.observe("uid-bar", List.of(), T0).nodesWithPendingCreate())
        .containsExactly("n2");
  }

  @Test
  void forgetDropsEverythingOfOneNodeDaemon() {
    tracker.created(KEY, "p1", "n1", T0);
    tracker.deleted(KEY, "p2", T0);
    tracker.created("uid-bar", "q1", "n2", T0);

    tracker.forget(KEY);

    assertThat(tracker.observe(KEY, List.of(), T0)).isEqualTo(InFlight.NONE);
    assertThat(tracker.observe("uid-bar", List.of(), T0).nodesWithPendingCreate())
        .containsExactly("n2");
  }

  @Test
  void onlyTheObservedCreateIsDroppedAndOthersStay() {
    tracker.created(KEY, "p1", "n1", T0);
    tracker.created(KEY, "p2", "n2", T0);

    assertThat(tracker.observe(KEY, List.of(p1), T0).nodesWithPendingCreate())
        .containsExactly("n2");
  }

  @Test
  void aCreateAnsweredUnderAGeneratedNameIsSatisfiedByThatPodNotByTheTerminatingPredecessor() {
    // The derived name p1 was taken by our own terminating pod; the replacement came back as
    // p1-x7k2q.
    Pod predecessor = terminating(p1, T0);
    tracker.created(KEY, "p1", "n1", T0);
    Pod replacement =
        new PodBuilder(pod("p1-x7k2q", "n1", REV, T0).build())
            .editMetadata()
            .withUid("uid-new")
            .endMetadata()
            .build();
    tracker.createdAs(KEY, "p1", replacement);

    InFlight cacheBehind = tracker.observe(KEY, List.of(predecessor), T0.plusSeconds(1));
    InFlight caughtUp = tracker.observe(KEY, List.of(predecessor, replacement), T0.plusSeconds(2));

    assertThat(cacheBehind.nodesWithPendingCreate()).containsExactly("n1");
    assertThat(caughtUp).isEqualTo(InFlight.NONE);
  }

  @Test
  void aCreateNotYetAnsweredIsNotSatisfiedByATerminatingPodOfTheSameName() {
    tracker.created(KEY, "p1", "n1", T0);

    assertThat(
            tracker
                .observe(KEY, List.of(terminating(p1, T0)), T0.plusSeconds(1))
                .nodesWithPendingCreate())
        .containsExactly("n1");
  }

  @Test
  void aCreateAnsweredWithAnotherPodOfTheSameNameWaitsForThatPod() {
    Pod answered = new PodBuilder(p1).editMetadata().withUid("uid-answered").endMetadata().build();
    Pod older = new PodBuilder(p1).editMetadata().withUid("uid-older").endMetadata().build();
    tracker.created(KEY, "p1", "n1", T0);
    tracker.createdAs(KEY, "p1", answered);

    assertThat(tracker.observe(KEY, List.of(older), T0.plusSeconds(1)).nodesWithPendingCreate())
        .containsExactly("n1");
    assertThat(tracker.observe(KEY, List.of(answered), T0.plusSeconds(2))).isEqualTo(InFlight.NONE);
  }

  @Test
  void theNodeDaemonIsWokenJustAfterItsEarliestRememberedWriteExpires() {
    Clock clock = Clock.fixed(T0, ZoneOffset.UTC);
    Pod p2 = pod("p2", "n2", REV, T0).build();
    tracker.created(KEY, "p1", "n1", clock.instant().plusSeconds(30));
    tracker.deleted(KEY, "p2", clock.instant().plusSeconds(10));
    tracker.created("uid-bar", "q1", "n3", clock.instant());
    Instant now = clock.instant().plusSeconds(60);

    Duration wakeUp = tracker.wakeUpAfter(KEY, now);
    InFlight justBefore = tracker.observe(KEY, List.of(p2), now.plus(wakeUp).minusMillis(2));
    InFlight atWakeUp = tracker.observe(KEY, List.of(p2), now.plus(wakeUp));

    assertThat(wakeUp)
        .as("the delete at +10 s expires first, 5 min later")
        .isEqualTo(Duration.ofSeconds(250).plusMillis(1));
    assertThat(justBefore.podsPendingDelete()).containsExactly("p2");
    assertThat(atWakeUp.podsPendingDelete()).isEmpty();
    assertThat(atWakeUp.nodesWithPendingCreate())
        .as("the create made later still waits")
        .containsExactly("n1");
    assertThat(tracker.wakeUpAfter(KEY, now.plus(wakeUp))).isEqualTo(Duration.ofSeconds(20));
  }

  @Test
  void nothingRememberedMeansNoWakeUp() {
    tracker.created(KEY, "p1", "n1", T0);
    tracker.observe(KEY, List.of(p1), T0);

    assertThat(tracker.wakeUpAfter(KEY, T0)).isNull();
    assertThat(tracker.wakeUpAfter("uid-unknown", T0)).isNull();
  }

  @Test
  void aWriteAlreadyExpiredWakesTheNodeDaemonAtOnce() {
    tracker.created(KEY, "p1", "n1", T0);

    assertThat(tracker.wakeUpAfter(KEY, T0.plus(Duration.ofMinutes(7))))
        .isEqualTo(Duration.ofMillis(1));
  }
}
