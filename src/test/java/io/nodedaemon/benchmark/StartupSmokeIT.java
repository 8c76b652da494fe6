package io.nodedaemon.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Keeps the start-up benchmark from rotting: two starts of the packaged jar on 30 nodes, on the
 * simulated cluster and, in the real-backend execution, on the real control plane. Not a speed
 * goal: that each start reaches its first reconcile and is timed in parts that add up, and that a
 * third start converges the NodeDaemon on every node and reads its resident memory (goal 6).
 */
class StartupSmokeIT {

  @Test
  void eachStartReachesItsFirstReconcileAndIsTimedInParts() throws Exception {
    Path base = Path.of("").toAbsolutePath();
    StartupBenchmark.Measured results = StartupBenchmark.measureWithMemory(base, 30, 2);
    StartupBenchmark.print(30, StartupBenchmark.backend(), base, results.runs());

    assertThat(results.runs())
        .hasSize(2)
        .allSatisfy(
            run -> {
              assertThat(run.boot()).isPositive();
              assertThat(run.lists()).isPositive();
              assertThat(run.rest()).isGreaterThanOrEqualTo(Duration.ZERO);
              assertThat(run.toFirstStatus()).isLessThan(Duration.ofMinutes(2));
            });
    // Read from /proc once the widened NodeDaemon converged: a JVM's resident set is megabytes.
    assertThat(results.convergedRssKiB()).isGreaterThan(10_000);
  }
}
