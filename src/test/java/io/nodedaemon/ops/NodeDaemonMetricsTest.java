package io.nodedaemon.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nodedaemon.api.NodeDaemonStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The per-NodeDaemon gauges and counters, and their removal when the NodeDaemon goes away. */
class NodeDaemonMetricsTest {
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final NodeDaemonMetrics metrics = new NodeDaemonMetrics(registry);

  @Test
  void recordStatusSetsOneGaugePerCounterTaggedWithTheDaemon() {
    metrics.recordStatus("kube-system", "fluentd", status(5, 4, 3, 2, 1, 7));
    metrics.recordStatus("kube-system", "fluentd", status(6, 4, 3, 2, 1, 0));
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
    assertThat(
            registry
                .get("nodedaemon_pods_created")
                .tags("namespace", "ns", "name", "a")
                .counter()
                .count())
        .isEqualTo(5);
    assertThat(
            registry
                .get("nodedaemon_pods_deleted")
                .tags("namespace", "ns", "name", "b")
                .counter()
                .count())
        .isEqualTo(1);
  }

  @Test
  void forgetRemovesAllMetersOfThatDaemonOnly() {
    metrics.recordStatus("ns", "a", status(1, 1, 1, 1, 1, 0));
    metrics.podsCreated("ns", "a", 1);
    metrics.recordStatus("ns", "b", status(2, 2, 2, 2, 2, 0));
    metrics.forget("ns", "a");
    assertThat(registry.find("nodedaemon_pods_desired").tag("name", "a").gauge()).isNull();
    assertThat(registry.find("nodedaemon_pods_created").tag("name", "a").counter()).isNull();
    assertThat(gauge("desired", "b")).isEqualTo(2);
    // A daemon re-created under the same name starts from fresh meters.
    metrics.recordStatus("ns", "a", status(9, 0, 0, 0, 0, 0));
    assertThat(gauge("desired", "a")).isEqualTo(9);
  }

  @Test
  void conditionsAreGaugesThatAreOneWhileTrue() {
    NodeDaemonStatus stalled = status(3, 3, 3, 3, 1, 0);
    stalled.setConditions(
        List.of(
            condition("Ready", "False"),
            condition("Reconciling", "False"),
            condition("Stalled", "True")));
    metrics.recordStatus("ns", "a", stalled);
    assertThat(conditionGauge("a", "Stalled")).isEqualTo(1);
    assertThat(conditionGauge("a", "Ready")).isEqualTo(0);

    NodeDaemonStatus ready = status(3, 3, 3, 3, 3, 0);
    ready.setConditions(
        List.of(
            condition("Ready", "True"),
            condition("Reconciling", "False"),
            condition("Stalled", "False")));
    metrics.recordStatus("ns", "a", ready);
    assertThat(conditionGauge("a", "Stalled")).isEqualTo(0);
    assertThat(conditionGauge("a", "Ready")).isEqualTo(1);
  }

  @Test
  void podCountersExistAtZeroOnceTheDaemonIsKnown() {
    metrics.recordStatus("ns", "quiet", status(0, 0, 0, 0, 0, 0));
    assertThat(
            registry
                .get("nodedaemon_pods_created")
                .tags("namespace", "ns", "name", "quiet")
                .counter()
                .count())
        .isZero();
    assertThat(
            registry
                .get("nodedaemon_pods_deleted")
                .tags("namespace", "ns", "name", "quiet")
                .counter()
                .count())
        .isZero();
  }

  private static NodeDaemonStatus status(
      int desired, int current, int ready, int available, int updated, int misscheduled) {
    NodeDaemonStatus s = new NodeDaemonStatus();
    s.setDesiredNumberScheduled(desired);
    s.setCurrentNumberScheduled(current);
    s.setNumberReady(ready);
    s.setNumberAvailable(available);
    s.setUpdatedNumberScheduled(updated);
    s.setNumberMisscheduled(misscheduled);
    return s;
  }

  private static Condition condition(String type, String status) {
    return new ConditionBuilder().withType(type).withStatus(status).withReason("R").build();
  }

  private double conditionGauge(String name, String type) {
    return registry
        .get(NodeDaemonMetrics.CONDITION)
        .tags("name", name, "type", type)
        .gauge()
        .value();
  }

  private double gauge(String what, String name) {
    return registry.get(NodeDaemonMetrics.PREFIX + what).tag("name", name).gauge().value();
  }
}
