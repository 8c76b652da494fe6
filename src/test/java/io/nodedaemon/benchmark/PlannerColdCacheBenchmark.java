package io.nodedaemon.benchmark;

import io.nodedaemon.planner.DaemonPlanner;
import io.nodedaemon.planner.FailedPodBackoff;
import io.nodedaemon.planner.Plan;
import io.nodedaemon.planner.PlanInput;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The planning pass with the CPU caches cold, as in the operator, where a pass follows the JSON
 * parsing and watch handling that went before it rather than another pass over the same pods:
 * before each pass a 64 MiB buffer (twice this machine's L3) is swept. In {@link PlannerBenchmark}
 * the 5,000-node working set stays in L3 between passes and the 20,000-node one does not, so there
 * the 20k/5k ratio measures the cache as much as the planner.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class PlannerColdCacheBenchmark {

  private static final int SWEEP_LONGS = 64 * 1024 * 1024 / Long.BYTES;

  @Param({"5000", "20000"})
  public int nodes;

  @Param({"converged", "changed", "excluded"})
  public String scenario;

  private DaemonPlanner planner;
  private PlanInput input;
  private long[] sweep;

  /** Read by nobody; keeps the sweep from being optimised away. */
  public long sink;

  @Setup
  public void setUp() {
    planner = new DaemonPlanner(new FailedPodBackoff(), DaemonPlanner.BURST_REPLICAS);
    input =
        PlannerScenario.build(nodes, "changed".equals(scenario), true, "excluded".equals(scenario));
    sweep = new long[SWEEP_LONGS];
  }

  /** Evicts the planner's data from the caches (one write per cache line of the buffer). */
  @Setup(Level.Invocation)
  public void evictCaches() {
    long sum = 0;
    for (int i = 0; i < sweep.length; i += 8) {
      sweep[i] += i;
      sum += sweep[i];
    }
    sink = sum;
  }

  @Benchmark
  public Plan plan() {
    return planner.updateDaemonSet(input);
  }
}
