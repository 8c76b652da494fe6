package io.nodedaemon.planner;

import static io.nodedaemon.planner.Fixtures.HASH;
import static io.nodedaemon.planner.Fixtures.T0;
import static io.nodedaemon.planner.Fixtures.daemon;
import static io.nodedaemon.planner.Fixtures.input;
import static io.nodedaemon.planner.Fixtures.node;
import static io.nodedaemon.planner.Fixtures.nodes;
import static io.nodedaemon.planner.Fixtures.pod;
import static io.nodedaemon.planner.Fixtures.taint;
import static io.nodedaemon.planner.Fixtures.terminating;
import static io.nodedaemon.planner.Fixtures.unbound;
import static io.nodedaemon.planner.Fixtures.withPhase;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.nodedaemon.api.NodeDaemon;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Step simulations of upstream's manage (SPEC §5), as daemon_controller_test.go does them: plan,
 * apply the plan to an in-memory pod list, plan again.
 */
class DaemonPlannerStepTest {

  final FailedPodBackoff backoff = new FailedPodBackoff();
  final DaemonPlanner planner = new DaemonPlanner(backoff);

  /** Applies a plan: deletes go, creates appear bound and ready at {@code now}. */
  static List<Pod> apply(Plan plan, NodeDaemon d, List<Pod> pods, Instant now) {
    List<Pod> next = new ArrayList<>(pods);
    next.removeAll(plan.podsToDelete());
    for (String node : plan.nodesNeedingDaemonPods()) {
      Pod created = DaemonPodFactory.newPod(d, node, HASH);
      next.add(pod(created.getMetadata().getName(), node, HASH, now));
    }
    return next;
  }

  @Test
  void createsOnePodPerEligibleNodeAndThenNothing() {
    NodeDaemon d = daemon();
    List<Node> nodes = nodes(3);
    Plan first = planner.plan(input(d, nodes, List.of(), T0));
    assertThat(first.nodesNeedingDaemonPods()).containsExactly("node-0000", "node-0001", "node-0002");
    assertThat(first.podsToDelete()).isEmpty();

    List<Pod> pods = apply(first, d, List.of(), T0);
    Plan second = planner.plan(input(d, nodes, pods, T0.plusSeconds(1)));
    assertThat(second.hasWrites()).isFalse();
    assertThat(second.counts()).isEqualTo(new DaemonCounts(3, 3, 0, 3, 3, 3, 0));
  }

  @Test
  void failedPodIsDeletedWithAnEventThenBacksOffPerNode() {
    NodeDaemon d = daemon();
    List<Node> nodes = List.of(node("n1"));
    Pod failed = withPhase(pod("p1", "n1", HASH, T0), "Failed");

    Plan first = planner.plan(input(d, nodes, List.of(failed), T0));
    assertThat(first.podsToDelete()).containsExactly(failed);
    assertThat(first.events()).singleElement().satisfies(e -> {
      assertThat(e.reason()).isEqualTo("FailedDaemonPod");
      assertThat(e.type()).isEqualTo(PlannedEvent.Type.Warning);
      assertThat(e.message()).contains("ns/p1").contains("n1");
    });
    // No replacement in the same pass, as upstream: the node still has a pod.
    assertThat(first.nodesNeedingDaemonPods()).isEmpty();

    // The replacement fails again half a second later: within the 1 s backoff, it stays.
    Pod failedAgain = withPhase(pod("p2", "n1", HASH, T0), "Failed");
    Plan inBackoff = planner.plan(input(d, nodes, List.of(failedAgain), T0.plusMillis(500)));
    assertThat(inBackoff.podsToDelete()).isEmpty();
    assertThat(inBackoff.requeueAfter()).isEqualTo(Duration.ofMillis(500));

    // After the backoff it goes, and the next backoff is 2 s.
    Plan after = planner.plan(input(d, nodes, List.of(failedAgain), T0.plusSeconds(1)));
    assertThat(after.podsToDelete()).containsExactly(failedAgain);
    Plan inSecondBackoff = planner.plan(input(d, nodes, List.of(failedAgain), T0.plusMillis(2500)));
    assertThat(inSecondBackoff.podsToDelete()).isEmpty();
    assertThat(inSecondBackoff.requeueAfter()).isEqualTo(Duration.ofMillis(500));

    // Another node is not slowed down by n1's backoff.
    Plan otherNode = planner.plan(input(d, List.of(node("n1"), node("n2")),
        List.of(withPhase(pod("p3", "n2", HASH, T0), "Failed")), T0.plusMillis(2500)));
    assertThat(otherNode.podsToDelete()).extracting(p -> p.getMetadata().getName()).containsExactly("p3");
  }

