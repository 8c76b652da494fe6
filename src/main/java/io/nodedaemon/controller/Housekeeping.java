package io.nodedaemon.controller;

import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.ops.NodeDaemonMetrics;
import io.nodedaemon.planner.FailedPodBackoff;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Forgets what this operator remembers about NodeDaemons that no longer exist: the last status
 * written, progress counts, in-flight writes, write backoffs, which were converged, deferred
 * passes, metrics series, and failed-pod backoffs quiet for 30 minutes. There is no finalizer (as
 * with DaemonSets, the garbage collector removes the pods), so nothing tells the reconciler of a
 * deletion; a periodic sweep of the primary cache does.
 */
@Singleton
public class Housekeeping {
  static final Duration PERIOD = Duration.ofMinutes(1);
  private static final Logger LOG = Logger.getLogger(Housekeeping.class);

  private final StatusWriter status;
  private final InFlightTracker inFlight;
  private final WriteBackoff writeBackoff;
  private final JoinedNodes joinedNodes;
  private final PodEventBatching podEvents;
  private final FailedPodBackoff failedPodBackoff;
  private final NodeDaemonMetrics metrics;
  private final Clock clock;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "nodedaemon-housekeeping");
            t.setDaemon(true);
            return t;
          });
  private volatile IndexerResourceCache<NodeDaemon> primaries;

  public Housekeeping(
      StatusWriter status,
      InFlightTracker inFlight,
      WriteBackoff writeBackoff,
      JoinedNodes joinedNodes,
      PodEventBatching podEvents,
      FailedPodBackoff failedPodBackoff,
      NodeDaemonMetrics metrics,
      Clock clock) {
    this.status = status;
    this.inFlight = inFlight;
    this.writeBackoff = writeBackoff;
    this.joinedNodes = joinedNodes;
    this.podEvents = podEvents;
    this.failedPodBackoff = failedPodBackoff;
    this.metrics = metrics;
    this.clock = clock;
  }

  /** Sweeps every {@link #PERIOD} against the NodeDaemons this cache holds. */
  void start(IndexerResourceCache<NodeDaemon> primaries) {
    this.primaries = primaries;
    timer.scheduleWithFixedDelay(
        this::forgetDeletedQuietly, PERIOD.toSeconds(), PERIOD.toSeconds(), TimeUnit.SECONDS);
  }

  @PreDestroy
  void stop() {
    timer.shutdownNow();
  }

  void forgetDeleted() {
    if (primaries == null) {
      return;
    }
    Set<String> live = primaries.list().map(ReconcilerKeys::of).collect(Collectors.toSet());
    for (String key : rememberedKeys()) {
      if (!live.contains(key)) {
        status.forget(key);
        inFlight.forget(key);
        writeBackoff.forget(key);
        joinedNodes.forget(key);
        podEvents.forget(key);
      }
    }
    metrics.retainOnly(primaries.list().map(ReconcilerKeys::name).collect(Collectors.toSet()));
    failedPodBackoff.gc(clock.instant());
  }

  private void forgetDeletedQuietly() {
    try {
      forgetDeleted();
    } catch (RuntimeException e) {
      LOG.warnf(e, "Housekeeping failed; trying again in %s", PERIOD);
    }
  }

  /** How many NodeDaemons this operator holds per-NodeDaemon memory for (for tests). */
  int rememberedDaemons() {
    return rememberedKeys().size();
  }

  private Set<String> rememberedKeys() {
    Set<String> remembered = new HashSet<>(status.daemonKeys());
    remembered.addAll(inFlight.daemonKeys());
    remembered.addAll(writeBackoff.daemonKeys());
    remembered.addAll(joinedNodes.daemonKeys());
    remembered.addAll(podEvents.daemonKeys());
    return remembered;
  }
}
