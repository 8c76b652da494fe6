package io.nodedaemon.e2e;

import static io.nodedaemon.e2e.E2eSupport.addNodes;
import static io.nodedaemon.e2e.E2eSupport.create;
import static io.nodedaemon.e2e.E2eSupport.daemon;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.cluster.ClusterResource;
import io.nodedaemon.cluster.InjectCluster;
import io.nodedaemon.cluster.TestCluster;
import io.nodedaemon.sim.SimulatedCluster;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A write the API server keeps refusing (SPEC §5): retried with a per-NodeDaemon exponential
 * backoff, not in a fixed loop, and reported as one Event whose count rises.
 */
@QuarkusTest
// Injects API failures into the simulated API server: runs on that backend only.
@Tag("sim-only")
@WithTestResource(ClusterResource.class)
class FailingWritesE2eTest {

  static final String INVALID =
      """
      {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","reason":"Invalid","code":422,
       "message":"Pod \\"agent\\" is invalid: spec.containers[0].image: Required value"}""";

  @InjectCluster TestCluster cluster;

  @Test
  void aCreateTheServerKeepsRefusingIsRetriedAfterGrowingDelaysUnderOneEvent() {
    addNodes(cluster, "refused", "refused-1");
    // 422 is final for the client (no retry of its own): every attempt is one of the operator's.
    ((SimulatedCluster) cluster)
        .server()
        .expect()
        .post()
        .withPath("/api/v1/namespaces/refused/pods")
        .andReturn(422, INVALID)
        .always();
    int mark = cluster.writes().mark();
    Supplier<List<Instant>> attempts =
        () ->
            cluster
                .writes()
                .timesSince(mark, w -> w.equals("POST /api/v1/namespaces/refused/pods"));
    try {
      create(cluster, daemon("refused", "agent", "refused"));

      // Backoff 2 s, 4 s, 8 s: a fixed 2 s loop would make eight attempts in the same time.
      List<Instant> times =
          await().atMost(Duration.ofSeconds(40)).until(attempts::get, t -> t.size() >= 4);
      List<Long> gaps = new ArrayList<>();
      for (int i = 2; i < 4; i++) {
        gaps.add(Duration.between(times.get(i - 1), times.get(i)).toMillis());
      }
      assertThat(gaps.get(0)).as("gaps %s", gaps).isGreaterThanOrEqualTo(3500);
      assertThat(gaps.get(1)).as("gaps %s", gaps).isGreaterThanOrEqualTo(gaps.get(0) + 2500);

      // The event of the last attempt is recorded just after it.
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () -> {
                List<Event> failed =
                    cluster.client().v1().events().inNamespace("refused").list().getItems().stream()
                        .filter(e -> "FailedCreate".equals(e.getReason()))
                        .toList();
                assertThat(failed)
                    .singleElement()
                    .satisfies(
                        e -> {
                          assertThat(e.getCount()).isGreaterThanOrEqualTo(4);
                          assertThat(e.getType()).isEqualTo("Warning");
                          assertThat(Instant.parse(e.getLastTimestamp()))
                              .isAfter(Instant.parse(e.getFirstTimestamp()));
                        });
              });
    } finally {
      cluster
          .client()
          .resources(NodeDaemon.class)
          .inNamespace("refused")
          .withName("agent")
          .delete();
    }
  }
}
