package io.nodedaemon.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Keeps the start-up benchmark from rotting: two starts of the packaged jar on 30 nodes, on the
 * simulated cluster and, in the real-backend execution, on the real control plane. Not a speed
 * goal: that each start reaches its first reconcile and is timed in parts that add up.
 */
class StartupSmokeIT {

  @Test
  void eachStartReachesItsFirstReconcileAndIsTimedInParts() throws Exception {
    Path base = Path.of("").toAbsolutePath();
    Map<Path, List<StartupBenchmark.Run>> results =
        StartupBenchmark.measure(base, 30, 2, List.of(base));
    StartupBenchmark.print(30, StartupBenchmark.backend(), base, results.get(base));

    assertThat(results).containsOnlyKeys(base);
    assertThat(results.get(base))
        .hasSize(2)
        .allSatisfy(
            run -> {
              assertThat(run.boot()).isPositive();
              assertThat(run.lists()).isPositive();
              assertThat(run.rest()).isGreaterThanOrEqualTo(Duration.ZERO);
              assertThat(run.toFirstStatus()).isLessThan(Duration.ofMinutes(2));
            });
  }
}
