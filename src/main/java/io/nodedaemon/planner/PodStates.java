package io.nodedaemon.planner;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.nodedaemon.api.NodeDaemon;
import java.time.Instant;
import java.util.Comparator;

/**
 * Pure helpers that read a pod's state the way upstream's podutil does. A {@link CachedPod} has the
 * answers read already; any other pod is read here.
 */
public final class PodStates {

  /** Label carrying the revision hash on every pod NodeDaemon creates (as apps/v1). */
  public static final String REVISION_LABEL = "controller-revision-hash";

  private PodStates() {}

  public static boolean isTerminating(Pod pod) {
    CachedPod cached = CachedPod.read(pod);
    return cached != null ? cached.terminating() : pod.getMetadata().getDeletionTimestamp() != null;
  }

  public static String phase(Pod pod) {
    CachedPod cached = CachedPod.read(pod);
    if (cached != null) {
      return cached.phase();
    }
    return pod.getStatus() == null || pod.getStatus().getPhase() == null
        ? "Pending"
        : pod.getStatus().getPhase();
  }

  public static boolean isFailed(Pod pod) {
    return "Failed".equals(phase(pod));
  }

  public static boolean isSucceeded(Pod pod) {
    return "Succeeded".equals(phase(pod));
  }

  /** The pod's Ready condition, or null. */
  public static PodCondition readyCondition(Pod pod) {
    CachedPod cached = CachedPod.read(pod);
    if (cached != null) {
      return cached.readyCondition();
    }
    if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
      return null;
    }
    for (PodCondition c : pod.getStatus().getConditions()) {
      if ("Ready".equals(c.getType())) {
        return c;
      }
    }
    return null;
  }

  public static String revision(Pod pod) {
    CachedPod cached = CachedPod.read(pod);
    if (cached != null) {
      return cached.revision();
    }
    return pod.getMetadata().getLabels() == null
        ? null
        : pod.getMetadata().getLabels().get(REVISION_LABEL);
  }

  /** Whether an owner reference names a NodeDaemon (of any version of our API group). */
  public static boolean isNodeDaemon(OwnerReference ref) {
    return NodeDaemon.KIND.equals(ref.getKind())
        && ref.getApiVersion() != null
        && ref.getApiVersion().startsWith(NodeDaemon.GROUP + "/");
  }

  /** The controller owner reference of a pod (or any object), or null. */
  public static OwnerReference controllerOf(HasMetadata object) {
    CachedPod cached = object instanceof Pod pod ? CachedPod.read(pod) : null;
    if (cached != null) {
      return cached.controller();
    }
    if (object.getMetadata().getOwnerReferences() == null) {
      return null;
    }
    for (OwnerReference ref : object.getMetadata().getOwnerReferences()) {
      if (Boolean.TRUE.equals(ref.getController())) {
        return ref;
      }
    }
    return null;
  }

  public static Instant creationTime(Pod pod) {
    Instant t = parse(pod.getMetadata().getCreationTimestamp());
    return t == null ? Instant.EPOCH : t;
  }

  /** Kubernetes timestamps are RFC 3339; a missing or unparseable one is treated as absent. */
  public static Instant parse(String timestamp) {
    if (timestamp == null || timestamp.isEmpty()) {
      return null;
    }
    try {
      return Instant.parse(timestamp);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /**
   * Oldest first, as upstream orders duplicates: a pod bound to a node before an unbound one, then
   * earlier creation time, then name.
   */
  public static final Comparator<Pod> OLDEST_FIRST =
      Comparator.<Pod, Boolean>comparing(
              p ->
                  p.getSpec() == null
                      || p.getSpec().getNodeName() == null
                      || p.getSpec().getNodeName().isEmpty())
          .thenComparing(PodStates::creationTime)
          .thenComparing(p -> p.getMetadata().getName());
}
