package io.nodedaemon.controller;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.nodedaemon.planner.PlannedEvent;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Records Kubernetes events on a NodeDaemon (core/v1 Events, as `kubectl describe nd` shows them).
 * An event that repeats (same object, type, reason and message, from this component) updates the
 * Event already written, its {@code count} and {@code lastTimestamp}, instead of creating another
 * object, as client-go's event correlator does: a create that fails every few seconds for a day is
 * one Event with a large count, not thousands. A failure to record is logged and never fails a
 * reconciliation.
 */
@ApplicationScoped
public class EventRecorder {

  static final String COMPONENT = "nodedaemon-operator";
  private static final Logger LOG = Logger.getLogger(EventRecorder.class);
  private static final int MAX_MESSAGE = 1024;

  /** client-go's maxLruCacheEntries: how many distinct events are remembered for aggregation. */
  static final int REMEMBERED_EVENTS = 4096;

  /** An Event written: its name, how often it happened, and when first. */
  private record Logged(String name, int count, String firstTimestamp) {}

  private final KubernetesClient client;
  private final Clock clock;
  private final AtomicLong sequence = new AtomicLong();
  // Least recently recorded first; the eldest is dropped past REMEMBERED_EVENTS.
  private final Map<String, Logged> recent =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Logged> eldest) {
          return size() > REMEMBERED_EVENTS;
        }
      };

  public EventRecorder(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  public void record(HasMetadata regarding, PlannedEvent event) {
    record(regarding, event.type().name(), event.reason(), event.message());
  }

  public void record(HasMetadata regarding, String type, String reason, String message) {
    String now = Instant.now(clock).toString();
    String text =
        message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE - 3) + "..." : message;
    var meta = regarding.getMetadata();
    // client-go's getEventKey: source, involved object (by uid too: a re-created object is
    // another), type, reason, message.
    String key =
        String.join(
            "\u0000",
            COMPONENT,
            regarding.getKind(),
            meta.getNamespace(),
            meta.getName(),
            String.valueOf(meta.getUid()),
            regarding.getApiVersion(),
            type,
            reason,
            text);
    Logged previous;
    Logged logged;
    synchronized (recent) {
      previous = recent.get(key);
      logged =
          previous == null
              ? new Logged(
                  meta.getName()
                      + "."
                      + Long.toHexString(System.nanoTime())
                      + sequence.incrementAndGet(),
                  1,
                  now)
              : new Logged(previous.name(), previous.count() + 1, previous.firstTimestamp());
      recent.put(key, logged);
    }
    try {
      if (previous != null && bump(meta.getNamespace(), logged, now)) {
        return;
      }
      Event e =
          new EventBuilder()
              .withNewMetadata()
              .withName(logged.name())
              .withNamespace(meta.getNamespace())
              .endMetadata()
              .withNewInvolvedObject()
              .withApiVersion(regarding.getApiVersion())
              .withKind(regarding.getKind())
              .withName(meta.getName())
              .withNamespace(meta.getNamespace())
              .withUid(meta.getUid())
              .withResourceVersion(meta.getResourceVersion())
              .endInvolvedObject()
              .withType(type)
              .withReason(reason)
              .withMessage(text)
              .withCount(logged.count())
              .withFirstTimestamp(logged.firstTimestamp())
              .withLastTimestamp(now)
              .withNewSource()
              .withComponent(COMPONENT)
              .endSource()
              .withReportingComponent(COMPONENT)
              .build();
      client.v1().events().inNamespace(meta.getNamespace()).resource(e).create();
    } catch (RuntimeException ex) {
      LOG.warnf("could not record event %s on %s: %s", reason, meta.getName(), ex.getMessage());
    }
  }

  /**
   * Patches count and lastTimestamp of the Event written before; false when it is gone (the API
   * server keeps Events for an hour), and then the caller writes it anew, keeping the count.
   */
  private boolean bump(String namespace, Logged logged, String now) {
    try {
      client
          .v1()
          .events()
          .inNamespace(namespace)
          .withName(logged.name())
          .patch(
              PatchContext.of(PatchType.JSON_MERGE),
              Serialization.asJson(Map.of("count", logged.count(), "lastTimestamp", now)));
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return false;
      }
      throw e;
    }
  }
}
