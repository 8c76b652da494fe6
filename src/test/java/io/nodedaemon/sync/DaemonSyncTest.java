package io.nodedaemon.sync;

import static io.nodedaemon.planner.PlannerFixtures.T0;
import static io.nodedaemon.planner.PlannerFixtures.daemon;
import static io.nodedaemon.planner.PlannerFixtures.node;
import static io.nodedaemon.planner.PlannerFixtures.readyPod;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonStatus;
import io.nodedaemon.planner.DaemonPlanner;
import io.nodedaemon.planner.FailedPodBackoff;
import io.nodedaemon.planner.InFlight;
import io.nodedaemon.planner.PlannedEvent;
import io.nodedaemon.planner.rollout.ProgressDeadline;
import io.nodedaemon.planner.rollout.RevisionPlan;
import io.nodedaemon.planner.rollout.Revisions;
import io.nodedaemon.status.Conditions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What one pass decides from what it observed: refusal, collision, progress deadline, requeue. */
class DaemonSyncTest {

  private final DaemonSync sync =
      new DaemonSync(new DaemonPlanner(new FailedPodBackoff(), DaemonPlanner.BURST_REPLICAS));

  @Test
  void aValidSpecIsNotRefused() {
    assertThat(DaemonSync.refuse(daemon(), null, T0)).isNull();
  }

  @Test
  void anEmptySelectorIsRefusedAsSelectingAllWithOneEventPerChange() {
    NodeDaemon d = daemon();
    d.getSpec().setSelector(new LabelSelector());

    DaemonSync.Decision first = DaemonSync.refuse(d, null, T0);
    DaemonSync.Decision again = DaemonSync.refuse(d, first.status(), T0.plusSeconds(30));

    assertThat(first.plan()).isNull();
    assertThat(first.requeueAfter()).isNull();
    assertThat(Conditions.find(first.status().getConditions(), Conditions.STALLED).getReason())
        .isEqualTo(PlannedEvent.SELECTING_ALL);
    assertThat(first.events())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.type()).isEqualTo(PlannedEvent.Type.Warning);
              assertThat(e.reason()).isEqualTo(PlannedEvent.SELECTING_ALL);
            });
    assertThat(again.status()).isEqualTo(first.status());
    assertThat(again.events()).isEmpty();
  }

  @Test
  void anyOtherProblemIsRefusedAsInvalidSpec() {
    NodeDaemon d = daemon();
    d.getSpec().setMinReadySeconds(-1);

    DaemonSync.Decision refused = DaemonSync.refuse(d, null, T0);

    assertThat(refused.events())
        .extracting(PlannedEvent::reason)
        .containsExactly(PlannedEvent.INVALID_SPEC);
    assertThat(refused.events().get(0).message()).contains("spec.minReadySeconds");
  }

  @Test
  void aCollisionBumpsTheCountAndAsksForAnImmediatePass() {
    NodeDaemonStatus known = new NodeDaemonStatus();
    known.setCollisionCount(2);
    RevisionPlan revisions = Revisions.plan(daemon(), List.of(), List.of());

    DaemonSync.Decision collided =
        DaemonSync.collided(
            known,
            new RevisionPlan(
                revisions.updateRevision(),
                revisions.updateHash(),
                revisions.currentHash(),
                2,
                null,
                null,
                List.of()));

    assertThat(collided.status().getCollisionCount()).isEqualTo(3);
    assertThat(known.getCollisionCount()).as("the observed status is not changed").isEqualTo(2);
    assertThat(collided.requeueAfter()).isEqualTo(Duration.ZERO);
    assertThat(collided.plan()).isNull();
  }

  @Test
  void aRolloutPastItsDeadlineIsStalledWithOneWarningEvent() {
    NodeDaemon d = daemon();
    d.getSpec().setProgressDeadlineSeconds(10);
    List<Pod> pods =
        List.of(readyPod("old", "n1", "old-rev", T0.minusSeconds(100), T0.minusSeconds(100)));
    RevisionPlan revisions = Revisions.plan(d, List.of(), pods);

    DaemonSync.Decision started = decide(d, null, pods, revisions, null, T0);
    // The old pod's delete is never carried out here: the rollout makes no progress.
    DaemonSync.Decision late =
        decide(d, started.status(), pods, revisions, started.progress(), T0.plusSeconds(11));
    DaemonSync.Decision later =
        decide(d, late.status(), pods, revisions, late.progress(), T0.plusSeconds(20));

    assertThat(started.events()).isEmpty();
    assertThat(started.requeueAfter()).isEqualTo(Duration.ofSeconds(10));
    assertThat(Conditions.isTrue(late.status().getConditions(), Conditions.STALLED)).isTrue();
    assertThat(late.events())
        .extracting(PlannedEvent::reason)
        .containsExactly(ProgressDeadline.REASON);
    assertThat(later.events()).as("one event when it turns Stalled, not one a pass").isEmpty();
  }

  @Test
  void aFailedWriteWaitsForTheBackoffButAnExpiringWriteComesFirst() {
    DaemonSync.Decision wantsOneSecond =
        new DaemonSync.Decision(
            null, null, null, new NodeDaemonStatus(), List.of(), Duration.ofSeconds(1), null);

    assertThat(DaemonSync.requeueAfter(wantsOneSecond, null, null))
        .isEqualTo(Duration.ofSeconds(1));
    assertThat(DaemonSync.requeueAfter(wantsOneSecond, Duration.ofSeconds(2), null))
        .isEqualTo(Duration.ofSeconds(2));
    assertThat(
            DaemonSync.requeueAfter(wantsOneSecond, Duration.ofSeconds(2), Duration.ofMillis(500)))
        .isEqualTo(Duration.ofMillis(500));
    assertThat(DaemonSync.requeueAfter(wantsOneSecond, null, Duration.ofMinutes(5)))
        .isEqualTo(Duration.ofSeconds(1));
  }

  private DaemonSync.Decision decide(
      NodeDaemon d,
      NodeDaemonStatus known,
      List<Pod> pods,
      RevisionPlan revisions,
      ProgressDeadline.ProgressRecord remembered,
      Instant now) {
    return sync.decide(
        new DaemonSync.Observed(
            d,
            known,
            List.of(node("n1")),
            pods,
            revisions,
            List.of(),
            InFlight.NONE,
            remembered,
            now));
  }
}
