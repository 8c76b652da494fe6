package io.nodedaemon.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Keeps the convergence benchmark from rotting: one run at 50 nodes against the packaged jar. */
class ConvergenceBenchmarkSmokeIT {

  @Test
  void fiftyNodesConvergeAndEveryFigureIsMeasured() throws Exception {
    ConvergenceBenchmark.Result r = new ConvergenceBenchmark(Path.of("").toAbsolutePath()).run(50, Duration.ofSeconds(90));
    assertThat(r.nodes()).isEqualTo(50);
    assertThat(r.converge()).isPositive();
    assertThat(r.floor()).isPositive();
    assertThat(r.rollout()).isGreaterThanOrEqualTo(r.rolloutFloor());
    assertThat(r.startupToFirstReconcile()).isPositive();
    assertThat(r.rssKiB()).isPositive();
    assertThat(r.heapBytes()).isPositive();
  }
}
