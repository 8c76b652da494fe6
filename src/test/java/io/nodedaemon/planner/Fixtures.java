package io.nodedaemon.planner;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
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

/** Builders for the nodes, pods and NodeDaemons the planner tests feed in. */
final class Fixtures {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final String HASH = "rev1";

  private Fixtures() {}

  static NodeDaemon daemon() {
    NodeDaemon d = new NodeDaemon();
    d.setMetadata(new ObjectMetaBuilder().withName("agent").withNamespace("ns").withUid("uid-1").withGeneration(1L).build());
    NodeDaemonSpec spec = new NodeDaemonSpec();
    spec.setSelector(new LabelSelectorBuilder().withMatchLabels(Map.of("app", "agent")).build());
    spec.setTemplate(new PodTemplateSpecBuilder()
        .withNewMetadata().withLabels(Map.of("app", "agent")).endMetadata()
        .withNewSpec().withContainers(new ContainerBuilder().withName("c").withImage("img:1").build()).endSpec()
        .build());
    d.setSpec(spec);
    return d;
  }

  static Node node(String name, Map<String, String> labels, Taint... taints) {
    return new NodeBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata()
        .withNewSpec().withTaints(List.of(taints)).endSpec().build();
  }

  static Node node(String name) {
    return node(name, Map.of());
  }

  static Taint taint(String key, String effect) {
    return new TaintBuilder().withKey(key).withEffect(effect).build();
  }

  static List<Node> nodes(int n) {
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      nodes.add(node(String.format("node-%04d", i)));
    }
    return nodes;
  }

  /** A running, ready pod of the daemon bound to {@code node}, created at {@code created}. */
  static Pod pod(String name, String node, String hash, Instant created) {
    return new PodBuilder()
        .withNewMetadata().withName(name).withNamespace("ns").withUid("uid-" + name)
        .withCreationTimestamp(created.toString())
        .withLabels(Map.of("app", "agent", PodStates.REVISION_LABEL, hash)).endMetadata()
        .withNewSpec().withNodeName(node).endSpec()
        .withNewStatus().withPhase("Running")
        .withConditions(new PodConditionBuilder().withType("Ready").withStatus("True").withLastTransitionTime(created.toString()).build())
        .endStatus()
        .build();
  }

  static Pod withPhase(Pod pod, String phase) {
    return new PodBuilder(pod).editStatus().withPhase(phase).withConditions().endStatus().build();
  }

  static Pod terminating(Pod pod) {
    return new PodBuilder(pod).editMetadata().withDeletionTimestamp(T0.toString()).endMetadata().build();
  }

  static Pod unbound(Pod pod) {
    return new PodBuilder(pod).editSpec().withNodeName(null).endSpec().build();
  }

  static PlanInput input(NodeDaemon d, List<Node> nodes, List<Pod> pods, Instant now) {
    return new PlanInput(d, nodes, pods, HASH, InFlight.NONE, now);
  }
}
