package io.nodedaemon.controller;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nodedaemon.planner.PlannedEvent;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Records Kubernetes events on a NodeDaemon (core/v1 Events, as `kubectl describe nd` shows them).
 * A failure to record is logged and never fails a reconciliation.
 */
@ApplicationScoped
public class EventRecorder {

  static final String COMPONENT = "nodedaemon-operator";
  private static final Logger LOG = Logger.getLogger(EventRecorder.class);
  private static final int MAX_MESSAGE = 1024;

  private final KubernetesClient client;
  private final Clock clock;
  private final AtomicLong sequence = new AtomicLong();

  public EventRecorder(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
  }

  public void record(HasMetadata regarding, PlannedEvent event) {
    record(regarding, event.type().name(), event.reason(), event.message());
  }

  public void record(HasMetadata regarding, String type, String reason, String message) {
    String now = Instant.now(clock).toString();
    String text = message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE - 3) + "..." : message;
    Event e = new EventBuilder()
        .withNewMetadata()
        .withName(regarding.getMetadata().getName() + "." + Long.toHexString(System.nanoTime()) + sequence.incrementAndGet())
        .withNamespace(regarding.getMetadata().getNamespace())
        .endMetadata()
        .withNewInvolvedObject()
        .withApiVersion(regarding.getApiVersion())
        .withKind(regarding.getKind())
        .withName(regarding.getMetadata().getName())
        .withNamespace(regarding.getMetadata().getNamespace())
        .withUid(regarding.getMetadata().getUid())
        .withResourceVersion(regarding.getMetadata().getResourceVersion())
        .endInvolvedObject()
        .withType(type)
        .withReason(reason)
        .withMessage(text)
        .withCount(1)
        .withFirstTimestamp(now)
        .withLastTimestamp(now)
        .withNewSource().withComponent(COMPONENT).endSource()
        .withReportingComponent(COMPONENT)
        .build();
    try {
      client.v1().events().inNamespace(e.getMetadata().getNamespace()).resource(e).create();
    } catch (RuntimeException ex) {
      LOG.debugf(ex, "could not record event %s on %s", reason, regarding.getMetadata().getName());
    }
  }
}
