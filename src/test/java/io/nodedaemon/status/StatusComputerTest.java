package io.nodedaemon.status;

import static io.nodedaemon.planner.PlannerFixtures.T0;
import static io.nodedaemon.planner.PlannerFixtures.daemon;
import static org.assertj.core.api.Assertions.assertThat;

import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonStatus;
import io.nodedaemon.planner.DaemonCounts;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Status from one pass: apps/v1 counters and kstatus Ready/Reconciling/Stalled. */
class StatusComputerTest {
  private static final DaemonCounts CONVERGED = new DaemonCounts(3, 3, 0, 3, 3, 3, 0);

  private static StatusComputer.Observed observed(
      DaemonCounts counts,
      int targetUpdated,
      boolean writesPending,
      boolean paused,
      StatusComputer.Problem stalled) {
    return new StatusComputer.Observed(
        counts,
        "rev-2",
        "rev-1",
        0,
        "app=foo",
        targetUpdated,
        writesPending,
        paused,
        stalled,
        null,
        List.of(),
        null);
  }

  private static StatusComputer.Observed observed(DaemonCounts counts) {
    return observed(counts, counts.desiredNumberScheduled(), false, false, null);
  }

  @Test
  void countersRevisionsAndGenerationAreCopied() {
    NodeDaemon d = daemon();
    d.getMetadata().setGeneration(7L);

    NodeDaemonStatus s =
        StatusComputer.compute(
            d, d.getStatus(), observed(new DaemonCounts(5, 4, 1, 3, 2, 2, 3)), T0);

    assertThat(s.getObservedGeneration()).isEqualTo(7L);
    assertThat(s.getDesiredNumberScheduled()).isEqualTo(5);
    assertThat(s.getCurrentNumberScheduled()).isEqualTo(4);
    assertThat(s.getNumberMisscheduled()).isEqualTo(1);
    assertThat(s.getNumberReady()).isEqualTo(3);
    assertThat(s.getUpdatedNumberScheduled()).isEqualTo(2);
    assertThat(s.getNumberAvailable()).isEqualTo(2);
    assertThat(s.getNumberUnavailable()).isEqualTo(3);
    assertThat(s.getCollisionCount()).isZero();
    assertThat(s.getUpdateRevision()).isEqualTo("rev-2");
    assertThat(s.getCurrentRevision()).isEqualTo("rev-1");
    assertThat(s.getSelector()).isEqualTo("app=foo");
    assertThat(s.getConditions())
        .allSatisfy(c -> assertThat(c.getObservedGeneration()).isEqualTo(7L));
  }

