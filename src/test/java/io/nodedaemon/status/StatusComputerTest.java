package io.nodedaemon.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonStatus;
import io.nodedaemon.planner.DaemonCounts;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** kstatus conditions and counters (SPEC §2). */
class StatusComputerTest {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  static NodeDaemon daemon(long generation) {
    NodeDaemon d = new NodeDaemon();
    d.setMetadata(new ObjectMetaBuilder().withName("agent").withNamespace("ns").withGeneration(generation).build());
    return d;
  }

  static StatusComputer.Observed observed(DaemonCounts c, boolean pending, StatusComputer.Problem stalled) {
    return new StatusComputer.Observed(c, "h2", "h1", null, "app=agent", c.desiredNumberScheduled(), pending, false, stalled);
  }

  static String status(NodeDaemonStatus s, String type) {
    return Conditions.find(s.getConditions(), type).getStatus();
  }

  @Test
  void convergedIsReadyAndNotReconciling() {
    NodeDaemonStatus s = StatusComputer.compute(daemon(3), observed(new DaemonCounts(2, 2, 0, 2, 2, 2, 0), false, null), T0);
    assertThat(s.getObservedGeneration()).isEqualTo(3L);
    assertThat(status(s, "Ready")).isEqualTo("True");
    assertThat(status(s, "Reconciling")).isEqualTo("False");
    assertThat(status(s, "Stalled")).isEqualTo("False");
    assertThat(s.getConditions()).allSatisfy(c -> assertThat(c.getObservedGeneration()).isEqualTo(3L));
    assertThat(s.getUpdateRevision()).isEqualTo("h2");
    assertThat(s.getCurrentRevision()).isEqualTo("h1");
  }

  @Test
  void rollingOrPlacingIsReconciling() {
    NodeDaemonStatus rolling = StatusComputer.compute(daemon(1), observed(new DaemonCounts(3, 3, 0, 3, 1, 3, 0), false, null), T0);
    assertThat(status(rolling, "Ready")).isEqualTo("False");
    assertThat(status(rolling, "Reconciling")).isEqualTo("True");
    assertThat(Conditions.find(rolling.getConditions(), "Reconciling").getReason()).isEqualTo("RollingUpdate");
    NodeDaemonStatus placing = StatusComputer.compute(daemon(1), observed(new DaemonCounts(3, 3, 0, 3, 3, 3, 0), true, null), T0);
    assertThat(Conditions.find(placing.getConditions(), "Reconciling").getReason()).isEqualTo("Placing");
  }

  @Test
  void stalledIsNotReconcilingAndCarriesTheReason() {
    NodeDaemonStatus s = StatusComputer.compute(daemon(1), observed(new DaemonCounts(3, 3, 0, 1, 1, 1, 2), false,
        new StatusComputer.Problem("ProgressDeadlineExceeded", "no progress")), T0);
    assertThat(status(s, "Stalled")).isEqualTo("True");
    assertThat(Conditions.find(s.getConditions(), "Stalled").getReason()).isEqualTo("ProgressDeadlineExceeded");
    assertThat(status(s, "Reconciling")).isEqualTo("False");
    assertThat(status(s, "Ready")).isEqualTo("False");
  }

  @Test
  void unchangedConditionsKeepTheirTransitionTimeSoNothingIsWritten() {
    NodeDaemon d = daemon(1);
    NodeDaemonStatus first = StatusComputer.compute(d, observed(new DaemonCounts(2, 2, 0, 2, 2, 2, 0), false, null), T0);
    d.setStatus(first);
    NodeDaemonStatus again = StatusComputer.compute(d, observed(new DaemonCounts(2, 2, 0, 2, 2, 2, 0), false, null), T0.plusSeconds(60));
    assertThat(again).isEqualTo(first);
    NodeDaemonStatus changed = StatusComputer.compute(d, observed(new DaemonCounts(3, 2, 0, 2, 2, 2, 1), false, null), T0.plusSeconds(60));
    assertThat(Conditions.find(changed.getConditions(), "Ready").getLastTransitionTime()).isEqualTo(T0.plusSeconds(60).toString());
  }

  @Test
  void invalidSpecKeepsCountersAndIsStalled() {
    NodeDaemon d = daemon(2);
    d.setStatus(StatusComputer.compute(daemon(1), observed(new DaemonCounts(2, 2, 0, 2, 2, 2, 0), false, null), T0));
    NodeDaemonStatus s = StatusComputer.invalid(d, new StatusComputer.Problem("InvalidSpec", "bad"), T0);
    assertThat(s.getDesiredNumberScheduled()).isEqualTo(2);
    assertThat(s.getObservedGeneration()).isEqualTo(2L);
    assertThat(status(s, "Stalled")).isEqualTo("True");
    assertThat(Conditions.find(s.getConditions(), "Stalled").getReason()).isEqualTo("InvalidSpec");
    assertThat(status(s, "Ready")).isEqualTo("False");
  }
}
