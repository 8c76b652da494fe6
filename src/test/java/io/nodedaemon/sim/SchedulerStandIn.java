package io.nodedaemon.sim;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Stands in for kube-scheduler, for daemon pods only: a pod without {@code spec.nodeName} whose
 * required node affinity pins it with {@code matchFields metadata.name In [<node>]} (how NodeDaemon
 * and DaemonSet pods are pinned) is bound to that node, if the node exists and every
 * NoSchedule/NoExecute taint of the node is tolerated; otherwise it stays Pending, and is looked at
 * again whenever a node appears or changes.
 *
 * <p>Binding is a JSON merge patch of {@code spec.nodeName} (the mock has no binding subresource)
 * plus a {@code PodScheduled=True} condition.
 */
public final class SchedulerStandIn implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(SchedulerStandIn.class);

  private final KubernetesClient client;
  // One thread: bindings happen in event order and never race each other.
  private final ExecutorService worker =
      Executors.newSingleThreadExecutor(r -> daemon(r, "sim-scheduler"));
  // Volatile and null-checked: each informer's first events can reach the worker before the
  // other informer exists; whichever starts second triggers the pass that the first one missed.
  private volatile SharedIndexInformer<Node> nodes;
  private volatile SharedIndexInformer<Pod> pods;
  private final AtomicLong bindings = new AtomicLong();

  public SchedulerStandIn(KubernetesClient client) {
    this.client = client;
    this.nodes =
        client
            .nodes()
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Node node) {
                    worker.execute(SchedulerStandIn.this::scheduleAllPending);
                  }

                  @Override
                  public void onUpdate(Node oldNode, Node newNode) {
                    worker.execute(SchedulerStandIn.this::scheduleAllPending);
                  }

                  @Override
                  public void onDelete(Node node, boolean unknown) {}
                });
    this.pods =
        client
            .pods()
            .inAnyNamespace()
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Pod pod) {
                    worker.execute(() -> schedule(pod));
                  }

                  @Override
                  public void onUpdate(Pod oldPod, Pod newPod) {
                    worker.execute(() -> schedule(newPod));
                  }

                  @Override
                  public void onDelete(Pod pod, boolean unknown) {}
                });
  }

  /** How many pods this stand-in has bound so far. */
  public long bindings() {
    return bindings.get();
  }

  private void scheduleAllPending() {
    var pods = this.pods;
    if (pods == null) {
      return;
    }
    pods.getStore().list().forEach(this::schedule);
  }

  private void schedule(Pod pod) {
    if (pod.getSpec() == null
        || pod.getSpec().getNodeName() != null
        || pod.getMetadata().getDeletionTimestamp() != null) {
      return;
    }
    Optional<String> pinned = pinnedNode(pod);
    if (pinned.isEmpty()) {
      return;
    }
    var nodes = this.nodes;
    Node node = nodes == null ? null : nodes.getStore().getByKey(pinned.get());
    if (node == null || !toleratesAll(node, pod.getSpec().getTolerations())) {
      return;
    }
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    String patch =
        """
        {"spec":{"nodeName":"%s"},"status":{"phase":"Pending","conditions":[\
        {"type":"PodScheduled","status":"True","lastTransitionTime":"%s"}]}}"""
            .formatted(pinned.get(), now);
    try {
      client
          .pods()
          .inNamespace(pod.getMetadata().getNamespace())
          .withName(pod.getMetadata().getName())
          .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
      bindings.incrementAndGet();
    } catch (KubernetesClientException e) {
      // A pod deleted in the meantime is the common case; a later event retries anything else.
      LOG.debugf(
          "could not bind %s/%s: %s",
          pod.getMetadata().getNamespace(), pod.getMetadata().getName(), e.getMessage());
    }
  }

  /** The node named by a required {@code matchFields metadata.name In [node]} term, if any. */
  static Optional<String> pinnedNode(Pod pod) {
    var affinity = pod.getSpec().getAffinity();
    if (affinity == null
        || affinity.getNodeAffinity() == null
        || affinity.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution() == null) {
      return Optional.empty();
    }
    List<NodeSelectorTerm> terms =
        affinity
            .getNodeAffinity()
            .getRequiredDuringSchedulingIgnoredDuringExecution()
            .getNodeSelectorTerms();
    return terms.stream()
        .flatMap(
            t ->
                t.getMatchFields() == null
                    ? java.util.stream.Stream.empty()
                    : t.getMatchFields().stream())
        .filter(r -> "metadata.name".equals(r.getKey()) && "In".equals(r.getOperator()))
        .map(NodeSelectorRequirement::getValues)
        .filter(v -> v != null && v.size() == 1)
        .map(v -> v.get(0))
        .findFirst();
  }

  /**
   * The scheduler's TaintToleration filter: every NoSchedule and NoExecute taint must be tolerated.
   */
  static boolean toleratesAll(Node node, List<Toleration> tolerations) {
    List<Taint> taints = node.getSpec() == null ? null : node.getSpec().getTaints();
    if (taints == null) {
      return true;
    }
    return taints.stream()
        .filter(t -> "NoSchedule".equals(t.getEffect()) || "NoExecute".equals(t.getEffect()))
        .allMatch(
            t -> tolerations != null && tolerations.stream().anyMatch(tol -> tolerates(tol, t)));
  }

  static boolean tolerates(Toleration tol, Taint taint) {
    if (tol.getEffect() != null
        && !tol.getEffect().isEmpty()
        && !tol.getEffect().equals(taint.getEffect())) {
      return false;
    }
    if (tol.getKey() != null && !tol.getKey().isEmpty() && !tol.getKey().equals(taint.getKey())) {
      return false;
    }
    if ("Exists".equals(tol.getOperator())) {
      return true;
    }
    // Operator Equal (the default) with an empty key would be invalid; compare values.
    return (tol.getKey() != null && !tol.getKey().isEmpty())
        && Objects.equals(emptyToNull(tol.getValue()), emptyToNull(taint.getValue()));
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  @Override
  public void close() {
    if (pods != null) {
      pods.close();
    }
    if (nodes != null) {
      nodes.close();
    }
    worker.shutdownNow();
  }
}
