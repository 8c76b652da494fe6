package io.nodedaemon.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** The per-NodeDaemon gauges and counters, and their removal when the NodeDaemon goes away. */
class NodeDaemonMetricsTest {
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final NodeDaemonMetrics metrics = new NodeDaemonMetrics(registry);

  @Test
  void recordStatusSetsOneGaugePerCounterTaggedWithTheDaemon() {
    metrics.recordStatus("kube-system", "fluentd", 5, 4, 3, 2, 1, 7);
    metrics.recordStatus("kube-system", "fluentd", 6, 4, 3, 2, 1, 0);
    assertThat(gauge("desired", "fluentd")).isEqualTo(6);
    assertThat(gauge("current", "fluentd")).isEqualTo(4);
    assertThat(gauge("ready", "fluentd")).isEqualTo(3);
    assertThat(gauge("available", "fluentd")).isEqualTo(2);
    assertThat(gauge("updated", "fluentd")).isEqualTo(1);
    assertThat(gauge("misscheduled", "fluentd")).isEqualTo(0);
  }

  @Test
  void countersAccumulatePerDaemon() {
    metrics.podsCreated("ns", "a", 3);
    metrics.podsCreated("ns", "a", 2);
    metrics.podsDeleted("ns", "b", 1);
    assertThat(registry.get("nodedaemon_pods_created").tags("namespace", "ns", "name", "a").counter().count())
        .isEqualTo(5);
    assertThat(registry.get("nodedaemon_pods_deleted").tags("namespace", "ns", "name", "b").counter().count())
        .isEqualTo(1);
  }

  @Test
  void forgetRemovesAllMetersOfThatDaemonOnly() {
    metrics.recordStatus("ns", "a", 1, 1, 1, 1, 1, 0);
    metrics.podsCreated("ns", "a", 1);
    metrics.recordStatus("ns", "b", 2, 2, 2, 2, 2, 0);
    metrics.forget("ns", "a");
    assertThat(registry.find("nodedaemon_pods_desired").tag("name", "a").gauge()).isNull();
    assertThat(registry.find("nodedaemon_pods_created").tag("name", "a").counter()).isNull();
    assertThat(gauge("desired", "b")).isEqualTo(2);
    // A daemon re-created under the same name starts from fresh meters.
    metrics.recordStatus("ns", "a", 9, 0, 0, 0, 0, 0);
    assertThat(gauge("desired", "a")).isEqualTo(9);
  }

  private double gauge(String what, String name) {
    return registry.get(NodeDaemonMetrics.PREFIX + what).tag("name", name).gauge().value();
  }
}
