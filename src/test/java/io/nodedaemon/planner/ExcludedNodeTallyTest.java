package io.nodedaemon.planner;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodedaemon.api.ExcludedNodeGroup;
import io.nodedaemon.planner.NodePlacement.Exclusion;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Grouping, order and limits of {@code status.excludedNodes} (SPEC §8). */
class ExcludedNodeTallyTest {

  private static final Exclusion CONTROL_PLANE =
      new Exclusion(
          "UntoleratedTaint",
          "taint node-role.kubernetes.io/control-plane:NoSchedule not tolerated");
  private static final Exclusion SSD =
      new Exclusion("NodeSelectorMismatch", "nodeSelector disktype=ssd not matched");

  @Test
  void noExcludedNodeGivesAnEmptyList() {
    assertThat(new ExcludedNodeTally().groups()).isEmpty();
  }

  @Test
  void nodesOfOneReasonAndMessageFormOneGroupNamingTheFirstFive() {
    ExcludedNodeTally tally = new ExcludedNodeTally();
    for (int i = 1; i <= 7; i++) {
      tally.add("cp-" + i, CONTROL_PLANE);
    }

    assertThat(tally.groups())
        .containsExactly(
            new ExcludedNodeGroup(
                "UntoleratedTaint",
                "taint node-role.kubernetes.io/control-plane:NoSchedule not tolerated",
                7,
                List.of("cp-1", "cp-2", "cp-3", "cp-4", "cp-5")));
  }

  @Test
  void largestGroupFirstThenReasonThenMessage() {
    ExcludedNodeTally tally = new ExcludedNodeTally();
    tally.add("a", new Exclusion("UntoleratedTaint", "taint b:NoSchedule not tolerated"));
    tally.add("b", new Exclusion("UntoleratedTaint", "taint a:NoSchedule not tolerated"));
    tally.add("c", SSD);
    tally.add("d", new Exclusion("NodeAffinityMismatch", "required node affinity not matched"));
    tally.add("e", SSD);

    assertThat(tally.groups())
        .extracting(ExcludedNodeGroup::reason, ExcludedNodeGroup::message, ExcludedNodeGroup::count)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "NodeSelectorMismatch", "nodeSelector disktype=ssd not matched", 2),
            org.assertj.core.groups.Tuple.tuple(
                "NodeAffinityMismatch", "required node affinity not matched", 1),
            org.assertj.core.groups.Tuple.tuple(
                "UntoleratedTaint", "taint a:NoSchedule not tolerated", 1),
            org.assertj.core.groups.Tuple.tuple(
                "UntoleratedTaint", "taint b:NoSchedule not tolerated", 1));
  }

  @Test
  void atMostTenGroupsTheSmallestLeftOut() {
    ExcludedNodeTally tally = new ExcludedNodeTally();
    for (int g = 0; g < 12; g++) {
      // Group g holds g + 1 nodes: groups 0 and 1 (1 and 2 nodes) are the ones left out.
      for (int n = 0; n <= g; n++) {
        tally.add(
            String.format("node-%02d-%02d", g, n),
            new Exclusion("NodeSelectorMismatch", "nodeSelector g=" + g + " not matched"));
      }
    }

    List<ExcludedNodeGroup> groups = tally.groups();
    assertThat(groups).hasSize(10);
    assertThat(groups)
        .extracting(ExcludedNodeGroup::count)
        .containsExactly(12, 11, 10, 9, 8, 7, 6, 5, 4, 3);
    assertThat(groups.get(0).nodes()).hasSize(5).first().isEqualTo("node-11-00");
  }
}
