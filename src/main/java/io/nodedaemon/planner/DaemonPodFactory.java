package io.nodedaemon.planner;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.NodeAffinity;
import io.fabric8.kubernetes.api.model.NodeSelectorBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorTermBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.nodedaemon.api.NodeDaemon;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a daemon pod from a NodeDaemon's template for one node (SPEC §3, upstream's
 * util.CreatePodTemplate + ReplaceDaemonSetPodNodeNameNodeAffinity): revision label, controller
 * owner reference, default daemon tolerations, and a required node affinity pinning it to the node
 * so that the scheduler binds it there.
 */
public final class DaemonPodFactory {

  /** Pod names are kept to a DNS label so they also work as hostnames. */
  static final int MAX_NAME = 63;

  static final int HASH_CHARS = 10;

  private DaemonPodFactory() {}

  /**
   * The tolerations every daemon pod gets (upstream's AddOrUpdateDaemonPodTolerations): a daemon
   * must survive not-ready and unreachable nodes and run on nodes under pressure or cordoned.
   */
  public static List<Toleration> defaultDaemonTolerations(boolean hostNetwork) {
    List<Toleration> t = new ArrayList<>();
    t.add(exists("node.kubernetes.io/not-ready", "NoExecute"));
    t.add(exists("node.kubernetes.io/unreachable", "NoExecute"));
    t.add(exists("node.kubernetes.io/disk-pressure", "NoSchedule"));
    t.add(exists("node.kubernetes.io/memory-pressure", "NoSchedule"));
    t.add(exists("node.kubernetes.io/pid-pressure", "NoSchedule"));
    t.add(exists("node.kubernetes.io/unschedulable", "NoSchedule"));
    if (hostNetwork) {
      t.add(exists("node.kubernetes.io/network-unavailable", "NoSchedule"));
    }
    return t;
  }

  private static Toleration exists(String key, String effect) {
    return new TolerationBuilder().withKey(key).withOperator("Exists").withEffect(effect).build();
  }

  /**
   * The name of the pod of {@code daemonName} for a node and revision. Derived rather than
   * generated, so that the API server itself refuses a second create of the same pod: a second line
   * of defence, behind the in-flight memory, against two pods on one node.
   */
  public static String podNameFor(String daemonName, String nodeName, String revisionHash) {
    String suffix = shortHash(nodeName + "/" + revisionHash);
    int room = MAX_NAME - HASH_CHARS - 1;
    String prefix = daemonName.length() > room ? daemonName.substring(0, room) : daemonName;
    while (prefix.endsWith("-") || prefix.endsWith(".")) {
      prefix = prefix.substring(0, prefix.length() - 1);
    }
    return prefix + "-" + suffix;
  }

  static String shortHash(String text) {
    return HexFormat.of().formatHex(Hashing.sha256(text)).substring(0, HASH_CHARS);
  }

  public static Pod newPod(NodeDaemon daemon, String nodeName, String revisionHash) {
    // A deep copy: the template belongs to the cached NodeDaemon and must never be mutated.
    PodTemplateSpec template = Serialization.clone(daemon.getSpec().getTemplate());
    ObjectMeta tm = template.getMetadata() == null ? new ObjectMeta() : template.getMetadata();
    PodSpec spec = template.getSpec() == null ? new PodSpec() : template.getSpec();

    Map<String, String> labels =
        new LinkedHashMap<>(tm.getLabels() == null ? Map.of() : tm.getLabels());
    labels.put(PodStates.REVISION_LABEL, revisionHash);
    ObjectMeta meta = new ObjectMeta();
    meta.setName(podNameFor(daemon.getMetadata().getName(), nodeName, revisionHash));
    meta.setNamespace(daemon.getMetadata().getNamespace());
    meta.setLabels(labels);
    meta.setAnnotations(tm.getAnnotations());
    meta.setFinalizers(tm.getFinalizers());
    meta.setOwnerReferences(List.of(controllerReference(daemon)));

    List<Toleration> tolerations =
        new ArrayList<>(spec.getTolerations() == null ? List.of() : spec.getTolerations());
    for (Toleration d : defaultDaemonTolerations(Boolean.TRUE.equals(spec.getHostNetwork()))) {
      boolean present =
          tolerations.stream()
              .anyMatch(t -> d.getKey().equals(t.getKey()) && d.getEffect().equals(t.getEffect()));
      if (!present) {
        tolerations.add(d);
      }
    }
    spec.setTolerations(tolerations);
    spec.setNodeName(null);
    pinToNode(spec, nodeName);

    Pod pod = new Pod();
    pod.setMetadata(meta);
    pod.setSpec(spec);
    return pod;
  }

  /** The controller owner reference every object a NodeDaemon owns carries (pods, revisions). */
  public static OwnerReference controllerReference(NodeDaemon daemon) {
    return new OwnerReferenceBuilder()
        .withApiVersion(NodeDaemon.API_VERSION)
        .withKind(NodeDaemon.KIND)
        .withName(daemon.getMetadata().getName())
        .withUid(daemon.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }

  /** Replaces the required node affinity with one term on metadata.name; preferred terms stay. */
  static void pinToNode(PodSpec spec, String nodeName) {
    Affinity affinity = spec.getAffinity() == null ? new Affinity() : spec.getAffinity();
    NodeAffinity nodeAffinity =
        affinity.getNodeAffinity() == null ? new NodeAffinity() : affinity.getNodeAffinity();
    nodeAffinity.setRequiredDuringSchedulingIgnoredDuringExecution(
        new NodeSelectorBuilder()
            .withNodeSelectorTerms(
                new NodeSelectorTermBuilder()
                    .withMatchFields(
                        new NodeSelectorRequirementBuilder()
                            .withKey("metadata.name")
                            .withOperator("In")
                            .withValues(nodeName)
                            .build())
                    .build())
            .build());
    affinity.setNodeAffinity(nodeAffinity);
    spec.setAffinity(affinity);
  }

  /**
   * The node a pod is pinned to by its required matchFields affinity (upstream's
   * GetTargetNodeName).
   */
  public static String targetNodeName(Pod pod) {
    CachedPod cached = CachedPod.read(pod);
    if (cached != null) {
      return cached.targetNode();
    }
    if (pod.getSpec() == null) {
      return null;
    }
    if (pod.getSpec().getNodeName() != null && !pod.getSpec().getNodeName().isEmpty()) {
      return pod.getSpec().getNodeName();
    }
    var affinity = pod.getSpec().getAffinity();
    if (affinity == null
        || affinity.getNodeAffinity() == null
        || affinity.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution() == null) {
      return null;
    }
    for (var term :
        affinity
            .getNodeAffinity()
            .getRequiredDuringSchedulingIgnoredDuringExecution()
            .getNodeSelectorTerms()) {
      if (term.getMatchFields() == null) {
        continue;
      }
      for (var f : term.getMatchFields()) {
        if ("metadata.name".equals(f.getKey())
            && "In".equals(f.getOperator())
            && f.getValues() != null
            && f.getValues().size() == 1) {
          return f.getValues().get(0);
        }
      }
    }
    return null;
  }
}
