package io.nodedaemon.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Keeps the convergence benchmark from rotting: one small run against the packaged jar, on the
 * simulated cluster (50 nodes) and, in the real-backend execution, on the real control plane (20).
 */
class ConvergenceBenchmarkSmokeIT {

  @Test
  void aSmallClusterConvergesAndEveryFigureIsMeasured() throws Exception {
    int nodes = ConvergenceBenchmark.REAL ? 20 : 50;
    ConvergenceBenchmark.Result r =
        new ConvergenceBenchmark(Path.of("").toAbsolutePath()).run(nodes, Duration.ofSeconds(120));
    assertThat(r.nodes()).isEqualTo(nodes);
    assertThat(r.converge()).isPositive();
    assertThat(r.floor()).isPositive();
    assertThat(r.rollout()).isGreaterThanOrEqualTo(r.rolloutFloor());
    assertThat(r.startupToFirstReconcile()).isPositive();
    assertThat(r.rssKiB()).isPositive();
    assertThat(r.heapBytes()).isPositive();
  }
}
