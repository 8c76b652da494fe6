package io.nodedaemon.planner.rollout;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonSpec;
import io.nodedaemon.api.NodeDaemonUpdateStrategy;
import io.nodedaemon.api.RollingUpdateNodeDaemon;
import io.nodedaemon.planner.PodFacts;
import io.nodedaemon.planner.PodStates;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A step simulation in the manner of upstream's update_test.go: a NodeDaemon, nodes, an in-memory
 * pod store, a fake clock, and a stand-in for the manage loop (a pod on every desired node without
 * one). {@link #sync()} plans, applies the creates and deletes, and reports them.
 */
final class SimCluster {

  /** What one sync did. */
  record Sync(List<String> createdOn, List<String> deleted, RolloutPlan plan) {
    int creates() {
      return createdOn.size();
    }

    int deletes() {
      return deleted.size();
    }
  }

  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  final NodeDaemon daemon;
  final TreeMap<String, Node> nodes = new TreeMap<>();
  final Map<String, Pod> pods = new LinkedHashMap<>();
  Instant now = T0;
  private int podCounter;
  private int imageCounter;

  SimCluster(int nodeCount) {
    daemon = newDaemon("foo");
    for (int i = 0; i < nodeCount; i++) {
      addNode(String.format("node-%02d", i), Map.of());
    }
  }

  static NodeDaemon newDaemon(String name) {
    NodeDaemon daemon = new NodeDaemon();
    daemon.setMetadata(
        new ObjectMetaBuilder()
            .withName(name)
            .withNamespace("default")
            .withUid("uid-" + name)
            .build());
    NodeDaemonSpec spec = new NodeDaemonSpec();
    spec.setSelector(new LabelSelector(null, Map.of("app", name)));
    spec.setTemplate(template(name, "image:1"));
    daemon.setSpec(spec);
    return daemon;
  }

  static PodTemplateSpec template(String app, String image) {
    return new PodTemplateSpecBuilder()
        .withNewMetadata()
        .withLabels(Map.of("app", app))
        .endMetadata()
        .withNewSpec()
        .withContainers(new ContainerBuilder().withName("c").withImage(image).build())
        .endSpec()
        .build();
  }

  void addNode(String name, Map<String, String> labels) {
    nodes.put(
        name,
        new NodeBuilder()
            .withNewMetadata()
            .withName(name)
            .withLabels(labels)
            .endMetadata()
            .build());
  }

  RollingUpdateNodeDaemon rollingUpdate() {
    NodeDaemonUpdateStrategy strategy = daemon.getSpec().getUpdateStrategy();
    if (strategy == null) {
      strategy = new NodeDaemonUpdateStrategy();
      strategy.setType(NodeDaemonUpdateStrategy.Type.RollingUpdate);
      daemon.getSpec().setUpdateStrategy(strategy);
    }
    if (strategy.getRollingUpdate() == null) {
      strategy.setRollingUpdate(new RollingUpdateNodeDaemon());
    }
    return strategy.getRollingUpdate();
  }

  SimCluster maxUnavailable(Object value) {
    rollingUpdate().setMaxUnavailable(new IntOrString(value));
    return this;
  }

  SimCluster maxSurge(Object value) {
    rollingUpdate().setMaxSurge(new IntOrString(value));
    rollingUpdate().setMaxUnavailable(new IntOrString(0));
    return this;
  }

  SimCluster minReadySeconds(int seconds) {
    daemon.getSpec().setMinReadySeconds(seconds);
    return this;
  }

  /** Changes the template (a new image), as a user's `kubectl apply` would. */
  void updateTemplate() {
    daemon.getSpec().setTemplate(template("foo", "image:" + (++imageCounter + 1)));
  }

  String updateHash() {
    return Revisions.hash(daemon.getSpec().getTemplate(), null);
  }

  void advance(Duration d) {
    now = now.plus(d);
  }

  /** The manage stand-in plus one rolling-update pass, applied to the store. */
  Sync sync() {
    String hash = updateHash();
    List<String> createdOn = new ArrayList<>();
    for (String node : nodes.keySet()) {
      if (livePodsOn(node).isEmpty()) {
        createdOn.add(node);
      }
    }
    RolloutPlan plan = RolloutPlanner.rollingUpdate(input());
    createdOn.addAll(plan.nodesNeedingNewPods());
    List<String> deleted = new ArrayList<>();
    for (Pod pod : plan.oldPodsToDelete()) {
      deleted.add(pod.getMetadata().getName());
      pods.remove(pod.getMetadata().getName());
    }
    for (String node : createdOn) {
      Pod pod = newPod(node, hash);
      pods.put(pod.getMetadata().getName(), pod);
    }
    return new Sync(createdOn, deleted, plan);
  }

  RolloutInput input() {
    Map<String, List<Pod>> nodeToDaemonPods = new TreeMap<>();
    for (Pod pod : pods.values()) {
      String node = pod.getSpec().getNodeName();
      if (nodes.containsKey(node)) {
        nodeToDaemonPods.computeIfAbsent(node, k -> new ArrayList<>()).add(pod);
      }
    }
    String hash = updateHash();
    Map<String, List<PodFacts>> facts = new LinkedHashMap<>();
    nodeToDaemonPods.forEach(
        (node, onNode) -> facts.put(node, onNode.stream().map(p -> PodFacts.of(p, hash)).toList()));
    return new RolloutInput(daemon, facts, nodes, hash, now);
  }

  private List<Pod> livePodsOn(String node) {
    return pods.values().stream()
        .filter(p -> node.equals(p.getSpec().getNodeName()) && !PodStates.isTerminating(p))
        .toList();
  }

  Pod newPod(String node, String hash) {
    return new PodBuilder()
        .withNewMetadata()
        .withName("foo-" + (++podCounter))
        .withLabels(Map.of("app", "foo", PodStates.REVISION_LABEL, hash))
        .withCreationTimestamp(now.toString())
        .endMetadata()
        .withNewSpec()
        .withNodeName(node)
        .endSpec()
        .withNewStatus()
        .withPhase("Running")
        .endStatus()
        .build();
  }

  /** Marks matching pods Ready (or not) as of now, as the kubelet would. */
  int setReady(boolean ready, Predicate<Pod> which) {
    int n = 0;
    for (Pod pod : pods.values()) {
      if (isReady(pod) != ready && which.test(pod)) {
        pod.getStatus()
            .setConditions(
                List.of(
                    new PodConditionBuilder()
                        .withType("Ready")
                        .withStatus(ready ? "True" : "False")
                        .withLastTransitionTime(now.toString())
                        .build()));
        n++;
      }
    }
    return n;
  }

  static boolean isReady(Pod pod) {
    return PodStates.readyCondition(pod) != null
        && "True".equals(PodStates.readyCondition(pod).getStatus());
  }

  int markPodsReady() {
    return setReady(true, p -> true);
  }

  Predicate<Pod> updated() {
    String hash = updateHash();
    return p -> hash.equals(PodStates.revision(p));
  }

  Predicate<Pod> old() {
    return updated().negate();
  }

  long count(Predicate<Pod> which) {
    return pods.values().stream().filter(which).count();
  }

  long readyCount() {
    return count(SimCluster::isReady);
  }

  Set<String> podNames(Predicate<Pod> which) {
    return pods.values().stream()
        .filter(which)
        .map(p -> p.getMetadata().getName())
        .collect(Collectors.toSet());
  }

  List<String> nodesOf(List<Pod> ps) {
    return ps.stream().map(p -> p.getSpec().getNodeName()).toList();
  }
}