  @Test
  void succeededPodIsDeletedAndReplacedOnTheNextPass() {
    NodeDaemon d = daemon();
    Pod done = withPhase(pod("p1", "n1", HASH, T0), "Succeeded");
    Plan first = planner.plan(input(d, List.of(node("n1")), List.of(done), T0));
    assertThat(first.podsToDelete()).containsExactly(done);
    assertThat(first.nodesNeedingDaemonPods()).isEmpty();
    Plan second = planner.plan(input(d, List.of(node("n1")), List.of(), T0));
    assertThat(second.nodesNeedingDaemonPods()).containsExactly("n1");
  }

  @Test
  void duplicatesKeepTheOldestBoundPod() {
    NodeDaemon d = daemon();
    Pod oldest = pod("b-old", "n1", HASH, T0);
    Pod newer = pod("a-new", "n1", HASH, T0.plusSeconds(10));
    Plan plan = planner.plan(input(d, List.of(node("n1")), List.of(newer, oldest), T0.plusSeconds(20)));
    assertThat(plan.podsToDelete()).containsExactly(newer);
  }

  @Test
  void duplicatesWithEqualCreationTimeKeepTheFirstName() {
    NodeDaemon d = daemon();
    Pod a = pod("a", "n1", HASH, T0);
    Pod b = pod("b", "n1", HASH, T0);
    Plan plan = planner.plan(input(d, List.of(node("n1")), List.of(b, a), T0));
    assertThat(plan.podsToDelete()).containsExactly(b);
  }

  @Test
  void duplicatesPreferABoundPodOverAnOlderUnboundOne() {
    NodeDaemon d = daemon();
    Pod olderUnbound = unbound(DaemonPodFactory.newPod(d, "n1", HASH));
    olderUnbound.getMetadata().setCreationTimestamp(T0.toString());
    olderUnbound.setStatus(pod("x", "n1", HASH, T0).getStatus());
    Pod newerBound = pod("bound", "n1", HASH, T0.plusSeconds(5));
    Plan plan = planner.plan(input(d, List.of(node("n1")), List.of(olderUnbound, newerBound), T0.plusSeconds(10)));
    assertThat(plan.podsToDelete()).containsExactly(olderUnbound);
  }

  @Test
  void terminatingPodsAreNeitherDeletedNorReplacedWhileTheyTerminate() {
    NodeDaemon d = daemon();
    Pod leaving = terminating(pod("p1", "n1", HASH, T0));
    Plan plan = planner.plan(input(d, List.of(node("n1")), List.of(leaving), T0));
    assertThat(plan.hasWrites()).isFalse();
  }

  @Test
  void podsOnNodesThatShouldNotRunThemAreDeleted() {
    NodeDaemon d = daemon();
    Pod evicted = pod("p1", "n1", HASH, T0);
    Plan plan = planner.plan(input(d, List.of(node("n1", Map.of(), taint("gpu", "NoExecute"))), List.of(evicted), T0));
    assertThat(plan.podsToDelete()).containsExactly(evicted);
    assertThat(plan.counts().numberMisscheduled()).isEqualTo(1);
  }

  @Test
  void unboundPodOfAVanishedNodeIsDeletedButABoundOneIsLeftToPodGc() {
    NodeDaemon d = daemon();
    Pod pinned = unbound(DaemonPodFactory.newPod(d, "gone", HASH));
    pinned.getMetadata().setCreationTimestamp(T0.toString());
    Pod bound = pod("bound", "gone-too", HASH, T0);
    Plan plan = planner.plan(input(d, List.of(node("n1")), List.of(pinned, bound), T0));
    assertThat(plan.podsToDelete()).containsExactly(pinned);
  }

