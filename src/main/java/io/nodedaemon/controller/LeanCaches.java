package io.nodedaemon.controller;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSpec;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.nodedaemon.planner.CachedPod;
import io.nodedaemon.planner.PodStates;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * Keeps the informer caches small at 5,000 nodes: every cached object is stored as a slim copy
 * holding only what the controller reads.
 *
 * <p>Nodes keep name, labels, taints, unschedulable and the deletion timestamp (placement and
 * {@link NodeChanges}); their status (images, conditions, capacity, addresses) and annotations,
 * which make up most of a real node, are dropped. Pods and ControllerRevisions controlled by
 * anything but a NodeDaemon keep only the metadata that says so: the controller never reads more of
 * them, and in a large cluster they are nearly all of the pods. Pods a NodeDaemon controls or could
 * adopt (no controller) keep their metadata, the node they are bound or pinned to, their phase and
 * conditions: not their containers, volumes or container statuses. {@code managedFields} go
 * everywhere.
 *
 * <p>Only the cache holds the slim copy: event handlers still receive the object as it came from
 * the watch. Nothing is mutated; the slim copy shares unchanged parts with the original.
 */
public final class LeanCaches {
  private LeanCaches() {}

  /**
   * One copy of each label key and condition word ("Ready", "True", "KubeletReady"): every
   * deserialised object brings its own, 5,000 times over. Values that are unique per object
   * (hostnames, timestamps) are not canonicalised; the table stops growing at a bound so that an
   * unusual cluster cannot make it a leak.
   */
  private static final Map<String, String> CANONICAL = new ConcurrentHashMap<>();

  private static final int CANONICAL_LIMIT = 4096;

  static String canonical(String s) {
    if (s == null) {
      return null;
    }
    String known = CANONICAL.get(s);
    if (known != null) {
      return known;
    }
    if (CANONICAL.size() < CANONICAL_LIMIT) {
      known = CANONICAL.putIfAbsent(s, s);
    }
    return known == null ? s : known;
  }

  /**
   * The labels with canonical keys (and canonical values when they repeat, e.g. "linux", "amd64").
   */
  private static Map<String, String> canonicalLabels(Map<String, String> labels) {
    if (labels == null || labels.isEmpty()) {
      return labels;
    }
    Map<String, String> out = new LinkedHashMap<>(labels.size() * 4 / 3 + 1);
    labels.forEach(
        (k, v) -> out.put(canonical(k), v != null && v.length() <= 16 ? canonical(v) : v));
    return out;
  }

  private static List<PodCondition> canonicalConditions(List<PodCondition> conditions) {
    if (conditions == null) {
      return null;
    }
    List<PodCondition> out = new ArrayList<>(conditions.size());
    for (PodCondition c : conditions) {
      PodCondition copy = new PodCondition();
      copy.setType(canonical(c.getType()));
      copy.setStatus(canonical(c.getStatus()));
      copy.setLastTransitionTime(c.getLastTransitionTime());
      copy.setReason(canonical(c.getReason()));
      out.add(copy);
    }
    return out;
  }

  /**
   * An informer item store that stores {@code slimmer.apply(object)} instead of the object. Its
   * keys are interned: the cache's indexes hold the same key objects as its map, so reading a
   * NodeDaemon's 5,000 pods through an index compares keys by identity, not character by character.
   */
  public static <T extends HasMetadata> ItemStore<T> storing(UnaryOperator<T> slimmer) {
    return new BasicItemStore<>(object -> Cache.metaNamespaceKeyFunc(object).intern()) {
      @Override
      public T put(String key, T object) {
        return super.put(key, slimmer.apply(object));
      }
    };
  }

  public static Node slimNode(Node node) {
    Node slim = new Node();
    slim.setApiVersion(node.getApiVersion());
    slim.setKind(node.getKind());
    ObjectMeta meta = identity(node.getMetadata());
    // Interned, as a cached pod's node name is (CachedPod): the planner joins pods to nodes by it.
    meta.setName(
        node.getMetadata().getName() == null ? null : node.getMetadata().getName().intern());
    meta.setLabels(canonicalLabels(node.getMetadata().getLabels()));
    meta.setDeletionTimestamp(node.getMetadata().getDeletionTimestamp());
    slim.setMetadata(meta);
    if (node.getSpec() != null) {
      NodeSpec spec = new NodeSpec();
      spec.setTaints(node.getSpec().getTaints());
      spec.setUnschedulable(node.getSpec().getUnschedulable());
      slim.setSpec(spec);
    }
    return slim;
  }

