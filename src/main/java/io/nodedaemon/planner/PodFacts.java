package io.nodedaemon.planner;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.time.Instant;
import java.util.Comparator;

/**
 * What one planning pass reads of a pod, read once: every later step of the pass (manage, status,
 * rollout) reads these few fields instead of walking the pod's deep object graph again, which at
 * tens of thousands of pods would cost a cache miss per field per walk.
 *
 * @param updated the pod carries the update revision of this pass
 * @param readySince the Ready condition's lastTransitionTime when ready (parsed only if
 *     minReadySeconds > 0)
 */
public record PodFacts(
    Pod pod,
    boolean terminating,
    boolean failed,
    boolean succeeded,
    boolean ready,
    String readySince,
    boolean updated) {

  /** Upstream's duplicate order (see {@link PodStates#OLDEST_FIRST}). */
  public static final Comparator<PodFacts> OLDEST_FIRST =
      Comparator.comparing(PodFacts::pod, PodStates.OLDEST_FIRST);

  public static PodFacts of(Pod pod, String updateRevision) {
    PodCondition readyCondition = PodStates.readyCondition(pod);
    boolean ready = readyCondition != null && "True".equals(readyCondition.getStatus());
    String phase = PodStates.phase(pod);
    return new PodFacts(
        pod,
        PodStates.isTerminating(pod),
        "Failed".equals(phase),
        "Succeeded".equals(phase),
        ready,
        ready ? readyCondition.getLastTransitionTime() : null,
        updateRevision.equals(PodStates.revision(pod)));
  }

  /**
   * Available = Ready for at least minReadySeconds (upstream's podutil.IsPodAvailable): with
   * minReadySeconds 0 a ready pod is available at once.
   */
  public boolean available(int minReadySeconds, Instant now) {
    if (!ready) {
      return false;
    }
    if (minReadySeconds <= 0) {
      return true;
    }
    Instant since = PodStates.parse(readySince);
    return since != null && !since.plusSeconds(minReadySeconds).isAfter(now);
  }

  /** When a ready pod becomes available, or null if it is not ready (for requeueing). */
  public Instant availableAt(int minReadySeconds) {
    if (!ready) {
      return null;
    }
    Instant since = PodStates.parse(readySince);
    return since == null ? null : since.plusSeconds(Math.max(0, minReadySeconds));
  }

  /**
   * The same pod counted as carrying the update revision: how the rollout sees a pod that a
   * partition or the rollout selector keeps on its revision (that revision is its target).
   */
  public PodFacts asUpdated() {
    return updated
        ? this
        : new PodFacts(pod, terminating, failed, succeeded, ready, readySince, true);
  }

  public String name() {
    return pod.getMetadata().getName();
  }
}
