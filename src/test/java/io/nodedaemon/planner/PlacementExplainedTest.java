package io.nodedaemon.planner;

import static io.nodedaemon.planner.PlannerFixtures.REV;
import static io.nodedaemon.planner.PlannerFixtures.T0;
import static io.nodedaemon.planner.PlannerFixtures.daemon;
import static io.nodedaemon.planner.PlannerFixtures.node;
import static io.nodedaemon.planner.PlannerFixtures.readyPod;
import static io.nodedaemon.planner.PlannerFixtures.taint;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.nodedaemon.api.ExcludedNodeGroup;
import io.nodedaemon.api.NodeDaemon;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code status.excludedNodes} as a planning pass computes it (SPEC §8). */
class PlacementExplainedTest {

  private static List<ExcludedNodeGroup> excluded(
      NodeDaemon daemon, List<Node> nodes, List<Pod> pods) {
    return new DaemonPlanner(new FailedPodBackoff(), DaemonPlanner.BURST_REPLICAS)
        .updateDaemonSet(new PlanInput(daemon, nodes, pods, REV, InFlight.NONE, T0))
        .excludedNodes();
  }

  @Test
  void taintedControlPlaneNodesAreNamedWithTheirTaint() {
    List<Node> nodes = new ArrayList<>();
    for (String cp : List.of("cp-3", "cp-1", "cp-2")) {
      nodes.add(
          node(cp, Map.of(), taint("node-role.kubernetes.io/control-plane", null, "NoSchedule")));
    }
    nodes.add(node("worker-1"));

    assertThat(excluded(daemon(), nodes, List.of()))
        .containsExactly(
            new ExcludedNodeGroup(
                "UntoleratedTaint",
                "taint node-role.kubernetes.io/control-plane:NoSchedule not tolerated",
                3,
                List.of("cp-1", "cp-2", "cp-3")));
  }

  @Test
  void aPodTheTaintLetsStayKeepsTheNodeOffTheList() {
    Node tainted = node("n1", Map.of(), taint("maintenance", "true", "NoSchedule"));
    Pod running = readyPod("foo-n1", "n1", REV, T0.minusSeconds(60), T0.minusSeconds(50));

    assertThat(excluded(daemon(), List.of(tainted), List.of(running))).isEmpty();
    assertThat(excluded(daemon(), List.of(tainted), List.of())).hasSize(1);
  }

  @Test
  void aNodeWhosePodIsEvictedIsListed() {
    Node tainted = node("n1", Map.of(), taint("maintenance", "true", "NoExecute"));
    Pod running = readyPod("foo-n1", "n1", REV, T0.minusSeconds(60), T0.minusSeconds(50));

    assertThat(excluded(daemon(), List.of(tainted), List.of(running)))
        .containsExactly(
            new ExcludedNodeGroup(
                "UntoleratedTaint",
                "taint maintenance=true:NoExecute not tolerated",
                1,
                List.of("n1")));
  }

  @Test
  void relabellingANodeToMatchTakesItOffTheList() {
    NodeDaemon d = daemon();
    d.getSpec().getTemplate().getSpec().setNodeSelector(Map.of("disktype", "ssd"));
    List<Node> before = List.of(node("a"), node("b", Map.of("disktype", "ssd")));
    List<Node> after =
        List.of(node("a", Map.of("disktype", "ssd")), node("b", Map.of("disktype", "ssd")));

    assertThat(excluded(d, before, List.of()))
        .containsExactly(
            new ExcludedNodeGroup(
                "NodeSelectorMismatch", "nodeSelector disktype=ssd not matched", 1, List.of("a")));
    assertThat(excluded(d, after, List.of())).isEmpty();
  }
}
