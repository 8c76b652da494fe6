package io.nodedaemon.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nodedaemon.planner.PlannerFixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PodEventBatchingTest {

  private final JoinedNodes joined = new JoinedNodes();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final PodEventBatching batching = new PodEventBatching(joined, registry);
  private final List<ResourceID> scheduled = new ArrayList<>();
  private boolean timerRunning = true;

  private final Pod created =
      PlannerFixtures.pod("foo-n1", "n1", "rev-a", PlannerFixtures.T0).build();
  private final Pod bound = PlannerFixtures.bound(created);
  private final Pod ready = PlannerFixtures.ready(bound, PlannerFixtures.T0);

  @BeforeEach
  void start() {
    batching.start(
        (daemon, delay) -> {
          assertThat(delay).isEqualTo(PodEventBatching.WINDOW);
          if (timerRunning) {
            scheduled.add(daemon);
          }
          return timerRunning;
        });
  }

  private void converged() {
    joined.passed(PlannerFixtures.UID, joined.mark(), 1, "rev-a");
  }

  @Test
  void aConvergedNodeDaemonsPodProgressSharesOneDeferredPass() {
    converged();

    assertThat(batching.passNow(bound, created)).as("bound").isFalse();
    assertThat(batching.passNow(ready, bound)).as("Ready, within the window").isFalse();

    assertThat(scheduled)
        .as("one pass scheduled for both")
        .containsExactly(new ResourceID("foo", PlannerFixtures.NS));
    assertThat(registry.counter("nodedaemon_pod_events_deferred").count()).isEqualTo(2);
  }

  @Test
  void aPassStartingLetsTheNextEventScheduleAgain() {
    converged();
    assertThat(batching.passNow(bound, created)).isFalse();

    batching.passStarting(PlannerFixtures.UID);

    assertThat(batching.passNow(ready, bound)).isFalse();
    assertThat(scheduled).hasSize(2);
  }

  @Test
  void withoutAConvergedLastPassEveryEventStartsAPass() {
    assertThat(batching.passNow(bound, created)).as("no pass yet").isTrue();

    converged();
    joined.passed(PlannerFixtures.UID, joined.mark(), 1, null);
    assertThat(batching.passNow(bound, created)).as("a rollout or creates in flight").isTrue();
    assertThat(scheduled).isEmpty();
  }

  @Test
  void failuresDeletionsAndClaimChangesStartAPassAtOnce() {
    converged();
    Pod relabelled =
        new PodBuilder(ready)
            .editMetadata()
            .withLabels(Map.of("app", "other"))
            .endMetadata()
            .build();

    assertThat(batching.passNow(PlannerFixtures.phase(bound, "Failed"), bound))
        .as("failed")
        .isTrue();
    assertThat(batching.passNow(PlannerFixtures.phase(bound, "Succeeded"), bound))
        .as("succeeded")
        .isTrue();
    assertThat(batching.passNow(PlannerFixtures.terminating(ready, PlannerFixtures.T0), ready))
        .as("terminating")
        .isTrue();
    assertThat(batching.passNow(relabelled, ready)).as("labels changed").isTrue();
    assertThat(batching.passNow(PlannerFixtures.labelledPod("p", Map.of(), null), ready))
        .as("released: no controller")
        .isTrue();
    assertThat(scheduled).isEmpty();
  }

  @Test
  void anotherControllersPodIsNeverDeferred() {
    converged();
    Pod theirs = PlannerFixtures.labelledPod("p", Map.of("app", "x"), PlannerFixtures.UID);

    assertThat(batching.passNow(theirs, theirs)).as("kind X, not a NodeDaemon").isTrue();
  }

  @Test
  void whenTheTimerCannotScheduleTheEventPassesAtOnce() {
    converged();
    timerRunning = false;

    assertThat(batching.passNow(bound, created)).isTrue();

    timerRunning = true;
    assertThat(batching.passNow(ready, bound)).as("nothing left deferred").isFalse();
    assertThat(scheduled).hasSize(1);
  }

  @Test
  void aDeletedNodeDaemonIsForgotten() {
    converged();
    batching.passNow(bound, created);
    assertThat(batching.daemonKeys()).containsExactly(PlannerFixtures.UID);

    batching.forget(PlannerFixtures.UID);

    assertThat(batching.daemonKeys()).isEmpty();
  }
}
