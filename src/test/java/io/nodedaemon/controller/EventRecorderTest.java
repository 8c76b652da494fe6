package io.nodedaemon.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.nodedaemon.sim.SimulatedCluster;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Events aggregate as client-go's correlator does (SPEC §5): a repeat of the same event on the same
 * object bumps count and lastTimestamp of one Event instead of creating another.
 */
class EventRecorderTest {

  static SimulatedCluster cluster;

  /** A clock the test moves. */
  static final class StepClock extends Clock {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  final StepClock clock = new StepClock();
  final EventRecorder recorder = new EventRecorder(cluster.client(), clock);

  @BeforeAll
  static void startCluster() {
    cluster = SimulatedCluster.start();
  }

  @AfterAll
  static void stopCluster() {
    cluster.close();
  }

  ConfigMap object(String namespace, String name) {
    return cluster
        .client()
        .configMaps()
        .inNamespace(namespace)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .endMetadata()
                .build())
        .create();
  }

  List<Event> events(String namespace) {
    return cluster.client().v1().events().inNamespace(namespace).list().getItems();
  }

  @Test
  void aRepeatedEventBumpsCountAndLastTimestampOfOneEvent() {
    ConfigMap regarding = object("repeat", "agent");

    for (int i = 0; i < 3; i++) {
      recorder.record(
          regarding, "Warning", "FailedCreate", "Error creating pods on node n1: quota exceeded");
      clock.now = clock.now.plus(Duration.ofSeconds(2));
    }

    assertThat(events("repeat"))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getCount()).isEqualTo(3);
              assertThat(e.getFirstTimestamp()).isEqualTo("2026-01-01T00:00:00Z");
              assertThat(e.getLastTimestamp()).isEqualTo("2026-01-01T00:00:04Z");
              assertThat(e.getReason()).isEqualTo("FailedCreate");
              assertThat(e.getInvolvedObject().getUid())
                  .isEqualTo(regarding.getMetadata().getUid());
            });
  }

  @Test
  void anotherMessageReasonOrObjectIsAnotherEvent() {
    ConfigMap agent = object("distinct", "agent");
    ConfigMap other = object("distinct", "other");

    recorder.record(agent, "Normal", "SuccessfulCreate", "Created pods: a");
    recorder.record(agent, "Normal", "SuccessfulCreate", "Created pods: b");
    recorder.record(agent, "Normal", "SuccessfulDelete", "Created pods: b");
    recorder.record(other, "Normal", "SuccessfulCreate", "Created pods: a");

    assertThat(events("distinct"))
        .hasSize(4)
        .allSatisfy(e -> assertThat(e.getCount()).isEqualTo(1));
  }

  @Test
  void anObjectRecreatedUnderTheSameNameGetsItsOwnEvent() {
    ConfigMap first = object("recreated", "agent");
    recorder.record(first, "Warning", "FailedCreate", "refused");
    cluster.client().configMaps().inNamespace("recreated").withName("agent").delete();
    ConfigMap second = object("recreated", "agent");

    recorder.record(second, "Warning", "FailedCreate", "refused");

    assertThat(events("recreated"))
        .hasSize(2)
        .extracting(e -> e.getInvolvedObject().getUid())
        .containsExactlyInAnyOrder(first.getMetadata().getUid(), second.getMetadata().getUid());
  }

  @Test
  void anEventGoneFromTheServerIsWrittenAgainWithItsCount() {
    ConfigMap regarding = object("expired", "agent");
    recorder.record(regarding, "Warning", "FailedCreate", "refused");
    recorder.record(regarding, "Warning", "FailedCreate", "refused");
    // The API server drops Events after an hour (--event-ttl).
    cluster.client().v1().events().inNamespace("expired").delete();

    recorder.record(regarding, "Warning", "FailedCreate", "refused");

    assertThat(events("expired"))
        .singleElement()
        .satisfies(e -> assertThat(e.getCount()).isEqualTo(3));
  }
}
