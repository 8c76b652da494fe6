package io.nodedaemon.controller;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.nodedaemon.planner.PodStates;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Defers the pass that a pod's progress would start (bound, started, Ready) by up to {@link
 * #WINDOW} when its NodeDaemon's last pass left it converged, so that the events of many pods, or
 * of one pod's bind and Ready, share one pass. Any other pod change starts a pass at once.
 *
 * <p>Why: every new pod brings three writes (create, bind, status), and each event started a pass
 * that walks all of its NodeDaemon's nodes and pods. At 5,000 nodes and 10 NodeDaemons those walks
 * were 95% of the operator's CPU while nodes joined (issue 16's reaction-time profile), and a
 * joined node's pods waited for that CPU. A converged NodeDaemon's pass after such an event can
 * only update counters in its status, so 50 ms later is as good; a rollout, a failure, a deletion
 * or a change of labels or owner is never deferred.
 */
@Singleton
public class PodEventBatching {

  /**
   * How long a deferred pod event may wait for its pass: enough for one pod's bind and Ready to
   * share it, short enough that the walk is done before the next node is likely to join.
   */
  static final Duration WINDOW = Duration.ofMillis(50);

  /** Schedules a pass of one NodeDaemon after a delay (JOSDK's timer event source). */
  public interface Scheduler {
    /** False when it cannot (the operator is starting or stopping): the event passes at once. */
    boolean passAfter(ResourceID daemon, Duration delay);
  }

  /** Pod events whose pass was deferred (all NodeDaemons): how much the batching saves. */
  public static final String DEFERRED = "nodedaemon_pod_events_deferred_total";

  private final JoinedNodes joinedNodes;
  private final Counter deferredEvents;

  /** NodeDaemons (by uid) with a deferred pass scheduled and not yet started. */
  private final Set<String> deferred = ConcurrentHashMap.newKeySet();

  private volatile Scheduler scheduler;

  public PodEventBatching(JoinedNodes joinedNodes, MeterRegistry registry) {
    this.joinedNodes = joinedNodes;
    this.deferredEvents =
        Counter.builder(DEFERRED.replaceFirst("_total$", ""))
            .description("Pod events whose pass was deferred to share one with others")
            .register(registry);
  }

  void start(Scheduler scheduler) {
    this.scheduler = scheduler;
  }

  /** The pod informer's update filter: true to start the pass now, false when one is deferred. */
  OnUpdateFilter<Pod> filter() {
    return this::passNow;
  }

  boolean passNow(Pod updated, Pod previous) {
    Scheduler s = scheduler;
    OwnerReference controller = PodStates.controllerOf(updated);
    if (s == null
        || previous == null
        || controller == null
        || !PodStates.isNodeDaemon(controller)
        || !joinedNodes.converged(controller.getUid())
        || !onlyProgress(updated, previous)) {
      return true;
    }
    String key = controller.getUid();
    if (deferred.add(key)
        && !s.passAfter(
            new ResourceID(controller.getName(), updated.getMetadata().getNamespace()), WINDOW)) {
      deferred.remove(key);
      return true;
    }
    // Scheduled now, or already: that pass will see this pod too.
    deferredEvents.increment();
    return false;
  }

  /** A pass of this NodeDaemon starts: it sees every pod event deferred so far. */
  void passStarting(String daemonKey) {
    deferred.remove(daemonKey);
  }

  Set<String> daemonKeys() {
    return Set.copyOf(deferred);
  }

  void forget(String daemonKey) {
    deferred.remove(daemonKey);
  }

  /**
   * The same pod, same controller and labels (so the same claim and revision), not terminating, not
   * finished: what changed is where it runs or how far it got.
   */
  static boolean onlyProgress(Pod updated, Pod previous) {
    OwnerReference a = PodStates.controllerOf(updated);
    OwnerReference b = PodStates.controllerOf(previous);
    return a != null
        && b != null
        && Objects.equals(a.getUid(), b.getUid())
        && Objects.equals(updated.getMetadata().getUid(), previous.getMetadata().getUid())
        && Objects.equals(updated.getMetadata().getLabels(), previous.getMetadata().getLabels())
        && !PodStates.isTerminating(updated)
        && !PodStates.isTerminating(previous)
        && !PodStates.isFailed(updated)
        && !PodStates.isSucceeded(updated);
  }
}