  static Stream<Arguments> conditionCases() {
    return Stream.of(
        Arguments.of(
            "converged",
            observed(CONVERGED),
            "True",
            "Ready",
            "False",
            "Converged",
            "False",
            "Progressing"),
        Arguments.of(
            "a node without its pod",
            observed(new DaemonCounts(3, 2, 0, 2, 2, 2, 1)),
            "False",
            "Placing",
            "True",
            "Placing",
            "False",
            "Progressing"),
        Arguments.of(
            "a misscheduled pod",
            observed(new DaemonCounts(3, 3, 1, 3, 3, 3, 0)),
            "False",
            "Placing",
            "True",
            "Placing",
            "False",
            "Progressing"),
        Arguments.of(
            "writes still in flight",
            observed(CONVERGED, 3, true, false, null),
            "False",
            "Placing",
            "True",
            "Placing",
            "False",
            "Progressing"),
        Arguments.of(
            "rolling update under way",
            observed(new DaemonCounts(3, 3, 0, 3, 1, 3, 0)),
            "False",
            "RollingUpdate",
            "True",
            "RollingUpdate",
            "False",
            "Progressing"),
        Arguments.of(
            "rollout paused",
            observed(new DaemonCounts(3, 3, 0, 3, 1, 3, 0), 3, false, true, null),
            "False",
            "RolloutPaused",
            "True",
            "RolloutPaused",
            "False",
            "Progressing"),
        Arguments.of(
            "partition reached counts as updated",
            observed(new DaemonCounts(3, 3, 0, 3, 1, 3, 0), 1, false, false, null),
            "True",
            "Ready",
            "False",
            "Converged",
            "False",
            "Progressing"),
        Arguments.of(
            "waiting for availability",
            observed(new DaemonCounts(3, 3, 0, 3, 3, 1, 2)),
            "False",
            "WaitingForAvailability",
            "True",
            "WaitingForAvailability",
            "False",
            "Progressing"),
        Arguments.of(
            "progress deadline exceeded",
            observed(
                new DaemonCounts(3, 3, 0, 3, 1, 3, 0),
                3,
                false,
                false,
                new StatusComputer.Problem("ProgressDeadlineExceeded", "no progress for 600s")),
            "False",
            "ProgressDeadlineExceeded",
            "False",
            "ProgressDeadlineExceeded",
            "True",
            "ProgressDeadlineExceeded"),
        Arguments.of(
            "selecting all while pods are missing",
            observed(
                new DaemonCounts(3, 0, 0, 0, 0, 0, 3),
                3,
                false,
                false,
                new StatusComputer.Problem("SelectingAll", "empty selector")),
            "False",
            "SelectingAll",
            "False",
            "SelectingAll",
            "True",
            "SelectingAll"),
        Arguments.of(
            "no desired nodes is ready",
            observed(new DaemonCounts(0, 0, 0, 0, 0, 0, 0)),
            "True",
            "Ready",
            "False",
            "Converged",
            "False",
            "Progressing"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("conditionCases")
  void conditions(
      String name,
      StatusComputer.Observed o,
      String ready,
      String readyReason,
      String reconciling,
      String reconcilingReason,
      String stalled,
      String stalledReason) {
    NodeDaemonStatus s = StatusComputer.compute(daemon(), null, o, T0);

    var r = Conditions.find(s.getConditions(), Conditions.READY);
    var rec = Conditions.find(s.getConditions(), Conditions.RECONCILING);
    var st = Conditions.find(s.getConditions(), Conditions.STALLED);
    assertThat(r.getStatus()).isEqualTo(ready);
    assertThat(r.getReason()).isEqualTo(readyReason);
    assertThat(rec.getStatus()).isEqualTo(reconciling);
    assertThat(rec.getReason()).isEqualTo(reconcilingReason);
    assertThat(st.getStatus()).isEqualTo(stalled);
    assertThat(st.getReason()).isEqualTo(stalledReason);
    assertThat(
            Conditions.isTrue(s.getConditions(), Conditions.RECONCILING)
                && Conditions.isTrue(s.getConditions(), Conditions.STALLED))
        .as("kstatus: never Reconciling and Stalled at once")
        .isFalse();
  }

  @Test
  void aStalledNodeDaemonIsNotReadyEvenWhenItsCountersLookConverged() {
    NodeDaemonStatus s =
        StatusComputer.compute(
            daemon(),
            null,
            observed(
                CONVERGED,
                3,
                false,
                false,
                new StatusComputer.Problem("ProgressDeadlineExceeded", "late")),
            T0);

    assertThat(Conditions.isTrue(s.getConditions(), Conditions.READY)).isFalse();
    assertThat(Conditions.isTrue(s.getConditions(), Conditions.RECONCILING)).isFalse();
    assertThat(Conditions.find(s.getConditions(), Conditions.STALLED).getReason())
        .isEqualTo("ProgressDeadlineExceeded");
  }

  @Test
  void anUnchangedPassYieldsAnEqualStatusWithTheOldTransitionTimes() {
    NodeDaemon d = daemon();
    d.setStatus(StatusComputer.compute(d, d.getStatus(), observed(CONVERGED), T0));

    NodeDaemonStatus again =
        StatusComputer.compute(d, d.getStatus(), observed(CONVERGED), T0.plusSeconds(300));

    assertThat(again).isEqualTo(d.getStatus());
    assertThat(again.getConditions())
        .allSatisfy(c -> assertThat(c.getLastTransitionTime()).isEqualTo(T0.toString()));
  }

  @Test
  void onlyTheFlippedConditionsTakeTheNewTime() {
    NodeDaemon d = daemon();
    d.setStatus(
        StatusComputer.compute(
            d, d.getStatus(), observed(new DaemonCounts(3, 2, 0, 2, 2, 2, 1)), T0));

    NodeDaemonStatus s =
        StatusComputer.compute(d, d.getStatus(), observed(CONVERGED), T0.plusSeconds(60));

    assertThat(Conditions.find(s.getConditions(), Conditions.READY).getLastTransitionTime())
        .isEqualTo(T0.plusSeconds(60).toString());
    assertThat(Conditions.find(s.getConditions(), Conditions.RECONCILING).getLastTransitionTime())
        .isEqualTo(T0.plusSeconds(60).toString());
    assertThat(Conditions.find(s.getConditions(), Conditions.STALLED).getLastTransitionTime())
        .isEqualTo(T0.toString());
  }

  @Test
  void anInvalidSpecIsStalledWithReasonInvalidSpecAndKeepsTheCounters() {
    NodeDaemon d = daemon();
    d.setStatus(StatusComputer.compute(d, d.getStatus(), observed(CONVERGED), T0));
    d.getMetadata().setGeneration(2L);

    NodeDaemonStatus s =
        StatusComputer.invalid(
            d,
            d.getStatus(),
            new StatusComputer.Problem("InvalidSpec", "spec.minReadySeconds: must be >= 0"),
            T0.plusSeconds(10));

    assertThat(s.getObservedGeneration()).isEqualTo(2L);
    assertThat(s.getDesiredNumberScheduled()).isEqualTo(3);
    assertThat(s.getNumberAvailable()).isEqualTo(3);
    assertThat(s.getUpdateRevision()).isEqualTo("rev-2");
    var stalled = Conditions.find(s.getConditions(), Conditions.STALLED);
    assertThat(stalled.getStatus()).isEqualTo("True");
    assertThat(stalled.getReason()).isEqualTo("InvalidSpec");
    assertThat(stalled.getMessage()).contains("minReadySeconds");
    assertThat(stalled.getLastTransitionTime()).isEqualTo(T0.plusSeconds(10).toString());
    assertThat(Conditions.find(s.getConditions(), Conditions.READY).getStatus()).isEqualTo("False");
    assertThat(Conditions.find(s.getConditions(), Conditions.READY).getReason())
        .isEqualTo("InvalidSpec");
    assertThat(Conditions.find(s.getConditions(), Conditions.RECONCILING).getStatus())
        .isEqualTo("False");
  }

  @Test
  void anInvalidSpecWithoutPreviousStatusHasAllThreeConditions() {
    NodeDaemonStatus s =
        StatusComputer.invalid(
            daemon(), null, new StatusComputer.Problem("InvalidSpec", "bad"), T0);

    assertThat(s.getConditions())
        .extracting(io.fabric8.kubernetes.api.model.Condition::getType)
        .containsExactly("Ready", "Reconciling", "Stalled");
    assertThat(s.getDesiredNumberScheduled()).isZero();
  }

  @Test
  void aRepeatedInvalidPassIsUnchanged() {
    NodeDaemon d = daemon();
    var problem = new StatusComputer.Problem("InvalidSpec", "bad");
    d.setStatus(StatusComputer.invalid(d, d.getStatus(), problem, T0));

    assertThat(StatusComputer.invalid(d, d.getStatus(), problem, T0.plusSeconds(30)))
        .isEqualTo(d.getStatus());
  }
}