  public static Pod slimPod(Pod pod) {
    if (controlledByOtherKind(pod)) {
      Pod slim = new Pod();
      slim.setApiVersion(pod.getApiVersion());
      slim.setKind(pod.getKind());
      slim.setMetadata(controllerOnly(pod));
      return slim;
    }
    // What a pass reads of it is read now, once per version of the pod (CachedPod).
    return new CachedPod(
        new Pod(
            pod.getApiVersion(),
            pod.getKind(),
            withoutManagedFields(pod.getMetadata()),
            placementOnly(pod.getSpec()),
            phaseAndConditionsOnly(pod.getStatus())));
  }

  public static ControllerRevision slimRevision(ControllerRevision revision) {
    if (controlledByOtherKind(revision)) {
      ControllerRevision slim = new ControllerRevision();
      slim.setApiVersion(revision.getApiVersion());
      slim.setKind(revision.getKind());
      slim.setMetadata(controllerOnly(revision));
      return slim;
    }
    if (revision.getMetadata().getManagedFields() == null
        || revision.getMetadata().getManagedFields().isEmpty()) {
      return revision;
    }
    ControllerRevision slim =
        new ControllerRevision(
            revision.getApiVersion(),
            revision.getData(),
            revision.getKind(),
            withoutManagedFields(revision.getMetadata()),
            revision.getRevision());
    slim.setAdditionalProperties(revision.getAdditionalProperties());
    return slim;
  }

  /**
   * The node a pod is bound or pinned to ({@code nodeName}, the node affinity); containers, volumes
   * and the rest of the template are never read from the cache (revisions are compared by the
   * {@code controller-revision-hash} label).
   */
  private static PodSpec placementOnly(PodSpec spec) {
    if (spec == null) {
      return null;
    }
    PodSpec slim = new PodSpec();
    slim.setNodeName(spec.getNodeName());
    if (spec.getAffinity() != null && spec.getAffinity().getNodeAffinity() != null) {
      Affinity affinity = new Affinity();
      affinity.setNodeAffinity(spec.getAffinity().getNodeAffinity());
      slim.setAffinity(affinity);
    }
    return slim;
  }

  /**
   * Phase and conditions (readiness, and since when); container statuses and addresses are not
   * read.
   */
  private static PodStatus phaseAndConditionsOnly(PodStatus status) {
    if (status == null) {
      return null;
    }
    PodStatus slim = new PodStatus();
    slim.setPhase(status.getPhase());
    slim.setConditions(canonicalConditions(status.getConditions()));
    return slim;
  }

  /**
   * True when the object has a controller and it is not a NodeDaemon: no NodeDaemon will ever claim
   * it.
   */
  static boolean controlledByOtherKind(HasMetadata object) {
    OwnerReference controller = PodStates.controllerOf(object);
    return controller != null && !PodStates.isNodeDaemon(controller);
  }

  /** Name, namespace, uid, resourceVersion (the informer compares it) and creation time. */
  private static ObjectMeta identity(ObjectMeta meta) {
    ObjectMeta slim = new ObjectMeta();
    slim.setName(meta.getName());
    slim.setNamespace(meta.getNamespace());
    slim.setUid(meta.getUid());
    slim.setResourceVersion(meta.getResourceVersion());
    slim.setCreationTimestamp(meta.getCreationTimestamp());
    return slim;
  }

  private static ObjectMeta controllerOnly(HasMetadata object) {
    ObjectMeta meta = object.getMetadata();
    ObjectMeta slim = identity(meta);
    slim.setOwnerReferences(List.of(PodStates.controllerOf(object)));
    slim.setDeletionTimestamp(meta.getDeletionTimestamp());
    return slim;
  }

  private static ObjectMeta withoutManagedFields(ObjectMeta meta) {
    ObjectMeta copy =
        new ObjectMeta(
            meta.getAnnotations(),
            meta.getCreationTimestamp(),
            meta.getDeletionGracePeriodSeconds(),
            meta.getDeletionTimestamp(),
            meta.getFinalizers(),
            meta.getGenerateName(),
            meta.getGeneration(),
            canonicalLabels(meta.getLabels()),
            null,
            meta.getName(),
            meta.getNamespace(),
            meta.getOwnerReferences(),
            meta.getResourceVersion(),
            meta.getSelfLink(),
            meta.getUid());
    copy.setAdditionalProperties(meta.getAdditionalProperties());
    return copy;
  }
}
