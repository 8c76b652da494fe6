package io.nodedaemon.planner;

import static io.nodedaemon.planner.PlannerFixtures.REV;
import static io.nodedaemon.planner.PlannerFixtures.T0;
import static io.nodedaemon.planner.PlannerFixtures.bound;
import static io.nodedaemon.planner.PlannerFixtures.daemon;
import static io.nodedaemon.planner.PlannerFixtures.names;
import static io.nodedaemon.planner.PlannerFixtures.node;
import static io.nodedaemon.planner.PlannerFixtures.phase;
import static io.nodedaemon.planner.PlannerFixtures.pod;
import static io.nodedaemon.planner.PlannerFixtures.ready;
import static io.nodedaemon.planner.PlannerFixtures.readyPod;
import static io.nodedaemon.planner.PlannerFixtures.taint;
import static io.nodedaemon.planner.PlannerFixtures.terminating;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonUpdateStrategy;
import io.nodedaemon.api.RollingUpdateNodeDaemon;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Step simulations and table cases of manage + status (SPEC §5, upstream's
 * daemon_controller_test.go): plan, apply the writes to an in-memory pod list, bind and ready pods,
 * advance the clock, plan again. The rollout's own cases are in RolloutPlannerTest.
 */
class DaemonPlannerTest {

  /** An in-memory cluster: nodes, the daemon's pods, a clock, and the planner's backoff. */
  static final class Sim {
    final NodeDaemon daemon;
    final List<Node> nodes = new ArrayList<>();
    final Map<String, Pod> pods = new LinkedHashMap<>();
    final FailedPodBackoff backoff = new FailedPodBackoff();
    final DaemonPlanner planner = new DaemonPlanner(backoff, DaemonPlanner.BURST_REPLICAS);
    InFlight inFlight = InFlight.NONE;
    Instant now = T0;
    private int counter;

    Sim(NodeDaemon daemon, Node... nodes) {
      this.daemon = daemon;
      this.nodes.addAll(List.of(nodes));
    }

    Sim(Node... nodes) {
      this(daemon(), nodes);
    }

    Plan plan() {
      return planner.updateDaemonSet(
          new PlanInput(
              daemon, List.copyOf(nodes), List.copyOf(pods.values()), REV, inFlight, now));
    }

    /** Plans and applies the creates (unbound, pending pods) and deletes. */
    Plan sync() {
      Plan plan = plan();
      for (String node : plan.nodesNeedingDaemonPods()) {
        add(pod("foo-" + node + "-" + (counter++), node, REV, now).build());
      }
      plan.podsToDelete().forEach(p -> pods.remove(p.getMetadata().getName()));
      return plan;
    }

    Pod add(Pod pod) {
      pods.put(pod.getMetadata().getName(), pod);
      return pod;
    }

    void update(String node, UnaryOperator<Pod> change) {
      pods.replaceAll(
          (name, p) -> node.equals(DaemonPodFactory.targetNodeName(p)) ? change.apply(p) : p);
    }

    void advance(Duration d) {
      now = now.plus(d);
    }
  }

  private static Node[] nodes(int count) {
    Node[] out = new Node[count];
    for (int i = 0; i < count; i++) {
      out[i] = node(String.format("node-%03d", i));
    }
    return out;
  }

  @Test
  void joinedNodesNeedPodsWhereTheFullPassCreatesThem() {
    NodeDaemon d = daemon();
    d.getSpec().getTemplate().getSpec().setNodeSelector(Map.of("role", "worker"));
    Map<String, String> worker = Map.of("role", "worker");
    Sim sim = new Sim(d, node("n1", worker), node("n2", worker));
    sim.sync();
    List<Node> joined =
        List.of(
            node("n3", worker),
            node("n4", Map.of("role", "master")),
            node("n5", worker, taint("dedicated", "db", "NoSchedule")),
            node("n6", worker));
    sim.nodes.addAll(joined);
    // n6 came back to the pod it had.
    sim.add(pod("foo-n6-old", "n6", REV, T0).build());
    Set<String> withPod = new java.util.HashSet<>();
    sim.pods.values().forEach(p -> withPod.add(DaemonPodFactory.targetNodeName(p)));

    List<String> early = DaemonPlanner.joinedNodesNeedingDaemonPods(d, joined, withPod::contains);

    assertThat(early).containsExactly("n3").isEqualTo(sim.plan().nodesNeedingDaemonPods());
  }

