package io.nodedaemon.planner;

import static io.nodedaemon.planner.PlannerFixtures.REV;
import static io.nodedaemon.planner.PlannerFixtures.T0;
import static io.nodedaemon.planner.PlannerFixtures.bound;
import static io.nodedaemon.planner.PlannerFixtures.node;
import static io.nodedaemon.planner.PlannerFixtures.phase;
import static io.nodedaemon.planner.PlannerFixtures.pod;
import static io.nodedaemon.planner.PlannerFixtures.ready;
import static io.nodedaemon.planner.PlannerFixtures.taint;
import static io.nodedaemon.planner.PlannerFixtures.terminating;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonUpdateStrategy;
import io.nodedaemon.api.RollingUpdateNodeDaemon;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The planner's promises on generated clusters (issue 12): nodes with or without the selected label
 * and with NoSchedule/NoExecute taints; pods missing, pending, ready, not yet available, failed,
 * succeeded, terminating, duplicated, of the old or the update revision; RollingUpdate with any
 * budget, partition and pause, or OnDelete. On every input the plan deletes only pods it was given,
 * stays within the per-pass cap, never plans a second live pod for a node outside a surge, and
 * never takes more nodes down than maxUnavailable allows.
 */
class DaemonPlannerPropertiesTest {

  static final String OLD = "rev-0";
  static final int BURST = 3;
  static final int MIN_READY_SECONDS = 30;

  /** One pod as generated: its revision and its state. */
  record PodCase(boolean updated, State state, int ageSeconds) {}

  enum State {
    PENDING,
    RUNNING_NOT_READY,
    READY_NOT_YET_AVAILABLE,
    AVAILABLE,
    FAILED,
    SUCCEEDED,
    TERMINATING
  }

  /** One node as generated: whether the daemon selects it, its taint, its daemon pods. */
  record NodeCase(boolean selected, int taint, List<PodCase> pods) {}

  record Strategy(
      boolean onDelete, int maxUnavailable, int maxSurge, Integer partition, boolean paused) {}

  record Scenario(List<NodeCase> nodes, Strategy strategy, boolean minReady) {

    NodeDaemon daemon() {
      NodeDaemon d = PlannerFixtures.daemon();
      d.getSpec().getTemplate().getSpec().setNodeSelector(Map.of("pool", "daemons"));
      d.getSpec().setMinReadySeconds(minReady ? MIN_READY_SECONDS : 0);
      NodeDaemonUpdateStrategy s = new NodeDaemonUpdateStrategy();
      if (strategy.onDelete()) {
        s.setType(NodeDaemonUpdateStrategy.Type.OnDelete);
      } else {
        RollingUpdateNodeDaemon ru = new RollingUpdateNodeDaemon();
        ru.setMaxUnavailable(new IntOrString(strategy.maxUnavailable()));
        ru.setMaxSurge(new IntOrString(strategy.maxSurge()));
        if (strategy.partition() != null) {
          ru.setPartition(new IntOrString(strategy.partition()));
        }
        ru.setPaused(strategy.paused());
        s.setRollingUpdate(ru);
      }
      d.getSpec().setUpdateStrategy(s);
      return d;
    }

    static String nodeName(int i) {
      return String.format("n%02d", i);
    }

    List<Node> kubeNodes() {
      List<Node> out = new ArrayList<>();
      for (int i = 0; i < nodes.size(); i++) {
        NodeCase n = nodes.get(i);
        Map<String, String> labels = n.selected() ? Map.of("pool", "daemons") : Map.of();
        out.add(
            switch (n.taint()) {
              case 1 -> node(nodeName(i), labels, taint("dedicated", "x", "NoSchedule"));
              case 2 -> node(nodeName(i), labels, taint("dedicated", "x", "NoExecute"));
              default -> node(nodeName(i), labels);
            });
      }
      return out;
    }

    /** The pods, and for each the node it is pinned to. */
    Map<Pod, String> pods() {
      Map<Pod, String> out = new java.util.LinkedHashMap<>();
      for (int i = 0; i < nodes.size(); i++) {
        List<PodCase> cases = nodes.get(i).pods();
        for (int j = 0; j < cases.size(); j++) {
          out.put(generatedPod(nodeName(i), j, cases.get(j)), nodeName(i));
        }
      }
      return out;
    }

    private static Pod generatedPod(String node, int j, PodCase c) {
      var created = T0.minusSeconds(600 + c.ageSeconds());
      Pod p = pod("foo-" + node + "-" + j, node, c.updated() ? REV : OLD, created).build();
      return switch (c.state()) {
        case PENDING -> p;
        case RUNNING_NOT_READY -> phase(bound(p), "Running");
        case READY_NOT_YET_AVAILABLE -> ready(bound(p), T0.minusSeconds(5));
        case AVAILABLE -> ready(bound(p), T0.minusSeconds(300));
        case FAILED -> phase(bound(p), "Failed");
        case SUCCEEDED -> phase(bound(p), "Succeeded");
        case TERMINATING -> terminating(ready(bound(p), T0.minusSeconds(300)), T0.minusSeconds(1));
      };
    }
  }

