package io.nodedaemon.planner.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.nodedaemon.api.NodeDaemonUpdateStrategy;
import io.nodedaemon.api.RollingUpdateNodeDaemon;
import io.nodedaemon.planner.PodStates;
import io.nodedaemon.planner.rollout.SimCluster.Sync;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RolloutPlannerTest {

  /** Creates the initial pods, marks them ready, then changes the template. */
  private static SimCluster rolledOut(SimCluster sim) {
    assertSync(sim.sync(), sim.nodes.size(), 0);
    sim.markPodsReady();
    sim.updateTemplate();
    return sim;
  }

  private static void assertSync(Sync sync, int creates, int deletes) {
    assertThat(sync.creates()).as("creates %s", sync.createdOn()).isEqualTo(creates);
    assertThat(sync.deletes()).as("deletes %s", sync.deleted()).isEqualTo(deletes);
  }

  // --- maxSurge == 0 -----------------------------------------------------------------------

  @Test
  void updatesPodsWithMaxUnavailableInt() {
    SimCluster sim = rolledOut(new SimCluster(5).maxUnavailable(2));

    Sync first = sim.sync();
    assertSync(first, 0, 2);
    // Deterministic order: node-name order.
    assertThat(sim.nodesOf(first.plan().oldPodsToDelete())).containsExactly("node-00", "node-01");
    assertSync(sim.sync(), 2, 0);
    sim.markPodsReady();

    assertSync(sim.sync(), 0, 2);
    assertSync(sim.sync(), 2, 0);
    sim.markPodsReady();

    assertSync(sim.sync(), 0, 1);
    assertSync(sim.sync(), 1, 0);
    sim.markPodsReady();

    assertSync(sim.sync(), 0, 0);
    assertThat(sim.count(sim.updated())).isEqualTo(5);
  }

  @Test
  void updatesPodsWithMaxUnavailablePercentRoundedUp() {
    // 25% of 10 nodes = 2.5, rounded up to 3.
    SimCluster sim = rolledOut(new SimCluster(10).maxUnavailable("25%"));

    for (int expected : new int[] {3, 3, 3, 1}) {
      assertSync(sim.sync(), 0, expected);
      assertSync(sim.sync(), expected, 0);
      sim.markPodsReady();
    }
    assertSync(sim.sync(), 0, 0);
    assertThat(sim.count(sim.updated())).isEqualTo(10);
  }

  @Test
  void defaultBudgetReplacesOneNodeAtATime() {
    SimCluster sim = rolledOut(new SimCluster(3));
    assertSync(sim.sync(), 0, 1);
    assertSync(sim.sync(), 1, 0);
    assertSync(sim.sync(), 0, 0); // the new pod is not ready yet
  }

  @Test
  void newPodsThatNeverBecomeReadyStopTheRolloutAtTheBudget() {
    SimCluster sim = rolledOut(new SimCluster(5).maxUnavailable(3));

    assertSync(sim.sync(), 0, 3);
    assertSync(sim.sync(), 3, 0);
    // The new pods never become ready: numUnavailable == maxUnavailable, nothing more happens.
    assertSync(sim.sync(), 0, 0);
    sim.advance(Duration.ofHours(1));
    assertSync(sim.sync(), 0, 0);
    assertThat(sim.readyCount()).isEqualTo(2);
  }

  @Test
  void allOldPodsNotReadyAreAllReplacedAtOnce() {
    SimCluster sim = new SimCluster(5).maxUnavailable(3);
    assertSync(sim.sync(), 5, 0); // never marked ready
    sim.updateTemplate();

    assertSync(sim.sync(), 0, 5);
    assertSync(sim.sync(), 5, 0);
    assertSync(sim.sync(), 0, 0);
  }

  @Test
  void repeatedBrokenUpdatesNeverTakeMoreThanMaxUnavailableHealthyNodes() {
    // kubernetes/kubernetes#123232: three nodes, maxUnavailable 1, three updates whose pods never
    // become ready. Before the fix the old not-ready pods did not count and all three went down.
    SimCluster sim = rolledOut(new SimCluster(3).maxUnavailable(1));
    for (int update = 0; update < 3; update++) {
      if (update > 0) {
        sim.updateTemplate();
      }
      sim.sync();
      sim.sync();
      sim.sync();
      assertThat(sim.readyCount()).as("ready pods after broken update %d", update + 1).isEqualTo(2);
    }
  }

  @Test
  void oldHealthyPodsAreSavedWhileUnavailableOnesAreReplaced() {
    // Upstream's TestDaemonSetUpdatesSaveOldHealthyPods: 20 nodes, 10 broken new pods; later
    // updates with a smaller budget replace only those 10 and never touch the healthy 10.
    SimCluster sim = rolledOut(new SimCluster(20).maxUnavailable(10));
    assertSync(sim.sync(), 0, 10);
    assertSync(sim.sync(), 10, 0);
    assertSync(sim.sync(), 0, 0);
    Set<String> healthy = sim.podNames(SimCluster::isReady);
    assertThat(healthy).hasSize(10);

    for (int maxUnavailable : new int[] {0, 1, 5, 9, 3}) {
      sim.maxUnavailable(maxUnavailable);
      sim.updateTemplate();
      assertSync(sim.sync(), 0, 10);
      assertSync(sim.sync(), 10, 0);
      assertSync(sim.sync(), 0, 0);
      assertThat(sim.podNames(SimCluster::isReady))
          .as("maxUnavailable %d", maxUnavailable)
          .isEqualTo(healthy);
    }

    // With a budget of 11, exactly one healthy pod may go.
    sim.maxUnavailable(11);
    sim.updateTemplate();
    assertSync(sim.sync(), 0, 11);
    assertSync(sim.sync(), 11, 0);
    assertThat(sim.readyCount()).isEqualTo(9);
  }

  @Test
  void templateUnchangedIsANoOp() {
    SimCluster sim = new SimCluster(5).maxUnavailable(3);
    assertSync(sim.sync(), 5, 0);
    sim.markPodsReady();
    assertSync(sim.sync(), 0, 0);
    assertThat(sim.sync().plan()).isEqualTo(RolloutPlan.NONE);
  }

  @Test
  void onDeleteStrategyPlansNothing() {
    SimCluster sim = rolledOut(new SimCluster(4).maxUnavailable(4));
    sim.daemon.getSpec().getUpdateStrategy().setType(NodeDaemonUpdateStrategy.Type.OnDelete);
    assertThat(RolloutPlanner.rollingUpdate(sim.input())).isEqualTo(RolloutPlan.NONE);
    // Someone deletes a pod: the manage stand-in recreates it with the new template.
    String victim = sim.pods.keySet().iterator().next();
    sim.pods.remove(victim);
    assertSync(sim.sync(), 1, 0);
    assertThat(sim.count(sim.updated())).isEqualTo(1);
  }

  // --- the budget arithmetic ---------------------------------------------------------------

  @ParameterizedTest(
      name = "maxUnavailable={0} maxSurge={1} desired={2} -> surge {3}, unavailable {4}")
  @CsvSource(
      nullValues = "null",
      value = {
        "null, null, 10, 0, 1",
        "1, null, 10, 0, 1",
        "3, null, 10, 0, 3",
        "20%, null, 10, 0, 2",
        "25%, null, 10, 0, 3",
        "1%, null, 10, 0, 1",
        "100%, null, 7, 0, 7",
        "0, 25%, 10, 3, 0",
        "0, 1, 10, 1, 0",
        "0, 0, 10, 0, 1", // impossible 0/0 falls back to unavailability 1, as upstream
        "0%, 0%, 10, 0, 1",
        "0, 0, 0, 0, 0",
        "50%, null, 0, 0, 0",
        "33%, 10%, 5, 1, 2",
      })
  void budgetArithmetic(
      String maxUnavailable, String maxSurge, int desired, int expectSurge, int expectUnavailable) {
    RollingUpdateNodeDaemon ru = new RollingUpdateNodeDaemon();
    ru.setMaxUnavailable(intOrString(maxUnavailable));
    ru.setMaxSurge(intOrString(maxSurge));
    Map<String, Node> desiredNodes = new HashMap<>();
    SimCluster sim = new SimCluster(desired);
    desiredNodes.putAll(sim.nodes);
    RolloutPlanner.Budget budget =
        RolloutPlanner.updatedDesiredNodeCounts(ru, desiredNodes, new HashMap<>());
    assertThat(budget)
        .isEqualTo(new RolloutPlanner.Budget(expectSurge, expectUnavailable, desired));
  }

  private static IntOrString intOrString(String s) {
    if (s == null) {
      return null;
    }
    return s.endsWith("%") ? new IntOrString(s) : new IntOrString(Integer.parseInt(s));
  }

  @Test
  void scaledValueRoundsUpOrDownAndRefusesGarbage() {
    assertThat(RolloutPlanner.scaledValue(new IntOrString("30%"), 7, true)).isEqualTo(3);
    assertThat(RolloutPlanner.scaledValue(new IntOrString("30%"), 7, false)).isEqualTo(2);
    assertThat(RolloutPlanner.scaledValue(new IntOrString("4"), 7, true)).isEqualTo(4);
    assertThatThrownBy(() -> RolloutPlanner.scaledValue(new IntOrString("a lot"), 7, true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a lot");
  }

  /** A node's state for the unavailable-count table: pod kinds on it. */
  enum NodeState {
    EMPTY,
    OLD_AVAILABLE,
    OLD_UNAVAILABLE,
    NEW_AVAILABLE,
    NEW_UNAVAILABLE,
    OLD_AND_NEW,
    TWO_OLD,
    ONLY_TERMINATING
  }

  @ParameterizedTest(name = "{0}: maxUnavailable {1} -> delete {2} (unavailable old {3})")
  @CsvSource({
    // states, maxUnavailable, expected deletions, of which old-unavailable
    "OLD_AVAILABLE OLD_AVAILABLE OLD_AVAILABLE OLD_AVAILABLE OLD_AVAILABLE, 2, 2, 0",
    "EMPTY OLD_AVAILABLE OLD_AVAILABLE OLD_AVAILABLE OLD_AVAILABLE, 2, 1, 0",
    "NEW_UNAVAILABLE OLD_AVAILABLE OLD_AVAILABLE OLD_AVAILABLE OLD_AVAILABLE, 2, 1, 0",
    "NEW_AVAILABLE OLD_AVAILABLE OLD_AVAILABLE OLD_AVAILABLE OLD_AVAILABLE, 2, 2, 0",
    "OLD_UNAVAILABLE OLD_AVAILABLE OLD_AVAILABLE OLD_AVAILABLE OLD_AVAILABLE, 2, 2, 1",
    "OLD_UNAVAILABLE OLD_UNAVAILABLE OLD_AVAILABLE OLD_AVAILABLE OLD_AVAILABLE, 1, 2, 2",
    "OLD_UNAVAILABLE OLD_UNAVAILABLE OLD_UNAVAILABLE OLD_AVAILABLE OLD_AVAILABLE, 5, 5, 3",
    "OLD_AND_NEW OLD_AVAILABLE OLD_AVAILABLE, 2, 1, 0",
    "TWO_OLD OLD_AVAILABLE OLD_AVAILABLE, 2, 1, 0",
    "ONLY_TERMINATING OLD_AVAILABLE OLD_AVAILABLE, 2, 1, 0",
    "NEW_UNAVAILABLE NEW_UNAVAILABLE OLD_AVAILABLE, 1, 0, 0",
  })
  void unavailableNodesCountAgainstTheBudget(
      String states, int maxUnavailable, int expectDeletes, int expectUnavailableDeletes) {
    SimCluster sim = new SimCluster(0).maxUnavailable(maxUnavailable);
    String oldHash = sim.updateHash();
    sim.updateTemplate();
    String newHash = sim.updateHash();
    String[] perNode = states.split(" ");
    for (int i = 0; i < perNode.length; i++) {
      String node = String.format("node-%02d", i);
      sim.addNode(node, Map.of());
      for (Pod pod : podsFor(sim, NodeState.valueOf(perNode[i]), node, oldHash, newHash)) {
        sim.pods.put(pod.getMetadata().getName(), pod);
      }
    }
    RolloutPlan plan = RolloutPlanner.rollingUpdate(sim.input());
    assertThat(plan.oldPodsToDelete()).hasSize(expectDeletes);
    assertThat(plan.oldPodsToDelete()).allMatch(p -> oldHash.equals(PodStates.revision(p)));
    assertThat(plan.oldPodsToDelete().stream().filter(p -> !SimCluster.isReady(p)))
        .hasSize(expectUnavailableDeletes);
    assertThat(plan.nodesNeedingNewPods()).isEmpty();
  }

  private static List<Pod> podsFor(
      SimCluster sim, NodeState state, String node, String oldHash, String newHash) {
    List<Pod> out = new ArrayList<>();
    switch (state) {
      case EMPTY -> {}
      case OLD_AVAILABLE -> out.add(ready(sim.newPod(node, oldHash), sim.now));
      case OLD_UNAVAILABLE -> out.add(sim.newPod(node, oldHash));
      case NEW_AVAILABLE -> out.add(ready(sim.newPod(node, newHash), sim.now));
      case NEW_UNAVAILABLE -> out.add(sim.newPod(node, newHash));
      case OLD_AND_NEW -> {
        out.add(ready(sim.newPod(node, oldHash), sim.now));
        out.add(ready(sim.newPod(node, newHash), sim.now));
      }
      case TWO_OLD -> {
        out.add(ready(sim.newPod(node, oldHash), sim.now));
        out.add(ready(sim.newPod(node, oldHash), sim.now));
      }
      case ONLY_TERMINATING -> {
        Pod pod = ready(sim.newPod(node, oldHash), sim.now);
        pod.getMetadata().setDeletionTimestamp(sim.now.toString());
        out.add(pod);
      }
    }
    return out;
  }

  private static Pod ready(Pod pod, Instant since) {
    pod.getStatus()
        .setConditions(
            List.of(
                new io.fabric8.kubernetes.api.model.PodConditionBuilder()
                    .withType("Ready")
                    .withStatus("True")
                    .withLastTransitionTime(since.toString())
                    .build()));
    return pod;
  }

  @Test
  void minReadySecondsDelaysTheNextStepAndAsksForARequeue() {
    SimCluster sim = rolledOut(new SimCluster(3).maxUnavailable(1).minReadySeconds(30));
    // Old pods became ready at T0; by now they are available.
    sim.advance(Duration.ofMinutes(5));
    assertSync(sim.sync(), 0, 1);
    assertSync(sim.sync(), 1, 0);
    sim.advance(Duration.ofSeconds(10));
    sim.setReady(true, sim.updated());

    sim.advance(Duration.ofSeconds(20));
    Sync waiting = sim.sync();
    assertSync(waiting, 0, 0);
    assertThat(waiting.plan().requeueAfter()).isEqualTo(Duration.ofSeconds(10));

    sim.advance(Duration.ofSeconds(10));
    assertSync(sim.sync(), 0, 1);
  }

  // --- maxSurge > 0 ------------------------------------------------------------------------

  @Test
  void updatesPodsWithMaxSurge() {
    SimCluster sim = rolledOut(new SimCluster(5).maxSurge(2));

    Sync first = sim.sync();
    assertSync(first, 2, 0);
    assertThat(first.createdOn()).containsExactly("node-00", "node-01");
    // Old pods stay until the new ones are available.
    assertSync(sim.sync(), 0, 0);
    sim.markPodsReady();

    assertSync(sim.sync(), 2, 2);
    assertSync(sim.sync(), 0, 0);
    sim.markPodsReady();

    assertSync(sim.sync(), 1, 2);
    assertSync(sim.sync(), 0, 0);
    sim.markPodsReady();

    assertSync(sim.sync(), 0, 1);
    assertSync(sim.sync(), 0, 0);
    assertThat(sim.pods).hasSize(5);
    assertThat(sim.count(sim.updated())).isEqualTo(5);
  }

  @Test
  void surgeWithPercentNeverSurgesMoreThanTheBudget() {
    // 25% of 10 = 2.5 -> 3 nodes may surge at once.
    SimCluster sim = rolledOut(new SimCluster(10).maxSurge("25%"));
    assertSync(sim.sync(), 3, 0);
    for (int i = 0; i < 3; i++) {
      assertSync(sim.sync(), 0, 0);
    }
    assertThat(sim.pods).hasSize(13);
  }

  @Test
  void surgeKeepsReadyOldPodsUntilTheNewOnesAreAvailable() {
    SimCluster sim = rolledOut(new SimCluster(3).maxSurge(3).minReadySeconds(60));
    sim.advance(Duration.ofMinutes(10));
    assertSync(sim.sync(), 3, 0);
    sim.setReady(true, sim.updated());

    sim.advance(Duration.ofSeconds(59));
    Sync notYet = sim.sync();
    assertSync(notYet, 0, 0);
    assertThat(notYet.plan().requeueAfter()).isEqualTo(Duration.ofSeconds(1));
    assertThat(sim.readyCount()).isEqualTo(6);

    sim.advance(Duration.ofSeconds(1));
    assertSync(sim.sync(), 0, 3);
    assertThat(sim.count(sim.old())).isZero();
  }

  @Test
  void surgeReplacesUnavailableOldPodsAtOnceOutsideTheBudget() {
    // Upstream's TestDaemonSetUpdatesAllOldPodsNotReadyMaxSurge.
    SimCluster sim = new SimCluster(5).maxSurge(3);
    assertSync(sim.sync(), 5, 0); // never ready
    sim.updateTemplate();

    sim.now = Instant.ofEpochSecond(100);
    assertSync(sim.sync(), 5, 0); // every old pod is unavailable: surge on all nodes
    sim.now = Instant.ofEpochSecond(200);
    assertSync(
        sim.sync(), 0, 5); // an old pod that is not ready goes as soon as a new pod is beside it

    sim.setReady(true, p -> true);
    sim.minReadySeconds(15);
    sim.updateTemplate();
    sim.now = Instant.ofEpochSecond(300);
    assertSync(sim.sync(), 3, 0);

    // Two of the new pods become ready at 300; one old pod on a node without a new pod fails.
    sim.setReady(true, limit(2, sim.updated()));
    Set<String> surged =
        Set.copyOf(sim.nodesOf(sim.pods.values().stream().filter(sim.updated()).toList()));
    sim.setReady(
        false, limit(1, p -> sim.old().test(p) && !surged.contains(p.getSpec().getNodeName())));

    sim.now = Instant.ofEpochSecond(310);
    assertSync(sim.sync(), 1, 0); // the new pods still wait for minReadySeconds

    sim.now = Instant.ofEpochSecond(320);
    assertSync(sim.sync(), 1, 3);

    sim.setReady(true, sim.updated());
    sim.now = Instant.ofEpochSecond(340);
    assertSync(sim.sync(), 0, 2);
    sim.now = Instant.ofEpochSecond(350);
    assertSync(sim.sync(), 0, 0);
    assertThat(sim.count(sim.updated())).isEqualTo(5);
    assertThat(sim.pods).hasSize(5);
  }

  private static java.util.function.Predicate<Pod> limit(
      int n, java.util.function.Predicate<Pod> which) {
    int[] left = {n};
    return p -> which.test(p) && left[0]-- > 0;
  }

  @Test
  void surgeDeletesOldPodOnANodeThatShouldNoLongerRunOnlyWhenAvailabilityAllows() {
    SimCluster sim = rolledOut(new SimCluster(3).maxSurge(1));
    // node-02 stops qualifying (still allowed to continue): its pod is "sunset".
    RolloutInput in = sim.input();
    Map<String, Node> desired = new HashMap<>(sim.nodes);
    desired.remove("node-02");
    RolloutPlan plan =
        RolloutPlanner.rollingUpdate(
            new RolloutInput(
                in.daemon(), in.nodeToDaemonPods(), desired, in.updateHash(), in.now()));
    // 3 available > 2 desired: the sunset pod may go; one surge on node-00.
    assertThat(sim.nodesOf(plan.oldPodsToDelete())).containsExactly("node-02");
    assertThat(plan.nodesNeedingNewPods()).containsExactly("node-00");

    sim.setReady(false, p -> p.getSpec().getNodeName().equals("node-00"));
    in = sim.input();
    plan =
        RolloutPlanner.rollingUpdate(
            new RolloutInput(
                in.daemon(), in.nodeToDaemonPods(), desired, in.updateHash(), in.now()));
    // Now only 2 available == 2 desired: keep the sunset pod; node-00's broken pod gets a new one.
    assertThat(plan.oldPodsToDelete()).isEmpty();
    assertThat(plan.nodesNeedingNewPods()).containsExactly("node-00", "node-01");
  }

  // --- NodeDaemon additions: partition, selector, paused -------------------------------------

  @Test
  void partitionKeepsTheFirstNodesOnTheOldRevision() {
    SimCluster sim = rolledOut(new SimCluster(5).maxUnavailable(5));
    sim.rollingUpdate().setPartition(new IntOrString(2));

    Sync sync = sim.sync();
    assertThat(sim.nodesOf(sync.plan().oldPodsToDelete()))
        .containsExactly("node-02", "node-03", "node-04");
    sim.sync();
    sim.markPodsReady();
    assertSync(sim.sync(), 0, 0);
    assertThat(sim.nodesOf(sim.pods.values().stream().filter(sim.old()).toList()))
        .containsExactlyInAnyOrder("node-00", "node-01");

    // Lowering the partition continues the canary.
    sim.rollingUpdate().setPartition(new IntOrString(0));
    assertSync(sim.sync(), 0, 2);
  }

  @Test
  void partitionPercentIsRoundedUp() {
    SimCluster sim = rolledOut(new SimCluster(10).maxUnavailable("100%"));
    sim.rollingUpdate().setPartition(new IntOrString("25%")); // 2.5 -> 3 nodes held back
    Sync sync = sim.sync();
    assertThat(sync.deletes()).isEqualTo(7);
    assertThat(sim.nodesOf(sync.plan().oldPodsToDelete()))
        .doesNotContain("node-00", "node-01", "node-02");
  }

  @Test
  void partitionedNodesStillCountAgainstTheBudget() {
    SimCluster sim = rolledOut(new SimCluster(4).maxUnavailable(1));
    sim.rollingUpdate().setPartition(new IntOrString(1));
    sim.setReady(false, p -> p.getSpec().getNodeName().equals("node-00"));
    // node-00 is unavailable and held back: the budget of 1 is used up, nothing else may go.
    RolloutPlan plan = RolloutPlanner.rollingUpdate(sim.input());
    assertThat(plan.oldPodsToDelete()).isEmpty();
  }

  @Test
  void partitionHoldsBackSurgeToo() {
    SimCluster sim = rolledOut(new SimCluster(4).maxSurge(4));
    sim.rollingUpdate().setPartition(new IntOrString("50%"));
    assertThat(sim.sync().createdOn()).containsExactly("node-02", "node-03");
  }

  @Test
  void selectorLimitsTheUpdateToMatchingNodes() {
    SimCluster sim = new SimCluster(0).maxUnavailable(10);
    for (int i = 0; i < 6; i++) {
      sim.addNode(String.format("node-%02d", i), i % 2 == 0 ? Map.of("canary", "true") : Map.of());
    }
    rolledOut(sim);
    sim.rollingUpdate().setSelector(new LabelSelector(null, Map.of("canary", "true")));
    Sync sync = sim.sync();
    assertThat(sim.nodesOf(sync.plan().oldPodsToDelete()))
        .containsExactly("node-00", "node-02", "node-04");

    sim.sync();
    sim.markPodsReady();
    assertSync(sim.sync(), 0, 0);
    // matchExpressions work too: NotIn selects the rest.
    sim.rollingUpdate()
        .setSelector(
            new LabelSelector(
                List.of(new LabelSelectorRequirement("canary", "DoesNotExist", null)), null));
    assertThat(sim.nodesOf(sim.sync().plan().oldPodsToDelete()))
        .containsExactly("node-01", "node-03", "node-05");
  }

  @Test
  void pausedRolloutReplacesNothingButNewNodesStillGetPods() {
    SimCluster sim = rolledOut(new SimCluster(3).maxUnavailable(3));
    sim.rollingUpdate().setPaused(true);
    assertSync(sim.sync(), 0, 0);
    sim.addNode("node-99", Map.of());
    Sync sync = sim.sync();
    assertSync(sync, 1, 0);
    assertThat(sim.count(sim.updated())).isEqualTo(1);

    sim.rollingUpdate().setPaused(false);
    assertSync(sim.sync(), 0, 2); // node-99's new pod is not ready: 1 of 3 spent
  }

  @Test
  void invalidSelectorOperatorIsRefused() {
    SimCluster sim = rolledOut(new SimCluster(2));
    sim.rollingUpdate()
        .setSelector(
            new LabelSelector(
                List.of(new LabelSelectorRequirement("k", "Near", List.of("v"))), null));
    assertThatThrownBy(() -> RolloutPlanner.rollingUpdate(sim.input()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // --- scale --------------------------------------------------------------------------------

  @Test
  void fiveThousandNodesDeleteTheirTenPercentInOnePass() {
    // Timing is the benchmarks' business (docs/benchmarks.md); this pins the result at scale.
    SimCluster sim = rolledOut(new SimCluster(5000).maxUnavailable("10%"));
    RolloutPlan plan = RolloutPlanner.rollingUpdate(sim.input());
    assertThat(plan.oldPodsToDelete()).hasSize(500);
  }
}
