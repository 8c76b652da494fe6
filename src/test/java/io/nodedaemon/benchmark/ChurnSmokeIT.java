package io.nodedaemon.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Keeps the load and churn run from rotting: a small shape against the packaged jar, on the
 * simulated cluster and, in the real-backend execution, on the real control plane. Three
 * NodeDaemons on 20 nodes, 10 node changes a second for 15 s with one rollout during it.
 */
class ChurnSmokeIT {

  /** The stated bound: every NodeDaemon settled this long after the churn stopped. */
  static final Duration BOUND = Duration.ofSeconds(30);

  @Test
  void churnKeepsTheInvariantsAndSettlesWithinTheBound() throws Exception {
    ChurnBenchmark.Shape shape =
        new ChurnBenchmark.Shape(3, 20, 10, Duration.ofSeconds(15), 1, BOUND);
    ChurnBenchmark.Result r = new ChurnBenchmark(Path.of("").toAbsolutePath()).run(shape);
    ChurnBenchmark.print(r);

    assertThat(r.violations()).as("invariant violations").isEmpty();
    assertThat(r.checks()).as("checks made").isGreaterThan(100);
    assertThat(r.changes()).isEqualTo(150);
    assertThat(r.settled()).isLessThanOrEqualTo(BOUND);
    assertThat(r.resyncWrites()).as("operator writes at the resync").isEmpty();
    assertThat(r.daemons()).hasSize(3).allSatisfy(d -> assertThat(d.writes()).isPositive());
    assertThat(r.peakRssKiB()).isPositive();
    assertThat(r.peakHeapBytes()).isPositive();
  }
}