  @Provide
  Arbitrary<Scenario> scenarios() {
    // Weighted towards a settled cluster (one available pod a node), or the rollout, which runs
    // only once manage has nothing left to do, would hardly ever be reached.
    Arbitrary<State> state =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(12, Arbitraries.just(State.AVAILABLE)),
            net.jqwik.api.Tuple.of(1, Arbitraries.of(State.class)));
    Arbitrary<PodCase> pod =
        Combinators.combine(
                Arbitraries.of(true, false), state, Arbitraries.integers().between(0, 120))
            .as(PodCase::new);
    Arbitrary<List<PodCase>> pods =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(10, pod.list().ofSize(1)),
            net.jqwik.api.Tuple.of(1, pod.list().ofMaxSize(3)));
    Arbitrary<NodeCase> node =
        Combinators.combine(
                Arbitraries.frequency(
                    net.jqwik.api.Tuple.of(8, true), net.jqwik.api.Tuple.of(1, false)),
                Arbitraries.frequency(
                    net.jqwik.api.Tuple.of(10, 0),
                    net.jqwik.api.Tuple.of(1, 1),
                    net.jqwik.api.Tuple.of(1, 2)),
                pods)
            .as(NodeCase::new);
    Arbitrary<Strategy> strategy =
        Combinators.combine(
                Arbitraries.of(false, false, false, true),
                Arbitraries.integers().between(0, 3),
                Arbitraries.integers().between(0, 2),
                Arbitraries.integers().between(0, 6).injectNull(0.6),
                Arbitraries.of(false, false, false, true))
            // maxUnavailable and maxSurge may not both be 0 (SPEC §1: refused before planning).
            .as(
                (onDelete, mu, ms, partition, paused) ->
                    new Strategy(onDelete, mu == 0 && ms == 0 ? 1 : mu, ms, partition, paused));
    return Combinators.combine(node.list().ofMaxSize(10), strategy, Arbitraries.of(true, false))
        .as(Scenario::new);
  }

  private static Plan plan(Scenario s) {
    return new DaemonPlanner(new FailedPodBackoff(), BURST)
        .updateDaemonSet(
            new PlanInput(
                s.daemon(), s.kubeNodes(), List.copyOf(s.pods().keySet()), REV, InFlight.NONE, T0));
  }

  /**
   * The informer cache stores {@link CachedPod}s, whose fields are read once: a pass over them must
   * plan exactly what a pass over the same pods read field by field plans.
   */
  @Property(tries = 500)
  void podsReadOnceInTheCachePlanAlike(@ForAll("scenarios") Scenario s) {
    List<Pod> cached = s.pods().keySet().stream().map(p -> (Pod) new CachedPod(p)).toList();
    Plan fromCache =
        new DaemonPlanner(new FailedPodBackoff(), BURST)
            .updateDaemonSet(
                new PlanInput(s.daemon(), s.kubeNodes(), cached, REV, InFlight.NONE, T0));

    assertThat(fromCache).isEqualTo(plan(s));
  }

  @Property(tries = 500)
  void deletesOnlyPodsItWasGivenAndCreatesOnlyOnExistingNodes(@ForAll("scenarios") Scenario s) {
    Plan plan = plan(s);

    Set<String> given = new HashSet<>();
    s.pods().keySet().forEach(p -> given.add(p.getMetadata().getName()));
    assertThat(plan.podsToDelete()).allMatch(p -> given.contains(p.getMetadata().getName()));
    assertThat(plan.podsToDelete())
        .as("no terminating pod is deleted again")
        .allMatch(p -> p.getMetadata().getDeletionTimestamp() == null);
    Set<String> nodes = new HashSet<>();
    s.kubeNodes().forEach(n -> nodes.add(n.getMetadata().getName()));
    assertThat(plan.nodesNeedingDaemonPods()).allMatch(nodes::contains).doesNotHaveDuplicates();
  }

  @Property(tries = 500)
  void staysWithinThePerPassCap(@ForAll("scenarios") Scenario s) {
    Plan plan = plan(s);

    assertThat(plan.nodesNeedingDaemonPods()).hasSizeLessThanOrEqualTo(BURST);
    assertThat(plan.podsToDelete()).hasSizeLessThanOrEqualTo(BURST);
  }

  @Property(tries = 500)
  void aNewPodGoesOnlyWhereNoLivePodStaysOutsideASurge(@ForAll("scenarios") Scenario s) {
    Plan plan = plan(s);

    Map<String, Integer> staying = livePodsStaying(s, plan);
    boolean surge = !s.strategy().onDelete() && s.strategy().maxSurge() > 0;
    for (String node : plan.nodesNeedingDaemonPods()) {
      assertThat(staying.getOrDefault(node, 0))
          .as("live pods staying on %s, which gets a new pod", node)
          .isLessThanOrEqualTo(surge ? 1 : 0);
    }
    // Nodes that should run no pod get none.
    Set<String> unselected = new HashSet<>();
    for (int i = 0; i < s.nodes().size(); i++) {
      if (!s.nodes().get(i).selected() || s.nodes().get(i).taint() != 0) {
        unselected.add(Scenario.nodeName(i));
      }
    }
    assertThat(plan.nodesNeedingDaemonPods()).noneMatch(unselected::contains);
  }

  @Property(tries = 500)
  void neverTakesMoreNodesDownThanTheBudget(@ForAll("scenarios") Scenario s) {
    Plan plan = plan(s);
    if (s.strategy().onDelete()) {
      // OnDelete replaces nothing by itself: no available pod of a desired node is deleted.
      assertThat(newlyUnavailable(s, plan)).isZero();
      return;
    }
    int before = unavailableBefore(s);
    int budget = s.strategy().maxSurge() > 0 ? 0 : s.strategy().maxUnavailable();
    assertThat(newlyUnavailable(s, plan))
        .as("nodes taken down with %d unavailable before, maxUnavailable %d", before, budget)
        .isLessThanOrEqualTo(Math.max(0, budget - before));
  }

  private static boolean live(Pod p) {
    String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
    return p.getMetadata().getDeletionTimestamp() == null
        && !"Failed".equals(phase)
        && !"Succeeded".equals(phase);
  }

  private static boolean available(Pod p, int minReadySeconds) {
    return live(p)
        && p.getStatus() != null
        && p.getStatus().getConditions() != null
        && p.getStatus().getConditions().stream()
            .anyMatch(
                c ->
                    "Ready".equals(c.getType())
                        && "True".equals(c.getStatus())
                        && !java.time.Instant.parse(c.getLastTransitionTime())
                            .plusSeconds(minReadySeconds)
                            .isAfter(T0));
  }

  private static Map<String, Integer> livePodsStaying(Scenario s, Plan plan) {
    Set<String> deleted = new HashSet<>();
    plan.podsToDelete().forEach(p -> deleted.add(p.getMetadata().getName()));
    Map<String, Integer> staying = new HashMap<>();
    s.pods()
        .forEach(
            (pod, node) -> {
              if (live(pod) && !deleted.contains(pod.getMetadata().getName())) {
                staying.merge(node, 1, Integer::sum);
              }
            });
    return staying;
  }

  /** Desired nodes (selected, untainted) without an available pod now. */
  private static int unavailableBefore(Scenario s) {
    int minReady = s.minReady() ? MIN_READY_SECONDS : 0;
    Map<String, Boolean> availableOn = new HashMap<>();
    s.pods()
        .forEach(
            (pod, node) -> availableOn.merge(node, available(pod, minReady), Boolean::logicalOr));
    int unavailable = 0;
    for (int i = 0; i < s.nodes().size(); i++) {
      NodeCase n = s.nodes().get(i);
      if (n.selected()
          && n.taint() == 0
          && !availableOn.getOrDefault(Scenario.nodeName(i), false)) {
        unavailable++;
      }
    }
    return unavailable;
  }

  /**
   * Desired nodes with exactly one live pod, available, which the plan deletes (nodes with
   * duplicates are left out: manage keeps the oldest of them whatever their readiness, as
   * upstream).
   */
  private static int newlyUnavailable(Scenario s, Plan plan) {
    int minReady = s.minReady() ? MIN_READY_SECONDS : 0;
    Set<String> deleted = new HashSet<>();
    plan.podsToDelete().forEach(p -> deleted.add(p.getMetadata().getName()));
    Map<String, List<Pod>> liveByNode = new HashMap<>();
    s.pods()
        .forEach(
            (pod, node) -> {
              if (live(pod)) {
                liveByNode.computeIfAbsent(node, k -> new ArrayList<>()).add(pod);
              }
            });
    int down = 0;
    for (int i = 0; i < s.nodes().size(); i++) {
      NodeCase n = s.nodes().get(i);
      List<Pod> live = liveByNode.getOrDefault(Scenario.nodeName(i), List.of());
      if (n.selected() && n.taint() == 0 && live.size() == 1) {
        Pod only = live.get(0);
        if (available(only, minReady) && deleted.contains(only.getMetadata().getName())) {
          down++;
        }
      }
    }
    return down;
  }
}
