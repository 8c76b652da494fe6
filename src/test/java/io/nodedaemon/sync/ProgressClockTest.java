package io.nodedaemon.sync;

import static io.nodedaemon.planner.PlannerFixtures.T0;
import static io.nodedaemon.planner.PlannerFixtures.daemon;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonStatus;
import io.nodedaemon.planner.DaemonCounts;
import io.nodedaemon.planner.InFlight;
import io.nodedaemon.planner.Plan;
import io.nodedaemon.planner.rollout.ProgressDeadline;
import io.nodedaemon.planner.rollout.ProgressDeadline.ProgressRecord;
import io.nodedaemon.planner.rollout.RevisionPlan;
import io.nodedaemon.status.Conditions;
import io.nodedaemon.status.StatusComputer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The progress-deadline clock kept in status (SPEC §6), pass after pass as the reconciler chains
 * them: status in, status out, with the memory of one process that a restart throws away.
 */
class ProgressClockTest {
  private static final int DESIRED = 4;
  private static final int DEADLINE = 60;

  private static final RevisionPlan REVISIONS =
      new RevisionPlan(null, "h2", "h1", null, null, null, List.of());

  private final NodeDaemon daemon = daemon();

  ProgressClockTest() {
    daemon.getSpec().setProgressDeadlineSeconds(DEADLINE);
  }

  /** What one operator process remembers between its passes. */
  private static final class Process {
    final Map<String, ProgressRecord> memory = new HashMap<>();
  }

  /** One pass of a rollout to "h2" (4 nodes) as the core decides it: status in, status out. */
  private NodeDaemonStatus pass(
      Process process,
      NodeDaemonStatus observed,
      int updated,
      int updatedAvailable,
      int available,
      long atSecond) {
    DaemonCounts counts =
        new DaemonCounts(DESIRED, DESIRED, 0, available, updated, available, DESIRED - available);
    Plan plan =
        new Plan(
            List.of(), List.of(), List.of(), counts, DESIRED, updatedAvailable, null, List.of());
    DaemonSync.Decision decision =
        DaemonSync.updateDaemonSetStatus(
            daemon,
            observed,
            plan,
            REVISIONS,
            InFlight.NONE,
            process.memory.get("key"),
            T0.plusSeconds(atSecond));
    if (decision.progress() == null) {
      process.memory.remove("key");
    } else {
      process.memory.put("key", decision.progress());
    }
    return decision.status();
  }

  private static Condition condition(NodeDaemonStatus s, String type) {
    return Conditions.find(s.getConditions(), type);
  }

  private static boolean stalled(NodeDaemonStatus s) {
    return Conditions.isTrue(s.getConditions(), Conditions.STALLED);
  }

  @Test
  void aFreshProcessOnAStatusStuckPastTheDeadlineReportsStalledAtOnce() {
    NodeDaemonStatus stuck = pass(new Process(), null, 1, 0, 3, 0);
    assertThat(condition(stuck, Conditions.RECONCILING).getLastTransitionTime())
        .isEqualTo(T0.toString());

    NodeDaemonStatus afterRestart = pass(new Process(), stuck, 1, 0, 3, DEADLINE + 1);

    assertThat(stalled(afterRestart)).isTrue();
    assertThat(condition(afterRestart, Conditions.STALLED).getReason())
        .isEqualTo(ProgressDeadline.REASON);
    assertThat(condition(afterRestart, Conditions.RECONCILING).getStatus()).isEqualTo("False");
    assertThat(condition(afterRestart, Conditions.RECONCILING).getLastTransitionTime())
        .as("the clock stays where the last progress put it")
        .isEqualTo(T0.toString());
  }

  @Test
  void anOperatorRestartedMoreOftenThanTheDeadlineStillReportsStalled() {
    NodeDaemonStatus status = null;
    for (long t = 0; t < DEADLINE; t += 20) {
      status = pass(new Process(), status, 1, 0, 3, t);
      assertThat(stalled(status)).as("at %d s", t).isFalse();
    }
    status = pass(new Process(), status, 1, 0, 3, DEADLINE);
    assertThat(stalled(status)).isTrue();
    // And a stalled status read by yet another process stays stalled, unchanged.
    assertThat(pass(new Process(), status, 1, 0, 3, DEADLINE + 20)).isEqualTo(status);
  }

  @Test
  void aNewlyAvailableUpdatedPodMovesTheClock() {
    Process process = new Process();
    NodeDaemonStatus s = pass(process, null, 1, 0, 3, 0);
    s = pass(process, s, 1, 1, 4, 50);
    assertThat(condition(s, Conditions.RECONCILING).getStatus()).isEqualTo("True");
    assertThat(condition(s, Conditions.RECONCILING).getLastTransitionTime())
        .isEqualTo(T0.plusSeconds(50).toString());

    NodeDaemonStatus later = pass(process, s, 2, 1, 3, 100);
    assertThat(stalled(later)).as("50 s since the last progress").isFalse();
    assertThat(stalled(pass(process, later, 2, 1, 3, 110))).isTrue();
  }

  @Test
  void progressSinceTheLastStatusIsCreditedAfterARestart() {
    NodeDaemonStatus s = pass(new Process(), null, 2, 1, 3, 0);
    // While no operator ran, two more updated pods became available: 3 exceeds anything this status
    // could have counted (at most min(updated 2, available 3) = 2), so it is progress for sure.
    NodeDaemonStatus restarted = pass(new Process(), s, 3, 3, 4, DEADLINE + 5);
    assertThat(stalled(restarted)).isFalse();
    assertThat(condition(restarted, Conditions.RECONCILING).getLastTransitionTime())
        .isEqualTo(T0.plusSeconds(DEADLINE + 5).toString());
  }

  @Test
  void standingStillIsNotMistakenForProgressAfterARestart() {
    // Two updated pods available and two old ones: min(updated, available) = 2 = the count.
    NodeDaemonStatus s = pass(new Process(), null, 2, 2, 4, 0);
    NodeDaemonStatus restarted = pass(new Process(), s, 2, 2, 4, 30);
    assertThat(condition(restarted, Conditions.RECONCILING).getLastTransitionTime())
        .isEqualTo(T0.toString());
    assertThat(stalled(pass(new Process(), restarted, 2, 2, 4, DEADLINE))).isTrue();
  }

  @Test
  void aStatusThatTimesNoRolloutOfThisRevisionHasNoClock() {
    NodeDaemonStatus s = pass(new Process(), null, 1, 0, 3, 0);
    assertThat(StatusComputer.progressClock(s, "h2")).isEqualTo(T0);
    assertThat(StatusComputer.progressClock(s, "h3")).as("another revision starts afresh").isNull();
    assertThat(StatusComputer.progressClock(null, "h2")).isNull();

    condition(s, Conditions.RECONCILING).setReason(StatusComputer.PAUSED);
    assertThat(StatusComputer.progressClock(s, "h2")).as("a paused rollout is not timed").isNull();

    condition(s, Conditions.RECONCILING).setReason("RollingUpdate");
    condition(s, Conditions.RECONCILING).setLastTransitionTime("yesterday");
    assertThat(StatusComputer.progressClock(s, "h2")).as("a malformed time is no clock").isNull();
  }
}
