package io.nodedaemon.planner;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.NodeSelectorTermBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Shared builders for planner, controller and status tests: a NodeDaemon, nodes, and its pods. */
public final class PlannerFixtures {
  public static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  public static final String NS = "default";
  public static final String NAME = "foo";
  public static final String UID = "uid-foo";
  public static final String REV = "rev-1";

  private PlannerFixtures() {}

  /** A valid NodeDaemon "foo" selecting app=foo, with one container and default strategy. */
  public static NodeDaemon daemon() {
    return daemon(NAME);
  }

  public static NodeDaemon daemon(String name) {
    NodeDaemon d = new NodeDaemon();
    d.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace(NS)
            .withUid("uid-" + name)
            .withGeneration(1L)
            .build());
    NodeDaemonSpec spec = new NodeDaemonSpec();
    spec.setSelector(new LabelSelector(null, Map.of("app", name)));
    spec.setTemplate(
        new PodTemplateSpecBuilder()
            .withNewMetadata()
            .withLabels(Map.of("app", name))
            .endMetadata()
            .withNewSpec()
            .withContainers(new ContainerBuilder().withName("c").withImage("image:1").build())
            .endSpec()
            .build());
    d.setSpec(spec);
    return d;
  }

  public static Node node(String name) {
    return node(name, Map.of());
  }

  public static Node node(String name, Map<String, String> labels, Taint... taints) {
    return new NodeBuilder()
        .withNewMetadata()
        .withName(name)
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
        .withTaints(taints)
        .endSpec()
        .build();
  }

  /** {@code count} plain nodes named node-0000, node-0001, ... */
  public static List<Node> nodes(int count) {
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      nodes.add(node(String.format("node-%04d", i)));
    }
    return nodes;
  }

  public static Taint taint(String key, String value, String effect) {
    return new TaintBuilder().withKey(key).withValue(value).withEffect(effect).build();
  }

  public static NodeSelectorRequirement req(String key, String operator, String... values) {
    return new NodeSelectorRequirementBuilder()
        .withKey(key)
        .withOperator(operator)
        .withValues(values)
        .build();
  }

  public static NodeSelectorTerm expressions(NodeSelectorRequirement... reqs) {
    return new NodeSelectorTermBuilder().withMatchExpressions(reqs).build();
  }

  public static NodeSelectorTerm fields(NodeSelectorRequirement... reqs) {
    return new NodeSelectorTermBuilder().withMatchFields(reqs).build();
  }

  /**
   * A daemon pod of "foo" pinned to {@code nodeName} by the factory, created at {@code created},
   * unbound and Pending.
   */
  public static PodBuilder pod(String podName, String nodeName, String revision, Instant created) {
    Pod base = DaemonPodFactory.newPod(daemon(), nodeName, revision);
    return new PodBuilder(base)
        .editMetadata()
        .withName(podName)
        .withCreationTimestamp(created.toString())
        .endMetadata();
  }

  /** A pod bound to its node, Running and Ready since {@code readySince}. */
  public static Pod readyPod(
      String podName, String nodeName, String revision, Instant created, Instant readySince) {
    return ready(bound(pod(podName, nodeName, revision, created).build()), readySince);
  }

  public static Pod bound(Pod pod) {
    return new PodBuilder(pod)
        .editSpec()
        .withNodeName(DaemonPodFactory.targetNodeName(pod))
        .endSpec()
        .build();
  }

  public static Pod ready(Pod pod, Instant since) {
    return new PodBuilder(pod)
        .withNewStatus()
        .withPhase("Running")
        .withConditions(
            new PodConditionBuilder()
                .withType("Ready")
                .withStatus("True")
                .withLastTransitionTime(since.toString())
                .build())
        .endStatus()
        .build();
  }

  public static Pod phase(Pod pod, String phase) {
    return new PodBuilder(pod).withNewStatus().withPhase(phase).endStatus().build();
  }

  public static Pod terminating(Pod pod, Instant since) {
    return new PodBuilder(pod)
        .editMetadata()
        .withDeletionTimestamp(since.toString())
        .endMetadata()
        .build();
  }

  /** A bare pod in the namespace with labels and optional controller owner uid (null: orphan). */
  public static Pod labelledPod(String name, Map<String, String> labels, String controllerUid) {
    PodBuilder b =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(NS)
            .withLabels(labels)
            .endMetadata();
    if (controllerUid != null) {
      b.editMetadata()
          .withOwnerReferences(
              new OwnerReferenceBuilder()
                  .withApiVersion("v1")
                  .withKind("X")
                  .withName("owner")
                  .withUid(controllerUid)
                  .withController(true)
                  .build())
          .endMetadata();
    }
    return b.build();
  }

  public static List<String> names(List<Pod> pods) {
    return pods.stream().map(p -> p.getMetadata().getName()).toList();
  }
}
