package io.nodedaemon.controller;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.nodedaemon.planner.InFlight;
import io.nodedaemon.planner.PodStates;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers, per NodeDaemon (by uid), the pods this operator just created or deleted until its
 * informer cache shows the change (upstream's expectations, kept per pod rather than as counters).
 * The planner treats them as done, so a stale cache never leads to a second pod on a node or a
 * second delete. An entry that is never observed expires after {@link #TTL}, as upstream's do, and
 * {@link #wakeUpAfter} tells the reconciler when to look again so that an expiry is acted on.
 */
@Singleton
public class InFlightTracker {

  /** Upstream's ExpectationsTimeout: after this an unobserved write is assumed lost. */
  static final Duration TTL = Duration.ofMinutes(5);

  /** A create: uid null until the API server answered (then only that pod satisfies it). */
  private record Create(String nodeName, Instant at, String uid) {}

  private static final class DaemonWrites {
    final Map<String, Create> creates = new ConcurrentHashMap<>(); // by pod name
    final Map<String, Instant> deletes = new ConcurrentHashMap<>(); // by pod name
  }

  private final Map<String, DaemonWrites> byDaemon = new ConcurrentHashMap<>();

  /**
   * Raised before the create is sent, as upstream raises expectations: the watch may beat the
   * response.
   */
  public void created(String daemonKey, String podName, String nodeName, Instant at) {
    writes(daemonKey).creates.put(podName, new Create(nodeName, at, null));
  }

  /**
   * The API server answered a create sent as {@code requestedName} with {@code pod}: from now on
   * only that pod (its name, which differs when it was created under a generated name, and its uid)
   * satisfies the expectation. A pod of the requested name that the cache still shows from before,
   * e.g. the terminating predecessor whose name was taken, does not.
   */
  public void createdAs(String daemonKey, String requestedName, Pod pod) {
    DaemonWrites w = writes(daemonKey);
    Create raised = w.creates.remove(requestedName);
    if (raised != null) {
      w.creates.put(
          pod.getMetadata().getName(),
          new Create(raised.nodeName(), raised.at(), pod.getMetadata().getUid()));
    }
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
   * The pod informer delivered {@code pod} (an add or an update): a create it satisfies is done,
   * even when the pod is gone again before the next pass reads the cache. Upstream's addPod lowers
   * its expectations the same way; a pod created and then deleted between two passes (its node
   * removed, the pod garbage collector quick) would otherwise hold its node, and with it the whole
   * rollout, for the {@link #TTL}.
   */
  public void seen(Pod pod) {
    OwnerReference controller = PodStates.controllerOf(pod);
    DaemonWrites w = controller == null ? null : byDaemon.get(controller.getUid());
    if (w == null) {
      return;
    }
    String name = pod.getMetadata().getName();
    Create c = w.creates.get(name);
    boolean live = pod.getMetadata().getDeletionTimestamp() == null;
    if (c != null && satisfies(c, pod.getMetadata().getUid(), live)) {
      w.creates.remove(name, c);
    }
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
    // Only the pods written are looked up: at 5,000 nodes a map of every pod was most of this.
    Map<String, String> uidByName = new HashMap<>();
    Set<String> live = new HashSet<>();
    if (!w.creates.isEmpty() || !w.deletes.isEmpty()) {
      for (Pod p : cachedPods) {
        String name = p.getMetadata().getName();
        if (w.creates.containsKey(name) || w.deletes.containsKey(name)) {
          uidByName.put(name, p.getMetadata().getUid());
          if (!PodStates.isTerminating(p)) {
            live.add(name);
          }
        }
      }
    }
    Instant expiry = now.minus(TTL);
    w.creates
        .entrySet()
        .removeIf(
            e ->
                satisfies(e.getValue(), uidByName.get(e.getKey()), live.contains(e.getKey()))
                    || e.getValue().at().isBefore(expiry));
    w.deletes.entrySet().removeIf(e -> !live.contains(e.getKey()) || e.getValue().isBefore(expiry));
    if (w.creates.isEmpty() && w.deletes.isEmpty()) {
      byDaemon.remove(daemonKey, w);
      return InFlight.NONE;
    }
    Set<String> nodes = new HashSet<>();
    w.creates.values().forEach(c -> nodes.add(c.nodeName()));
    return new InFlight(Set.copyOf(nodes), Set.copyOf(w.deletes.keySet()));
  }

  /**
   * Whether a pod of the create's name, with this uid and live or terminating, is the created one:
   * the pod the API server answered with (same uid); while the answer is unknown, a live pod of
   * that name (a terminating one is a predecessor).
   */
  private static boolean satisfies(Create c, String uid, boolean live) {
    return c.uid() == null ? live : c.uid().equals(uid);
  }

  /**
   * How long until the earliest remembered write of a NodeDaemon expires (just past it, since an
   * entry expires strictly after {@link #TTL}), or null when nothing is remembered: the reconciler
   * requeues for then, so that a lost write is acted on without waiting for an event.
   */
  public Duration wakeUpAfter(String daemonKey, Instant now) {
    DaemonWrites w = byDaemon.get(daemonKey);
    if (w == null) {
      return null;
    }
    Instant earliest = null;
    for (Create c : w.creates.values()) {
      earliest = earliest == null || c.at().isBefore(earliest) ? c.at() : earliest;
    }
    for (Instant at : w.deletes.values()) {
      earliest = earliest == null || at.isBefore(earliest) ? at : earliest;
    }
    if (earliest == null) {
      return null;
    }
    Duration left = Duration.between(now, earliest.plus(TTL));
    return (left.isNegative() ? Duration.ZERO : left).plusMillis(1);
  }

  /** Whether a create of the NodeDaemon's pod on {@code nodeName} is remembered. */
  public boolean createPending(String daemonKey, String nodeName) {
    DaemonWrites w = byDaemon.get(daemonKey);
    if (w == null) {
      return false;
    }
    for (Create c : w.creates.values()) {
      if (c.nodeName().equals(nodeName)) {
        return true;
      }
    }
    return false;
  }

  /** The NodeDaemons (by uid) with remembered writes. */
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
