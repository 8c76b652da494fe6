package io.nodedaemon.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Keeps the reaction-time benchmark from rotting: a small shape against the packaged jar, on the
 * simulated cluster and, in the real-backend execution, on the real control plane. Three
 * NodeDaemons on 30 nodes, five nodes added one at a time. Not a speed goal: that every new node
 * gets a pod of every NodeDaemon, within a generous bound.
 */
class ReactionTimeSmokeIT {

  static final Duration BOUND = Duration.ofSeconds(10);

  @Test
  void everyNewNodeGetsAPodOfEveryNodeDaemonAndEveryArrivalIsMeasured() throws Exception {
    ReactionTimeBenchmark.Shape shape =
        new ReactionTimeBenchmark.Shape(
            30, 3, 5, Duration.ofSeconds(30), Duration.ofMinutes(3), "");
    ReactionTimeBenchmark.Result r =
        new ReactionTimeBenchmark(Path.of("").toAbsolutePath()).run(shape);
    ReactionTimeBenchmark.print(r);

    assertThat(r.samples()).hasSize(5);
    assertThat(r.samples())
        .allSatisfy(
            s -> {
              assertThat(s.nodeAdded()).as("%s: Node ADDED seen", s.node()).isNotZero();
              assertThat(s.pods()).as("%s: daemon pods seen", s.node()).isEqualTo(3);
              assertThat(s.firstPod()).isLessThanOrEqualTo(s.allPods());
              assertThat(s.allPods()).as("%s: all pods", s.node()).isLessThan(BOUND);
            });
    assertThat(r.complete()).hasSize(5);
    assertThat(r.rssKiB()).isPositive();
  }
}
