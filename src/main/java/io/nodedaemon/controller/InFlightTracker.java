package io.nodedaemon.controller;

import io.fabric8.kubernetes.api.model.Pod;
import io.nodedaemon.planner.InFlight;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers, per NodeDaemon, the pods this operator just created or deleted until its informer
 * cache shows the change (upstream's expectations, kept per pod rather than as counters). The
 * planner treats them as done, so a stale cache never leads to a second pod on a node or a second
 * delete. An entry that is never observed expires after {@link #TTL}, as upstream's do.
 */
public final class InFlightTracker {

  /** Upstream's ExpectationsTimeout: after this an unobserved write is assumed lost. */
  static final Duration TTL = Duration.ofMinutes(5);

  private record Create(String nodeName, Instant at) {}

  private static final class DaemonWrites {
    final Map<String, Create> creates = new ConcurrentHashMap<>(); // by pod name
    final Map<String, Instant> deletes = new ConcurrentHashMap<>(); // by pod name
  }

  private final Map<String, DaemonWrites> byDaemon = new ConcurrentHashMap<>();

  public void created(String daemonKey, String podName, String nodeName, Instant at) {
    writes(daemonKey).creates.put(podName, new Create(nodeName, at));
  }

  /** A create the API refused leaves nothing behind to wait for. */
  public void createFailed(String daemonKey, String podName) {
    writes(daemonKey).creates.remove(podName);
  }

  public void deleted(String daemonKey, String podName, Instant at) {
    writes(daemonKey).deletes.put(podName, at);
  }

  public void deleteFailed(String daemonKey, String podName) {
    writes(daemonKey).deletes.remove(podName);
  }

  /**
   * Drops what the cache now shows (a created pod that appeared, a deleted pod that vanished or is
   * terminating) and what expired, and returns what is still in flight.
   */
  public InFlight observe(String daemonKey, Collection<Pod> cachedPods, Instant now) {
    DaemonWrites w = byDaemon.get(daemonKey);
    if (w == null) {
      return InFlight.NONE;
    }
    Set<String> present = new HashSet<>();
    Set<String> live = new HashSet<>();
    for (Pod p : cachedPods) {
      present.add(p.getMetadata().getName());
      if (p.getMetadata().getDeletionTimestamp() == null) {
        live.add(p.getMetadata().getName());
      }
    }
    Instant expiry = now.minus(TTL);
    w.creates.entrySet().removeIf(e -> present.contains(e.getKey()) || e.getValue().at().isBefore(expiry));
    w.deletes.entrySet().removeIf(e -> !live.contains(e.getKey()) || e.getValue().isBefore(expiry));
    if (w.creates.isEmpty() && w.deletes.isEmpty()) {
      byDaemon.remove(daemonKey, w);
      return InFlight.NONE;
    }
    Set<String> nodes = new HashSet<>();
    w.creates.values().forEach(c -> nodes.add(c.nodeName()));
    return new InFlight(Set.copyOf(nodes), Set.copyOf(w.deletes.keySet()));
  }

  /** The NodeDaemons (by namespace/name) with remembered writes. */
  public Set<String> daemonKeys() {
    return Set.copyOf(byDaemon.keySet());
  }

  public void forget(String daemonKey) {
    byDaemon.remove(daemonKey);
  }

  private DaemonWrites writes(String daemonKey) {
    return byDaemon.computeIfAbsent(daemonKey, k -> new DaemonWrites());
  }
}
