package io.nodedaemon.planner;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;

/**
 * A pod as the operator's informer cache stores it, carrying what every pass reads of it, read once
 * when the cache stores this version of the pod rather than once per pass.
 *
 * <p>Why: each pass of each NodeDaemon reads every one of its pods (placement, readiness, revision,
 * controller), and at 5,000 nodes walking each pod's object graph for those few fields was most of
 * a pass, one cache miss per field (issue 16's reaction-time profile). The readers ({@link
 * PodStates}, {@link DaemonPodFactory#targetNodeName}) compute the same values from any other pod,
 * so the rules stay in one place and a plain {@link Pod} (a test's, one read from the API) gives
 * the same answers.
 *
 * <p>The strings a pass compares (node name, revision hash, phase, controller uid) are kept as
 * their {@link String#intern() interned} instances, as are the cached nodes' names ({@code
 * LeanCaches}): an equal string is then the same object, and comparing it costs no read of its
 * characters, which with a different copy per pod was a cache miss per comparison and a quarter of
 * a pass.
 *
 * <p>A cached pod is never mutated (nothing mutates informer objects), which is what makes reading
 * its fields once correct. Jackson never sees the read fields: they have no getters.
 */
public final class CachedPod extends Pod {

  private final transient boolean read;
  private final transient String targetNode;
  private final transient boolean terminating;
  private final transient String phase;
  private final transient PodCondition readyCondition;
  private final transient String revision;
  private final transient OwnerReference controller;

  /** For Jackson (a copy made by serialising): reads nothing, so the readers walk the pod. */
  public CachedPod() {
    this.read = false;
    this.targetNode = null;
    this.terminating = false;
    this.phase = null;
    this.readyCondition = null;
    this.revision = null;
    this.controller = null;
  }

  /** The pod's parts, shared (not copied), and its fields read once. */
  public CachedPod(Pod pod) {
    super(pod.getApiVersion(), pod.getKind(), pod.getMetadata(), pod.getSpec(), pod.getStatus());
    setAdditionalProperties(pod.getAdditionalProperties());
    // Read from the plain pod, so that each reader's own rule computes the value.
    this.targetNode = intern(DaemonPodFactory.targetNodeName(pod));
    this.terminating = PodStates.isTerminating(pod);
    this.phase = intern(PodStates.phase(pod));
    this.readyCondition = PodStates.readyCondition(pod);
    this.revision = intern(PodStates.revision(pod));
    this.controller = withInternedUid(PodStates.controllerOf(pod));
    this.read = true;
  }

  private static String intern(String s) {
    return s == null ? null : s.intern();
  }

  /** A copy: the pod's own reference is shared with the object the watch delivered. */
  private static OwnerReference withInternedUid(OwnerReference ref) {
    if (ref == null) {
      return null;
    }
    OwnerReference copy =
        new OwnerReference(
            ref.getApiVersion(),
            ref.getBlockOwnerDeletion(),
            ref.getController(),
            ref.getKind(),
            ref.getName(),
            intern(ref.getUid()));
    copy.setAdditionalProperties(ref.getAdditionalProperties());
    return copy;
  }

  /** The cached pod's fields, or null for a pod whose fields were not read in advance. */
  static CachedPod read(Pod pod) {
    return pod instanceof CachedPod c && c.read ? c : null;
  }

  String targetNode() {
    return targetNode;
  }

  boolean terminating() {
    return terminating;
  }

  String phase() {
    return phase;
  }

  PodCondition readyCondition() {
    return readyCondition;
  }

  String revision() {
    return revision;
  }

  OwnerReference controller() {
    return controller;
  }
}
