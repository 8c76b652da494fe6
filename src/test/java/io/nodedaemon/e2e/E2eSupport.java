package io.nodedaemon.e2e;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonSpec;
import io.nodedaemon.api.NodeDaemonStatus;
import io.nodedaemon.cluster.TestCluster;
import io.nodedaemon.sim.SimNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Helpers for end-to-end tests: each test gets its own namespace and its own group of nodes (label
 * {@code e2e-group}), so tests sharing one simulated cluster never see each other's pods.
 */
public final class E2eSupport {
  public static final String GROUP_LABEL = "e2e-group";
  static final Duration TIMEOUT = Duration.ofSeconds(30);

  private E2eSupport() {}

  /**
   * Runs a read-modify-write of an object that others write too (the operator patches a
   * NodeDaemon's status, the kubelet a pod's): on 409 Conflict it reads again and retries, as any
   * client of a contended object must on a real API server.
   */
  public static <T> T retryOnConflict(java.util.function.Supplier<T> edit) {
    for (int attempt = 1; ; attempt++) {
      try {
        return edit.get();
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (e.getCode() != 409 || attempt >= 10) {
          throw e;
        }
      }
    }
  }

  static void addNodes(TestCluster cluster, String group, String... names) {
    for (String name : names) {
      cluster.addNode(SimNode.named(name).label(GROUP_LABEL, group).build());
    }
  }

  /** A NodeDaemon running one busybox-like container on the nodes of {@code group}. */
  public static NodeDaemon daemon(String namespace, String name, String group) {
    NodeDaemon d = new NodeDaemon();
    d.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    NodeDaemonSpec spec = new NodeDaemonSpec();
    spec.setSelector(new LabelSelectorBuilder().withMatchLabels(Map.of("app", name)).build());
    spec.setTemplate(
        new PodTemplateSpecBuilder()
            .withNewMetadata()
            .withLabels(Map.of("app", name))
            .endMetadata()
            .withNewSpec()
            .withNodeSelector(Map.of(GROUP_LABEL, group))
            .withContainers(
                new ContainerBuilder().withName("agent").withImage("example.org/agent:1").build())
            .endSpec()
            .build());
    d.setSpec(spec);
    return d;
  }

  /** Creates the NodeDaemon, and its namespace first if that is missing. */
  static NodeDaemon create(TestCluster cluster, NodeDaemon daemon) {
    cluster.createNamespace(daemon.getMetadata().getNamespace());
    return cluster
        .client()
        .resources(NodeDaemon.class)
        .inNamespace(daemon.getMetadata().getNamespace())
        .resource(daemon)
        .create();
  }

  static NodeDaemon get(KubernetesClient client, String namespace, String name) {
    return client.resources(NodeDaemon.class).inNamespace(namespace).withName(name).get();
  }

  static List<Pod> pods(KubernetesClient client, String namespace) {
    return client.pods().inNamespace(namespace).list().getItems();
  }

  /** Pods of the namespace by node name (pods without a node under ""). */
  static Map<String, List<Pod>> podsByNode(KubernetesClient client, String namespace) {
    return pods(client, namespace).stream()
        .collect(
            Collectors.groupingBy(
                p -> p.getSpec().getNodeName() == null ? "" : p.getSpec().getNodeName()));
  }

  /** Whether the pod's Ready condition is True (what the kubelet reports). */
  public static boolean ready(Pod pod) {
    return pod.getStatus() != null
        && pod.getStatus().getConditions() != null
        && pod.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  static NodeDaemonStatus awaitStatus(
      KubernetesClient client,
      String namespace,
      String name,
      Predicate<NodeDaemonStatus> condition) {
    try {
      await()
          .atMost(TIMEOUT)
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                NodeDaemon d = get(client, namespace, name);
                return d != null && d.getStatus() != null && condition.test(d.getStatus());
              });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      NodeDaemon d = get(client, namespace, name);
      throw new AssertionError(
          "status never matched; last status: "
              + io.fabric8.kubernetes.client.utils.Serialization.asJson(
                  d == null ? null : d.getStatus())
              + "; pods: "
              + pods(client, namespace).stream()
                  .map(
                      p ->
                          p.getMetadata().getName()
                              + "@"
                              + p.getSpec().getNodeName()
                              + "/"
                              + (p.getStatus() == null ? null : p.getStatus().getPhase()))
                  .toList(),
          e);
    }
    return get(client, namespace, name).getStatus();
  }

  /** All of desired, current, ready, updated and available equal n, and nothing misscheduled. */
  static Predicate<NodeDaemonStatus> converged(int n) {
    return s ->
        s.getDesiredNumberScheduled() == n
            && s.getCurrentNumberScheduled() == n
            && s.getNumberReady() == n
            && s.getUpdatedNumberScheduled() == n
            && s.getNumberAvailable() == n
            && s.getNumberMisscheduled() == 0;
  }

  static String conditionStatus(NodeDaemonStatus s, String type) {
    return s.getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .map(c -> c.getStatus())
        .findFirst()
        .orElse(null);
  }

  static String conditionReason(NodeDaemonStatus s, String type) {
    return s.getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .map(c -> c.getReason())
        .findFirst()
        .orElse(null);
  }
}