  @Test
  void createsOnePodOnEveryEligibleNodeAndNothingOnceThereIsOne() {
    NodeDaemon d = daemon();
    d.getSpec().getTemplate().getSpec().setNodeSelector(Map.of("role", "worker"));
    Sim sim =
        new Sim(
            d,
            node("n1", Map.of("role", "worker")),
            node("n2", Map.of("role", "master")),
            node("n3", Map.of("role", "worker")));

    Plan first = sim.sync();
    Plan second = sim.sync();

    assertThat(first.nodesNeedingDaemonPods()).containsExactly("n1", "n3");
    assertThat(first.podsToDelete()).isEmpty();
    assertThat(second.hasWrites()).isFalse();
    // The new pods are pending: placed and updated, not yet ready.
    assertThat(second.counts()).isEqualTo(new DaemonCounts(2, 2, 0, 0, 2, 0, 2));
  }

  @Test
  void aFailedPodIsDeletedOnceThenBackoffDelaysTheNextDeletionOnThatNode() {
    Sim sim = new Sim(node("n1"));
    sim.sync();
    sim.update("n1", p -> phase(bound(p), "Failed"));

    Plan kill = sim.sync();
    assertThat(kill.podsToDelete()).hasSize(1);
    assertThat(kill.events())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.type()).isEqualTo(PlannedEvent.Type.Warning);
              assertThat(e.reason()).isEqualTo("FailedDaemonPod");
              assertThat(e.message()).contains("default/foo-n1-0").contains("node n1");
            });
    // No replacement in the same pass, as upstream: the node still has a pod.
    assertThat(kill.nodesNeedingDaemonPods()).isEmpty();
    assertThat(sim.sync().nodesNeedingDaemonPods()).containsExactly("n1"); // replacement

    sim.update("n1", p -> phase(bound(p), "Failed"));
    sim.advance(Duration.ofMillis(400));
    Plan waiting = sim.sync();
    assertThat(waiting.podsToDelete()).isEmpty();
    assertThat(waiting.events()).isEmpty();
    assertThat(waiting.nodesNeedingDaemonPods()).isEmpty();
    assertThat(waiting.requeueAfter()).isEqualTo(Duration.ofMillis(600));

    sim.advance(Duration.ofMillis(600)); // t0 + 1 s: the first backoff is over
    Plan secondKill = sim.sync();
    assertThat(secondKill.podsToDelete()).hasSize(1);
    assertThat(secondKill.events()).hasSize(1);

    sim.sync(); // replacement
    sim.update("n1", p -> phase(bound(p), "Failed"));
    sim.advance(Duration.ofSeconds(1));
    assertThat(sim.sync().requeueAfter())
        .as("second backoff is 2 s from t0+1s")
        .isEqualTo(Duration.ofSeconds(1));
    sim.advance(Duration.ofSeconds(1));
    assertThat(sim.sync().podsToDelete()).hasSize(1);
  }

  @Test
  void aNodeDaemonRecreatedUnderTheSameNameDoesNotInheritTheFailedPodBackoff() {
    Sim old = new Sim(node("n1"));
    old.sync();
    old.update("n1", p -> phase(bound(p), "Failed"));
    old.sync(); // deleted: a 1 s backoff starts on n1
    old.sync(); // replacement
    old.update("n1", p -> phase(bound(p), "Failed"));
    assertThat(old.sync().podsToDelete()).as("the old NodeDaemon is in backoff on n1").isEmpty();

    // Deleted and created again under the same namespace/name: a new uid, and a failed pod on n1.
    NodeDaemon recreated = daemon();
    recreated.getMetadata().setUid("uid-foo-2");
    Pod failed = phase(bound(pod("foo-new", "n1", REV, old.now).build()), "Failed");
    Plan plan =
        old.planner.updateDaemonSet(
            new PlanInput(
                recreated, List.copyOf(old.nodes), List.of(failed), REV, InFlight.NONE, old.now));

    assertThat(names(plan.podsToDelete())).containsExactly("foo-new");
    assertThat(plan.events()).extracting(PlannedEvent::reason).containsExactly("FailedDaemonPod");
  }

  @Test
  void backoffOnOneNodeDoesNotDelayAnotherNode() {
    Sim sim = new Sim(node("n1"), node("n2"));
    sim.sync();
    sim.update("n1", p -> phase(p, "Failed"));
    sim.sync();
    sim.sync();
    sim.update("n1", p -> phase(p, "Failed"));
    sim.update("n2", p -> phase(p, "Failed"));

    Plan plan = sim.sync();

    assertThat(plan.podsToDelete())
        .extracting(DaemonPodFactory::targetNodeName)
        .containsExactly("n2");
  }

  @Test
  void aSucceededPodIsDeletedWithoutAnEventAndReplacedOnTheNextPass() {
    Sim sim = new Sim(node("n1"));
    sim.sync();
    sim.update("n1", p -> phase(bound(p), "Succeeded"));

    Plan delete = sim.sync();
    Plan replace = sim.sync();

    assertThat(delete.podsToDelete()).hasSize(1);
    assertThat(delete.events()).isEmpty();
    assertThat(delete.nodesNeedingDaemonPods()).isEmpty();
    assertThat(replace.nodesNeedingDaemonPods()).containsExactly("n1");
  }

  static Stream<Arguments> duplicateCases() {
    Instant older = T0.minusSeconds(60);
    return Stream.of(
        Arguments.of(
            "older pod kept",
            List.of(pod("a", "n1", REV, older).build(), pod("b", "n1", REV, T0).build()),
            "b"),
        Arguments.of(
            "bound pod kept over an older unbound one",
            List.of(pod("a", "n1", REV, older).build(), bound(pod("b", "n1", REV, T0).build())),
            "a"),
        Arguments.of(
            "equal creation times: first name kept (both bound)",
            List.of(bound(pod("z", "n1", REV, T0).build()), bound(pod("y", "n1", REV, T0).build())),
            "z"),
        Arguments.of(
            "equal creation times: first name kept (both unbound)",
            List.of(pod("b", "n1", REV, T0).build(), pod("a", "n1", REV, T0).build()),
            "b"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("duplicateCases")
  void duplicatesKeepTheOldestAndDeleteTheRest(String name, List<Pod> pods, String deleted) {
    Sim sim = new Sim(node("n1"));
    pods.forEach(sim::add);

    Plan plan = sim.plan();

    assertThat(names(plan.podsToDelete())).containsExactly(deleted);
    assertThat(plan.nodesNeedingDaemonPods()).isEmpty();
  }

  @Test
  void threeDuplicatesLeaveOnlyTheOldest() {
    Sim sim = new Sim(node("n1"));
    sim.add(pod("c", "n1", REV, T0.plusSeconds(2)).build());
    sim.add(pod("a", "n1", REV, T0).build());
    sim.add(pod("b", "n1", REV, T0.plusSeconds(1)).build());

    assertThat(names(sim.plan().podsToDelete())).containsExactlyInAnyOrder("b", "c");
  }

  @Test
  void aTerminatingPodIsSkippedAndNotReplacedUntilItIsGone() {
    Sim sim = new Sim(node("n1"));
    sim.add(terminating(readyPod("old", "n1", REV, T0, T0), T0));

    Plan whileTerminating = sim.sync();
    sim.pods.clear(); // the kubelet finished
    Plan afterwards = sim.sync();

    assertThat(whileTerminating.hasWrites()).isFalse();
    assertThat(afterwards.nodesNeedingDaemonPods()).containsExactly("n1");
  }

  @Test
  void aTerminatingPodBesideALiveOneIsNotCountedAsADuplicate() {
    Sim sim = new Sim(node("n1"));
    sim.add(terminating(readyPod("old", "n1", REV, T0.minusSeconds(10), T0), T0));
    sim.add(readyPod("new", "n1", REV, T0, T0));

    assertThat(sim.plan().hasWrites()).isFalse();
  }

  @Test
  void aTerminatingFailedPodDoesNotBlockTheReplacement() {
    Sim sim = new Sim(node("n1"));
    sim.add(terminating(phase(bound(pod("old", "n1", REV, T0).build()), "Failed"), T0));

    Plan plan = sim.plan();

    assertThat(plan.nodesNeedingDaemonPods()).containsExactly("n1");
    assertThat(plan.podsToDelete()).isEmpty();
  }

  @Test
  void anUnboundPodOfAVanishedNodeIsDeletedButABoundOneIsLeft() {
    Sim sim = new Sim(node("n1"));
    sim.add(readyPod("on-n1", "n1", REV, T0, T0));
    sim.add(pod("pinned-to-gone", "gone", REV, T0).build());
    sim.add(bound(pod("bound-to-gone", "gone2", REV, T0).build()));

    Plan plan = sim.plan();

    assertThat(names(plan.podsToDelete())).containsExactly("pinned-to-gone");
  }

  @Test
  void aPodOnANodeItMayNotContinueOnIsDeleted() {
    Sim sim =
        new Sim(
            node("n1", Map.of(), taint("evict", "now", "NoExecute")),
            node("n2", Map.of(), taint("cordon", "x", "NoSchedule")));
    sim.add(readyPod("p1", "n1", REV, T0, T0));
    sim.add(readyPod("p2", "n2", REV, T0, T0));

    Plan plan = sim.plan();

    assertThat(names(plan.podsToDelete()))
        .as("NoSchedule lets an existing pod stay")
        .containsExactly("p1");
    assertThat(plan.nodesNeedingDaemonPods()).isEmpty();
    assertThat(plan.counts().numberMisscheduled()).isEqualTo(2);
  }

  @Test
  void createsAreCappedAt250PerPassAndTheRemainderFollows() {
    Sim sim = new Sim(nodes(300));

    Plan first = sim.sync();
    Plan second = sim.sync();
    Plan third = sim.sync();

    assertThat(first.nodesNeedingDaemonPods())
        .hasSize(250)
        .startsWith("node-000")
        .endsWith("node-249");
    assertThat(first.requeueAfter()).isEqualTo(Duration.ofSeconds(1));
    assertThat(second.nodesNeedingDaemonPods()).hasSize(50).startsWith("node-250");
    assertThat(second.requeueAfter()).isNull();
    assertThat(third.hasWrites()).isFalse();
    assertThat(sim.pods).hasSize(300);
  }

  @Test
  void deletesAreCappedAt250PerPassAndTheRemainderFollows() {
    NodeDaemon d = daemon();
    d.getSpec().getTemplate().getSpec().setNodeSelector(Map.of("role", "none"));
    Sim sim = new Sim(d, nodes(300));
    for (Node n : sim.nodes) {
      sim.add(readyPod("p-" + n.getMetadata().getName(), n.getMetadata().getName(), REV, T0, T0));
    }

    Plan first = sim.sync();
    Plan second = sim.sync();

    assertThat(first.podsToDelete()).hasSize(250);
    assertThat(first.requeueAfter()).isEqualTo(Duration.ofSeconds(1));
    assertThat(second.podsToDelete()).hasSize(50);
    assertThat(sim.pods).isEmpty();
  }

  @Test
  void anInFlightCreatePreventsASecondCreateWhileTheCacheShowsNoPod() {
    Sim sim = new Sim(node("n1"), node("n2"));
    sim.inFlight = new InFlight(Set.of("n1"), Set.of());

    Plan plan = sim.plan();

    assertThat(plan.nodesNeedingDaemonPods()).containsExactly("n2");
  }

  @Test
  void anInFlightDeleteIsNotDeletedTwice() {
    Sim sim = new Sim(node("n1", Map.of(), taint("evict", "now", "NoExecute")), node("n2"));
    sim.add(readyPod("evicted", "n1", REV, T0, T0));
    sim.add(readyPod("a", "n2", REV, T0, T0));
    sim.add(readyPod("b", "n2", REV, T0.plusSeconds(1), T0));
    sim.add(pod("orphaned", "gone", REV, T0).build());
    sim.inFlight = new InFlight(Set.of(), Set.of("evicted", "b", "orphaned"));

    // Nor does a pending delete make room for a second pod on n2.
    assertThat(sim.plan().hasWrites()).isFalse();
  }

  @Test
  void aFailedPodAlreadyBeingDeletedGetsNoSecondDeleteNorEvent() {
    Sim sim = new Sim(node("n1"));
    sim.add(phase(bound(pod("failed", "n1", REV, T0).build()), "Failed"));
    sim.inFlight = new InFlight(Set.of(), Set.of("failed"));

    Plan plan = sim.plan();

    assertThat(plan.podsToDelete()).isEmpty();
    assertThat(plan.events()).isEmpty();
  }

  static Stream<Arguments> counterCases() {
    Instant created = T0.minusSeconds(100);
    return Stream.of(
        Arguments.of("no pods yet", 0, List.of(), new DaemonCounts(3, 0, 0, 0, 0, 0, 3), null),
        Arguments.of(
            "one ready, one pending, one missing, one misscheduled",
            0,
            List.of(
                readyPod("p1", "n1", REV, created, T0),
                bound(pod("p2", "n2", REV, created).build()),
                readyPod("px", "tainted", REV, created, T0)),
            new DaemonCounts(3, 2, 1, 1, 2, 1, 2),
            null),
        Arguments.of(
            "old revision counts as current but not updated",
            0,
            List.of(
                readyPod("p1", "n1", "old", created, T0),
                readyPod("p2", "n2", REV, created, T0),
                readyPod("p3", "n3", REV, created, T0)),
            new DaemonCounts(3, 3, 0, 3, 2, 3, 0),
            null),
        Arguments.of(
            "the oldest pod of a node is the one counted",
            0,
            List.of(
                readyPod("p1", "n1", "old", created, T0), bound(pod("p1b", "n1", REV, T0).build())),
            new DaemonCounts(3, 1, 0, 1, 0, 1, 2),
            null),
        Arguments.of(
            "minReadySeconds not yet passed: ready, not available, requeue",
            10,
            List.of(
                readyPod("p1", "n1", REV, created, T0.minusSeconds(4)),
                readyPod("p2", "n2", REV, created, T0.minusSeconds(7))),
            new DaemonCounts(3, 2, 0, 2, 2, 0, 3),
            Duration.ofSeconds(3)),
        Arguments.of(
            "minReadySeconds passed exactly: available",
            10,
            List.of(readyPod("p1", "n1", REV, created, T0.minusSeconds(10))),
            new DaemonCounts(3, 1, 0, 1, 1, 1, 2),
            null),
        Arguments.of(
            "old and available, ready not yet available, not ready, misscheduled",
            30,
            List.of(
                readyPod("pa", "n1", "old", created, T0.minusSeconds(60)),
                    readyPod("pb", "n2", REV, created, T0.minusSeconds(10)),
                bound(pod("pc", "n3", REV, created).build()),
                    readyPod("pd", "tainted", REV, created, T0)),
            new DaemonCounts(3, 3, 1, 2, 2, 1, 2),
            Duration.ofSeconds(20)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("counterCases")
  void statusCounters(
      String name, int minReadySeconds, List<Pod> pods, DaemonCounts expected, Duration requeue) {
    NodeDaemon d = daemon();
    d.getSpec().setMinReadySeconds(minReadySeconds);
    d.getSpec().setUpdateStrategy(onDelete()); // counters only: keep the rollout out of the plan
    Sim sim =
        new Sim(
            d,
            node("n1"),
            node("n2"),
            node("n3"),
            node("tainted", Map.of(), taint("k", "v", "NoSchedule")));
    pods.forEach(sim::add);

    Plan plan = sim.plan();

    assertThat(plan.counts()).isEqualTo(expected);
    assertThat(plan.requeueAfter()).isEqualTo(requeue);
  }

  @Test
  void availabilityArrivesWhenTheClockPassesMinReadySeconds() {
    NodeDaemon d = daemon();
    d.getSpec().setMinReadySeconds(30);
    Sim sim = new Sim(d, node("n1"));
    sim.sync();
    sim.update("n1", p -> ready(bound(p), sim.now));

    Plan notYet = sim.sync();
    sim.advance(Duration.ofSeconds(30));
    Plan available = sim.sync();

    assertThat(notYet.counts().numberAvailable()).isZero();
    assertThat(notYet.requeueAfter()).isEqualTo(Duration.ofSeconds(30));
    assertThat(available.counts().numberAvailable()).isEqualTo(1);
    assertThat(available.updatedAvailable()).isEqualTo(1);
    assertThat(available.requeueAfter()).isNull();
  }

  private static NodeDaemonUpdateStrategy onDelete() {
    NodeDaemonUpdateStrategy s = new NodeDaemonUpdateStrategy();
    s.setType(NodeDaemonUpdateStrategy.Type.OnDelete);
    return s;
  }

  private static NodeDaemon surgeDaemon() {
    NodeDaemon d = daemon();
    RollingUpdateNodeDaemon ru = new RollingUpdateNodeDaemon();
    ru.setMaxSurge(new IntOrString(1));
    ru.setMaxUnavailable(new IntOrString(0));
    NodeDaemonUpdateStrategy s = new NodeDaemonUpdateStrategy();
    s.setRollingUpdate(ru);
    d.getSpec().setUpdateStrategy(s);
    return d;
  }

  @Test
  void withSurgeAnOldAndANewPodShareANodeUntilTheNewOneIsAvailable() {
    Sim sim = new Sim(surgeDaemon(), node("n1"));
    sim.add(readyPod("old", "n1", "old-rev", T0.minusSeconds(100), T0.minusSeconds(100)));
    sim.add(bound(pod("new", "n1", REV, T0).build()));

    Plan whileNewIsPending = sim.sync();
    sim.update("n1", p -> REV.equals(PodStates.revision(p)) ? ready(p, sim.now) : p);
    Plan onceNewIsAvailable = sim.sync();

    assertThat(whileNewIsPending.hasWrites()).isFalse();
    assertThat(names(onceNewIsAvailable.podsToDelete())).containsExactly("old");
  }

  @Test
  void withSurgeAnOldPodThatIsNotReadyGoesAtOnce() {
    Sim sim = new Sim(surgeDaemon(), node("n1"));
    sim.add(bound(pod("old", "n1", "old-rev", T0.minusSeconds(100)).build()));
    sim.add(bound(pod("new", "n1", REV, T0).build()));

    assertThat(names(sim.plan().podsToDelete())).containsExactly("old");
  }

  @Test
  void withoutSurgeAnOldAndANewPodOnOneNodeAreDuplicates() {
    Sim sim = new Sim(node("n1"));
    sim.add(readyPod("old", "n1", "old-rev", T0.minusSeconds(100), T0.minusSeconds(100)));
    sim.add(bound(pod("new", "n1", REV, T0).build()));

    assertThat(names(sim.plan().podsToDelete())).containsExactly("new");
  }

  @Test
  void theRolloutReplacesAnOldPodOnlyOnceManageHasNothingLeftToDo() {
    Sim sim = new Sim(node("n1"), node("n2"));
    sim.add(readyPod("old1", "n1", "old-rev", T0, T0));

    Plan manage = sim.sync();
    assertThat(manage.nodesNeedingDaemonPods()).containsExactly("n2");
    assertThat(manage.podsToDelete()).isEmpty();

    sim.update("n2", p -> ready(bound(p), sim.now));
    Plan rollout = sim.sync();
    assertThat(names(rollout.podsToDelete())).containsExactly("old1");
  }
}
