package io.nodedaemon.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Keeps the planner benchmark from rotting: its scenarios build and plan at a small size. */
class PlannerBenchmarkSmokeTest {

  @Test
  void convergedScenarioPlansNothingAndTheChangedOneStartsARollout() {
    PlannerBenchmark converged = new PlannerBenchmark();
    converged.nodes = 50;
    converged.scenario = "converged";
    converged.shape = "production";
    converged.setUp();
    assertThat(converged.plan().hasWrites()).isFalse();
    assertThat(converged.plan().counts().desiredNumberScheduled()).isEqualTo(50);

    PlannerBenchmark changed = new PlannerBenchmark();
    changed.nodes = 50;
    changed.scenario = "changed";
    changed.shape = "minimal";
    changed.setUp();
    // 10% of 50 nodes on the old revision; maxUnavailable 10% (5): all five old pods may go at
    // once.
    assertThat(changed.plan().podsToDelete()).hasSize(5);

    changed.shape = "production";
    changed.setUp();
    assertThat(changed.plan().podsToDelete()).hasSize(5);
  }

  @Test
  void excludedScenarioTalliesTheNodesPlacementKeepsAwayAndWritesNothing() {
    PlannerBenchmark excluded = new PlannerBenchmark();
    excluded.nodes = 50;
    excluded.scenario = "excluded";
    for (String shape : new String[] {"production", "minimal"}) {
      excluded.shape = shape;
      excluded.setUp();
      var plan = excluded.plan();
      assertThat(plan.hasWrites()).as(shape).isFalse();
      assertThat(plan.counts().desiredNumberScheduled()).as(shape).isEqualTo(40);
      assertThat(plan.excludedNodes())
          .as(shape)
          .extracting(g -> g.reason() + ":" + g.count())
          .containsExactlyInAnyOrder("NodeSelectorMismatch:5", "UntoleratedTaint:5");
    }
  }

  @Test
  void coldCacheVariantPlansTheSameWay() {
    PlannerColdCacheBenchmark cold = new PlannerColdCacheBenchmark();
    cold.nodes = 50;
    cold.scenario = "changed";
    cold.setUp();
    cold.evictCaches();
    assertThat(cold.plan().podsToDelete()).hasSize(5);
  }
}
