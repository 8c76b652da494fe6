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
    this.targetNode = DaemonPodFactory.targetNodeName(pod);
    this.terminating = PodStates.isTerminating(pod);
    this.phase = PodStates.phase(pod);
    this.readyCondition = PodStates.readyCondition(pod);
    this.revision = PodStates.revision(pod);
    this.controller = PodStates.controllerOf(pod);
    this.read = true;
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
