package io.nodedaemon.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
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
    // The plain client's rounds wait for the slow kubelet too: ten rounds of one start each.
    assertThat(r.rolloutClient()).isGreaterThanOrEqualTo(r.rolloutFloor());
    // Both timelines end with every pod ready, and the chart of them is written.
    assertThat(r.operatorReady()).last().extracting(ReadyTimeline.Point::count).isEqualTo(nodes);
    assertThat(r.floorReady()).last().extracting(ReadyTimeline.Point::count).isEqualTo(nodes);
    Path chart =
        Path.of(
            "target/benchmark-convergence-"
                + (ConvergenceBenchmark.REAL ? "real" : "sim")
                + "-"
                + nodes
                + ".svg");
    assertThat(Files.readString(chart)).contains("<path d=\"M").contains("NodeDaemon operator");
  }

  @Test
  void manyNodeDaemonsCreatedTogetherAreEachTimed() throws Exception {
    ManyDaemonsBenchmark.Result r =
        new ManyDaemonsBenchmark(Path.of("").toAbsolutePath()).run(3, 10, Duration.ofSeconds(120));
    assertThat(r.each()).hasSize(3).isSorted();
    assertThat(r.all()).isEqualTo(r.each().get(2));
    assertThat(r.floor()).isPositive();
    assertThat(r.medianShare()).isBetween(0.0, 1.0);
  }
}