  @Test
  void burstCapLimitsCreatesAndDeletesPerPassAndTheRestFollows() {
    NodeDaemon d = daemon();
    List<Node> many = nodes(300);
    Plan first = planner.plan(input(d, many, List.of(), T0));
    assertThat(first.nodesNeedingDaemonPods()).hasSize(DaemonPlanner.BURST_REPLICAS);
    assertThat(first.requeueAfter()).isNotNull();
    List<Pod> pods = apply(first, d, List.of(), T0);
    Plan second = planner.plan(input(d, many, pods, T0));
    assertThat(second.nodesNeedingDaemonPods()).hasSize(50);

    List<Pod> all = apply(second, d, pods, T0);
    NodeDaemon evicting = daemon();
    evicting.getSpec().getTemplate().getSpec().setNodeSelector(Map.of("role", "none"));
    Plan deletes = planner.plan(input(evicting, many, all, T0));
    assertThat(deletes.podsToDelete()).hasSize(DaemonPlanner.BURST_REPLICAS);
  }

  @Test
  void aPendingCreateIsNotRepeatedWhileTheCacheLags() {
    NodeDaemon d = daemon();
    InFlight pending = new InFlight(Set.of("n1"), Set.of());
    Plan plan = planner.plan(new PlanInput(d, List.of(node("n1"), node("n2")), List.of(), HASH, pending, T0));
    assertThat(plan.nodesNeedingDaemonPods()).containsExactly("n2");
  }

  @Test
  void aPendingDeleteIsNotRepeatedAndDoesNotMakeRoomForASecondPod() {
    NodeDaemon d = daemon();
    Pod old = pod("old", "n1", HASH, T0);
    Pod dup = pod("dup", "n1", HASH, T0.plusSeconds(1));
    InFlight pending = new InFlight(Set.of(), Set.of("dup"));
    Plan plan = planner.plan(new PlanInput(d, List.of(node("n1")), List.of(old, dup), HASH, pending, T0));
    assertThat(plan.hasWrites()).isFalse();
  }

  @Test
  void countersFollowTheOldestPodPerNodeAndMinReadySeconds() {
    NodeDaemon d = daemon();
    d.getSpec().setMinReadySeconds(30);
    List<Node> nodes = List.of(node("a"), node("b"), node("c"), node("d", Map.of(), taint("x", "NoSchedule")));
    Pod availableOld = pod("pa", "a", "old", T0);
    Pod readyNotYetAvailable = pod("pb", "b", HASH, T0.plusSeconds(50));
    Pod notReady = new PodBuilder(pod("pc", "c", HASH, T0)).editStatus().withConditions().endStatus().build();
    Pod misscheduled = pod("pd", "d", HASH, T0);
    Plan plan = planner.plan(input(d, nodes, List.of(availableOld, readyNotYetAvailable, notReady, misscheduled), T0.plusSeconds(60)));
    // desired 3 (d is tainted), current 3, misscheduled 1, ready 2, updated 2, available 1, unavailable 2
    assertThat(plan.counts()).isEqualTo(new DaemonCounts(3, 3, 1, 2, 2, 1, 2));
    // b becomes available 30 s after it became ready, 20 s from now.
    assertThat(plan.requeueAfter()).isEqualTo(Duration.ofSeconds(20));
  }

  @Test
  void withSurgeAnOldAndANewPodMayShareANodeUntilTheNewOneIsAvailable() {
    NodeDaemon d = daemon();
    var strategy = new io.nodedaemon.api.NodeDaemonUpdateStrategy();
    var ru = new io.nodedaemon.api.RollingUpdateNodeDaemon();
    ru.setMaxSurge(new io.fabric8.kubernetes.api.model.IntOrString(1));
    ru.setMaxUnavailable(new io.fabric8.kubernetes.api.model.IntOrString(0));
    strategy.setRollingUpdate(ru);
    d.getSpec().setUpdateStrategy(strategy);
    Pod old = pod("old", "n1", "old", T0);
    Pod fresh = new PodBuilder(pod("new", "n1", HASH, T0.plusSeconds(5))).editStatus().withConditions().endStatus().build();
    Plan notYet = planner.plan(input(d, List.of(node("n1")), List.of(old, fresh), T0.plusSeconds(6)));
    assertThat(notYet.podsToDelete()).isEmpty();

    Pod freshReady = pod("new", "n1", HASH, T0.plusSeconds(5));
    Plan done = planner.plan(input(d, List.of(node("n1")), List.of(old, freshReady), T0.plusSeconds(6)));
    assertThat(done.podsToDelete()).containsExactly(old);
  }
}
