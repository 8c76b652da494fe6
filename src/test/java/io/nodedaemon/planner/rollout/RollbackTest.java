package io.nodedaemon.planner.rollout;

import static io.nodedaemon.planner.PlannerFixtures.daemon;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonStatus;
import io.nodedaemon.api.NodeDaemonUpdateStrategy;
import io.nodedaemon.api.RollbackStatus;
import io.nodedaemon.api.RollingUpdateNodeDaemon;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pure pieces of automatic rollback (SPEC §9) that the step simulation does not isolate. */
class RollbackTest {

  @Test
  void theTargetTemplateIsReadFromARevisionAsTheApiServerReturnsIt() {
    NodeDaemon d = daemon();
    ControllerRevision written = Revisions.plan(d, List.of(), List.of()).revisionToCreate();
    ControllerRevision read =
        Serialization.unmarshal(Serialization.asJson(written), ControllerRevision.class);
    String hash = Revisions.hashOf(written);

    assertThat(Rollback.templateOf(List.of(read), hash)).isEqualTo(d.getSpec().getTemplate());
    assertThat(Revisions.hash(Rollback.templateOf(List.of(read), hash), null)).isEqualTo(hash);
  }

  @Test
  void aStallStartsARollbackOnlyWhenAskedAndWhenThereIsSomethingOlder() {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    NodeDaemon off = daemon();
    NodeDaemon on = withRollingUpdate(daemon());

    assertThat(Rollback.start(off, "new", "old", now)).isNull();
    assertThat(Rollback.start(on, "new", "new", now))
        .as("every live pod already runs the stalled revision: nothing to go back to")
        .isNull();
    assertThat(Rollback.start(on, "new", "old", now))
        .isEqualTo(new RollbackStatus("new", "old", "2026-01-01T00:00:00Z"));
  }

  @Test
  void aRollbackIsInForceOnlyWhileTheTemplateIsTheOneThatStalled() {
    NodeDaemonStatus known = new NodeDaemonStatus();
    known.setRollback(new RollbackStatus("bad", "good", "2026-01-01T00:00:00Z"));

    assertThat(Rollback.inForce(known, "bad")).isEqualTo(known.getRollback());
    assertThat(Rollback.inForce(known, "newer")).as("a new template").isNull();
    assertThat(Rollback.inForce(known, "good")).as("back to the target's template").isNull();
    assertThat(Rollback.inForce(null, "bad")).isNull();
    assertThat(Rollback.inForce(new NodeDaemonStatus(), "bad")).isNull();
  }

  @Test
  void theRollbackPlansWithoutPartitionOrSelectorAndLeavesTheObservedObjectAlone() {
    NodeDaemon d = withRollingUpdate(daemon());
    RollingUpdateNodeDaemon ru = d.getSpec().getUpdateStrategy().getRollingUpdate();
    ru.setPartition(new IntOrString(3));
    ru.setSelector(new LabelSelector(null, Map.of("canary", "true")));
    ru.setMaxUnavailable(new IntOrString("20%"));
    NodeDaemon other = daemon();
    other.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("image:0");

    NodeDaemon target = Rollback.target(d, other.getSpec().getTemplate());

    RollingUpdateNodeDaemon planned = target.getSpec().getUpdateStrategy().getRollingUpdate();
    assertThat(planned.getPartition()).isNull();
    assertThat(planned.getSelector()).isNull();
    assertThat(planned.getMaxUnavailable()).isEqualTo(new IntOrString("20%"));
    assertThat(target.getSpec().getTemplate()).isEqualTo(other.getSpec().getTemplate());
    assertThat(ru.getPartition()).isEqualTo(new IntOrString(3));
    assertThat(d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("image:1");
  }

  @Test
  void aTargetGoneFromTheHistoryHasNoTemplate() {
    NodeDaemon d = daemon();
    ControllerRevision written = Revisions.plan(d, List.of(), List.of()).revisionToCreate();

    assertThat(Rollback.templateOf(List.of(written), "no-such-hash")).isNull();
    assertThat(Rollback.templateOf(List.of(), Revisions.hashOf(written))).isNull();
  }

  private static NodeDaemon withRollingUpdate(NodeDaemon d) {
    NodeDaemonUpdateStrategy strategy = new NodeDaemonUpdateStrategy();
    RollingUpdateNodeDaemon ru = new RollingUpdateNodeDaemon();
    ru.setAutoRollback(true);
    strategy.setRollingUpdate(ru);
    d.getSpec().setUpdateStrategy(strategy);
    return d;
  }
}
