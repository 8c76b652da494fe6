package io.nodedaemon.benchmark;

import io.nodedaemon.planner.DaemonPlanner;
import io.nodedaemon.planner.FailedPodBackoff;
import io.nodedaemon.planner.Plan;
import io.nodedaemon.planner.PlanInput;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One full planning pass (placement + manage + rollout + status) at 1,000 / 5,000 / 20,000 nodes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class PlannerBenchmark {

  @Param({"1000", "5000", "20000"})
  public int nodes;

  /**
   * "converged": nothing to do; "changed": 10% of nodes on the old revision (a rollout step);
   * "excluded": converged, with one node in five kept without a pod by a nodeSelector or a taint
   * (the pass tallies status.excludedNodes).
   */
  @Param({"converged", "changed", "excluded"})
  public String scenario;

  /**
   * "production": pods and nodes the size a real cluster's cache holds them; "minimal": only the
   * fields the planner reads (the whole working set of 5,000 nodes then fits in a 32 MiB L3 cache).
   */
  @Param({"production", "minimal"})
  public String shape;

  private DaemonPlanner planner;
  private PlanInput input;

  @Setup
  public void setUp() {
    planner = new DaemonPlanner(new FailedPodBackoff(), DaemonPlanner.BURST_REPLICAS);
    input =
        PlannerScenario.build(
            nodes,
            "changed".equals(scenario),
            !"minimal".equals(shape),
            "excluded".equals(scenario));
  }

  @Benchmark
  public Plan plan() {
    return planner.updateDaemonSet(input);
  }
}
