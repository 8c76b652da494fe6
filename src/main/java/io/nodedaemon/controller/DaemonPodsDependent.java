package io.nodedaemon.controller;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.api.reconciler.dependent.ReconcileResult;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.planner.DaemonPodFactory;
import io.nodedaemon.planner.Plan;
import io.nodedaemon.planner.SlowStart;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;

/**
 * The daemon pods of a NodeDaemon as a JOSDK dependent resource: it carries out the pod part of a
 * {@link Plan} (upstream's syncNodes), the one place where pods are created and deleted. Deletes
 * run in parallel; creates run in slow-start batches (1, 2, 4, ...) and a batch with a failure
 * stops the rest, so a broken template or a quota costs one failed create, not 250.
 *
 * <p>Why not JOSDK's BulkDependentResource: its reconciler creates one resource after another and
 * deletes whatever is not desired by key, with no batches; see docs/controller-flow.md.
 */
public final class DaemonPodsDependent implements DependentResource<Pod, NodeDaemon> {

  /** Context keys under which the reconciler hands the plan in and reads the outcome back. */
  static final String PLAN = "nodedaemon.plan";
  static final String REVISION = "nodedaemon.updateRevision";
  static final String OUTCOME = "nodedaemon.syncOutcome";

  /** What one sync wrote, for events, metrics and requeueing. */
  public record SyncOutcome(List<Pod> created, List<String> failedCreates, List<Pod> deleted,
      List<String> failedDeletes, int skippedCreates) {
    public boolean failed() {
      return !failedCreates.isEmpty() || !failedDeletes.isEmpty();
    }
  }

  private final KubernetesClient client;
  private final ExecutorService writers;
  private final InFlightTracker inFlight;
  private final Clock clock;

  public DaemonPodsDependent(KubernetesClient client, ExecutorService writers, InFlightTracker inFlight, Clock clock) {
    this.client = client;
    this.writers = writers;
    this.inFlight = inFlight;
    this.clock = clock;
  }

  @Override
  public ReconcileResult<Pod> reconcile(NodeDaemon daemon, Context<NodeDaemon> context) {
    var shared = context.managedWorkflowAndDependentResourceContext();
    Plan plan = shared.getMandatory(PLAN, Plan.class);
    String revision = shared.getMandatory(REVISION, String.class);
    SyncOutcome outcome = syncNodes(daemon, plan, revision);
    shared.put(OUTCOME, outcome);
    List<ReconcileResult<Pod>> results = new ArrayList<>();
    outcome.created().forEach(p -> results.add(ReconcileResult.resourceCreated(p)));
    return ReconcileResult.aggregatedResult(results);
  }

  SyncOutcome syncNodes(NodeDaemon daemon, Plan plan, String revision) {
    String key = ReconcilerKeys.of(daemon);
    String namespace = daemon.getMetadata().getNamespace();

    ConcurrentLinkedQueue<Pod> deleted = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<String> failedDeletes = new ConcurrentLinkedQueue<>();
    List<CompletableFuture<Void>> deletes = new ArrayList<>();
    for (Pod pod : plan.podsToDelete()) {
      String name = pod.getMetadata().getName();
      inFlight.deleted(key, name, clock.instant());
      deletes.add(CompletableFuture.runAsync(() -> {
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
      }, writers));
    }

    ConcurrentLinkedQueue<Pod> created = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<String> failedCreates = new ConcurrentLinkedQueue<>();
    List<String> nodes = plan.nodesNeedingDaemonPods();
    int next = 0;
    for (int batch : SlowStart.batchSizes(nodes.size())) {
      List<CompletableFuture<Void>> creates = new ArrayList<>(batch);
      for (String node : nodes.subList(next, next + batch)) {
        Pod pod = DaemonPodFactory.newPod(daemon, node, revision);
        String name = pod.getMetadata().getName();
        inFlight.created(key, name, node, clock.instant());
        creates.add(CompletableFuture.runAsync(() -> {
          try {
            Created result = createPod(daemon, pod);
            // Only the pod the API server answered with satisfies the expectation: under a
            // generated name, or the live pod of this name that the cache had not shown yet.
            inFlight.createdAs(key, name, result.pod());
            if (!result.existed()) {
              created.add(result.pod());
            }
          } catch (KubernetesClientException e) {
            inFlight.createFailed(key, name);
            failedCreates.add("on node " + node + ": " + e.getMessage());
          }
        }, writers));
      }
      next += batch;
      CompletableFuture.allOf(creates.toArray(CompletableFuture[]::new)).join();
      if (!failedCreates.isEmpty()) {
        break;
      }
    }
    CompletableFuture.allOf(deletes.toArray(CompletableFuture[]::new)).join();
    return new SyncOutcome(List.copyOf(created), List.copyOf(failedCreates), List.copyOf(deleted),
        List.copyOf(failedDeletes), nodes.size() - next);
  }

  /** A create's answer: the pod, and whether it was there before (our own live pod; nothing was created). */
  private record Created(Pod pod, boolean existed) {}

  /**
   * Creates the pod under its derived name (SPEC §3). If that name is taken by a pod this
   * NodeDaemon does not control (one it released, or someone else's), or by its own pod that is
   * terminating (a predecessor on its way out: upstream, with generated names, never waits for it),
   * the pod is created at once under a generated name instead. If the name is taken by our own
   * live pod, the cache is behind and nothing more is created.
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
      OwnerReference controller = existing == null ? null : PodClaims.controllerOf(existing);
      boolean ours = controller != null && daemon.getMetadata().getUid().equals(controller.getUid());
      if (ours && existing.getMetadata().getDeletionTimestamp() == null) {
        return new Created(existing, true);
      }
      pod.getMetadata().setGenerateName(daemon.getMetadata().getName() + "-");
      pod.getMetadata().setName(null);
      return new Created(pods.resource(pod).create(), false);
    }
  }

  @Override
  public Class<Pod> resourceType() {
    return Pod.class;
  }

  @Override
  public Optional<Pod> getSecondaryResource(NodeDaemon primary, Context<NodeDaemon> context) {
    return Optional.empty(); // many pods per primary: read them from the plan, not one by one
  }

  @Override
  public String name() {
    return "daemon-pods";
  }
}
