package io.nodedaemon.controller;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.planner.DaemonPodFactory;
import io.nodedaemon.planner.Plan;
import io.nodedaemon.planner.PlannedEvent;
import io.nodedaemon.planner.PodStates;
import io.nodedaemon.planner.SlowStart;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Carries out the pod part of a {@link Plan} (upstream's syncNodes), the one place where pods are
 * created and deleted. Deletes run in parallel; creates run in slow-start batches (1, 2, 4, ...)
 * and a batch with a failure stops the rest, so a broken template or a quota costs one failed
 * create, not 250. Why this is not a JOSDK dependent resource: docs/controller-flow.md.
 */
@Singleton
public class PodWriter {

  /** What one sync wrote, for events, metrics and requeueing. */
  public record SyncOutcome(
      List<Pod> created,
      List<String> failedCreates,
      List<Pod> deleted,
      List<String> failedDeletes,
      int skippedCreates) {

    /** A write failed, or creates were left for later after a failed batch: the pass backs off. */
    public boolean needsBackoff() {
      return !failedCreates.isEmpty() || !failedDeletes.isEmpty() || skippedCreates > 0;
    }

    /**
     * One event per kind per pass (upstream records one per pod): at 5,000 nodes that halves the
     * writes.
     */
    public List<PlannedEvent> events() {
      List<PlannedEvent> events = new ArrayList<>();
      if (!created.isEmpty()) {
        events.add(
            PlannedEvent.normal(PlannedEvent.SUCCESSFUL_CREATE, "Created pods: " + names(created)));
      }
      if (!failedCreates.isEmpty()) {
        events.add(
            PlannedEvent.warning(
                PlannedEvent.FAILED_CREATE,
                "Error creating pods " + String.join("; ", failedCreates)));
      }
      if (!deleted.isEmpty()) {
        events.add(
            PlannedEvent.normal(PlannedEvent.SUCCESSFUL_DELETE, "Deleted pods: " + names(deleted)));
      }
      if (!failedDeletes.isEmpty()) {
        events.add(
            PlannedEvent.warning(
                PlannedEvent.FAILED_DELETE,
                "Error deleting pods " + String.join("; ", failedDeletes)));
      }
      return events;
    }

    private static String names(List<Pod> pods) {
      return pods.stream()
          .map(p -> p.getMetadata().getName())
          .sorted()
          .collect(Collectors.joining(", "));
    }
  }

  private final KubernetesClient client;
  private final PodWriterPool writers;
  private final InFlightTracker inFlight;
  private final Clock clock;

  public PodWriter(
      KubernetesClient client,
      InFlightTracker inFlight,
      Clock clock,
      @ConfigProperty(name = "nodedaemon.pod-writers", defaultValue = "16") int podWriters) {
    this.client = client;
    this.inFlight = inFlight;
    this.clock = clock;
    this.writers = new PodWriterPool(podWriters, "nodedaemon-pod-writer");
  }

  @PreDestroy
  void stopWriters() {
    writers.shutdownNow();
  }

  /** Creates and deletes what the plan lists; new pods get {@code revision}. */
  SyncOutcome syncNodes(NodeDaemon daemon, Plan plan, String revision) {
    return syncNodes(daemon, plan.nodesNeedingDaemonPods(), plan.podsToDelete(), revision);
  }

  /** Creates pods of {@code revision} on {@code nodes} (those of nodes that just joined). */
  SyncOutcome createOn(NodeDaemon daemon, List<String> nodes, String revision) {
    return syncNodes(daemon, nodes, List.of(), revision);
  }

  private SyncOutcome syncNodes(
      NodeDaemon daemon, List<String> nodes, List<Pod> podsToDelete, String revision) {
    String key = ReconcilerKeys.of(daemon);
    String namespace = daemon.getMetadata().getNamespace();
    PodWriterPool.Pass pass = writers.begin();

    ConcurrentLinkedQueue<Pod> deleted = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<String> failedDeletes = new ConcurrentLinkedQueue<>();
    List<CompletableFuture<Void>> deletes = new ArrayList<>();
    Executor deleteWriters = pass.withRemaining(podsToDelete.size() + nodes.size());
    for (Pod pod : podsToDelete) {
      String name = pod.getMetadata().getName();
      inFlight.deleted(key, name, clock.instant());
      deletes.add(
          CompletableFuture.runAsync(
              () -> {
                try {
                  client.pods().inNamespace(namespace).withName(name).delete();
                  deleted.add(pod);
                } catch (KubernetesClientException e) {
                  if (e.getCode() == 404) {
                    deleted.add(pod); // already gone: what we wanted
                  } else {
                    inFlight.deleteFailed(key, name);
                    failedDeletes.add(name + ": " + e.getMessage());
                  }
                }
              },
              deleteWriters));
    }

    ConcurrentLinkedQueue<Pod> created = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<String> failedCreates = new ConcurrentLinkedQueue<>();
    int next = 0;
    for (int batch : SlowStart.batchSizes(nodes.size())) {
      List<CompletableFuture<Void>> creates = new ArrayList<>(batch);
      Executor createWriters = pass.withRemaining(nodes.size() - next);
      for (String node : nodes.subList(next, next + batch)) {
        Pod pod = DaemonPodFactory.newPod(daemon, node, revision);
        String name = pod.getMetadata().getName();
        inFlight.created(key, name, node, clock.instant());
        creates.add(
            CompletableFuture.runAsync(
                () -> {
                  try {
                    Created result = createPod(daemon, pod);
                    // Only the pod the API server answered with satisfies the expectation: under a
                    // generated name, or the live pod of this name that the cache had not shown
                    // yet.
                    inFlight.createdAs(key, name, result.pod());
                    if (!result.existed()) {
                      created.add(result.pod());
                    }
                  } catch (KubernetesClientException e) {
                    inFlight.createFailed(key, name);
                    failedCreates.add("on node " + node + ": " + e.getMessage());
                  }
                },
                createWriters));
      }
      next += batch;
      CompletableFuture.allOf(creates.toArray(CompletableFuture[]::new)).join();
      if (!failedCreates.isEmpty()) {
        break;
      }
    }
    CompletableFuture.allOf(deletes.toArray(CompletableFuture[]::new)).join();
    return new SyncOutcome(
        List.copyOf(created),
        List.copyOf(failedCreates),
        List.copyOf(deleted),
        List.copyOf(failedDeletes),
        nodes.size() - next);
  }

  /**
   * A create's answer: the pod, and whether it was there before (our own live pod; nothing was
   * created).
   */
  private record Created(Pod pod, boolean existed) {}

  /**
   * Creates the pod under its derived name (SPEC §3). If that name is taken by a pod this
   * NodeDaemon does not control (one it released, or someone else's), or by its own pod that is
   * terminating (a predecessor on its way out: upstream, with generated names, never waits for it),
   * the pod is created at once under a generated name instead. If the name is taken by our own live
   * pod, the cache is behind and nothing more is created.
   */
  private Created createPod(NodeDaemon daemon, Pod pod) {
    var pods = client.pods().inNamespace(daemon.getMetadata().getNamespace());
    try {
      return new Created(pods.resource(pod).create(), false);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      Pod existing = pods.withName(pod.getMetadata().getName()).get();
      OwnerReference controller = existing == null ? null : PodStates.controllerOf(existing);
      boolean ours =
          controller != null && daemon.getMetadata().getUid().equals(controller.getUid());
      if (ours && existing.getMetadata().getDeletionTimestamp() == null) {
        return new Created(existing, true);
      }
      pod.getMetadata().setGenerateName(daemon.getMetadata().getName() + "-");
      pod.getMetadata().setName(null);
      return new Created(pods.resource(pod).create(), false);
    }
  }
}
