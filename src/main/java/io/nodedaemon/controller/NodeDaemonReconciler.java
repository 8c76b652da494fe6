package io.nodedaemon.controller;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonStatus;
import io.nodedaemon.planner.DaemonPlanner;
import io.nodedaemon.planner.FailedPodBackoff;
import io.nodedaemon.planner.InFlight;
import io.nodedaemon.planner.LabelSelectors;
import io.nodedaemon.planner.Plan;
import io.nodedaemon.planner.PlanInput;
import io.nodedaemon.planner.SpecValidation;
import io.nodedaemon.ops.NodeDaemonMetrics;
import io.nodedaemon.planner.rollout.ProgressDeadline;
import io.nodedaemon.planner.rollout.RevisionPlan;
import io.nodedaemon.planner.rollout.Revisions;
import io.nodedaemon.status.Conditions;
import io.nodedaemon.status.StatusComputer;
import io.nodedaemon.ops.NodeDaemonCSVMetadata;
import io.quarkiverse.operatorsdk.annotations.CSVMetadata;
import io.quarkiverse.operatorsdk.annotations.RBACRule;
import jakarta.annotation.PreDestroy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The NodeDaemon controller: observe (nodes and pods from the informer caches) → validate → plan
 * (the pure {@link DaemonPlanner}) → carry out the plan ({@link DaemonPodsDependent}) → write the
 * status if it changed. It holds no placement or rollout logic of its own.
 */
// Not generation-aware: as upstream's informer, a change to status alone (another writer, a lost
// write) starts a pass, so the status is corrected within seconds (SPEC §2). Our own status
// writes start one pass each too, which finds nothing to change and writes nothing.
@ControllerConfiguration(name = NodeDaemonReconciler.NAME, generationAwareEventProcessing = false)
@CSVMetadata(bundleName = NodeDaemonCSVMetadata.BUNDLE_NAME)
@RBACRule(apiGroups = "", resources = "nodes", verbs = {"get", "list", "watch"})
@RBACRule(apiGroups = "", resources = "pods", verbs = {"get", "list", "watch", "create", "delete", "patch"})
@RBACRule(apiGroups = "apps", resources = "controllerrevisions", verbs = {"get", "list", "watch", "create", "delete", "patch"})
// get: fabric8 reads an Event before it patches the count of a repeat (EventRecorder).
@RBACRule(apiGroups = {"", "events.k8s.io"}, resources = "events", verbs = {"get", "create", "patch"})
@RBACRule(apiGroups = "coordination.k8s.io", resources = "leases", verbs = {"get", "list", "watch", "create", "update", "patch"})
public class NodeDaemonReconciler implements Reconciler<NodeDaemon> {

  public static final String NAME = "nodedaemon";
  static final String PODS = "pods";
  static final String NODES = "nodes";
  static final String REVISIONS = "revisions";
  private static final Logger LOG = Logger.getLogger(NodeDaemonReconciler.class);

  /**
   * Informers list in pages of this many objects: an unpaged list of 5,000 full nodes is ~90 MB
   * of JSON held at once, before the lean item stores can slim a single one; a page of 100 real
   * nodes is ~2 MB (500, client-go's default, ran an 80 MiB heap out of memory).
   */
  static final long LIST_PAGE_SIZE = 100;
  static final Duration HOUSEKEEPING_PERIOD = Duration.ofMinutes(1);

  private final Clock clock;
  private final EventRecorder events;
  private final InFlightTracker inFlight = new InFlightTracker();
  private final FailedPodBackoff backoff = new FailedPodBackoff();
  /** When to look again after a pass with a failed write (JOSDK's own retry is for exceptions). */
  private final WriteBackoff writeBackoff = new WriteBackoff();
  private final DaemonPlanner planner;
  private final ExecutorService writers;
  private final DaemonPodsDependent pods;
  private final RevisionWriter revisionWriter;
  private final KubernetesClient client;
  private final Map<String, Written> lastWritten = new ConcurrentHashMap<>();
  private final NodeDaemonMetrics metrics;
  /**
   * Per NodeDaemon: the progress record of the last pass. Only its count of available updated
   * pods is used, and only while status still carries its clock: the clock itself is in status.
   */
  private final Map<String, ProgressDeadline.ProgressRecord> progress = new ConcurrentHashMap<>();

  private final ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "nodedaemon-housekeeping");
    t.setDaemon(true);
    return t;
  });
  private volatile IndexerResourceCache<NodeDaemon> primaries;

  private InformerEventSource<Pod, NodeDaemon> podInformer;
  private InformerEventSource<Node, NodeDaemon> nodeInformer;
  private InformerEventSource<ControllerRevision, NodeDaemon> revisionInformer;

  public NodeDaemonReconciler(KubernetesClient client, Clock clock, EventRecorder events, NodeDaemonMetrics metrics,
      @ConfigProperty(name = "nodedaemon.burst-replicas", defaultValue = "250") int burstReplicas,
      @ConfigProperty(name = "nodedaemon.pod-writers", defaultValue = "16") int podWriters) {
    this.clock = clock;
    this.events = events;
    this.planner = new DaemonPlanner(backoff, burstReplicas);
    this.writers = Executors.newFixedThreadPool(podWriters, r -> {
      Thread t = new Thread(r, "nodedaemon-pod-writer");
      t.setDaemon(true);
      return t;
    });
    this.pods = new DaemonPodsDependent(client, writers, inFlight, clock);
    this.revisionWriter = new RevisionWriter(client);
    this.client = client;
    this.metrics = metrics;
  }

  @PreDestroy
  void stopWriters() {
    writers.shutdownNow();
    housekeeping.shutdownNow();
  }

  /**
   * Forgets what this operator remembers about NodeDaemons that no longer exist: the last status
   * written, progress clocks, in-flight writes, metrics series, and failed-pod backoffs quiet for
   * 30 minutes. There is no finalizer (as with DaemonSets, the garbage collector removes the pods),
   * so nothing tells the reconciler of a deletion; a periodic sweep of the primary cache does.
   */
  void forgetDeleted() {
    if (primaries == null) {
      return;
    }
    Set<String> live = primaries.list().map(ReconcilerKeys::of).collect(Collectors.toSet());
    for (String key : rememberedKeys()) {
      if (!live.contains(key)) {
        lastWritten.remove(key);
        progress.remove(key);
        inFlight.forget(key);
        writeBackoff.forget(key);
      }
    }
    metrics.retainOnly(primaries.list().map(ReconcilerKeys::name).collect(Collectors.toSet()));
    backoff.gc(clock.instant());
  }

  private void forgetDeletedQuietly() {
    try {
      forgetDeleted();
    } catch (RuntimeException e) {
      LOG.warnf(e, "Housekeeping failed; trying again in %s", HOUSEKEEPING_PERIOD);
    }
  }

  /** How many NodeDaemons this operator holds per-NodeDaemon memory for (for tests). */
  int rememberedDaemons() {
    return rememberedKeys().size();
  }

  private Set<String> rememberedKeys() {
    Set<String> remembered = new HashSet<>(lastWritten.keySet());
    remembered.addAll(progress.keySet());
    remembered.addAll(inFlight.daemonKeys());
    remembered.addAll(writeBackoff.daemonKeys());
    return remembered;
  }

  @Override
  public List<EventSource<?, NodeDaemon>> prepareEventSources(EventSourceContext<NodeDaemon> context) {
    primaries = context.getPrimaryCache();
    housekeeping.scheduleWithFixedDelay(this::forgetDeletedQuietly, HOUSEKEEPING_PERIOD.toSeconds(),
        HOUSEKEEPING_PERIOD.toSeconds(), TimeUnit.SECONDS);
    // JOSDK hands one item store to every per-namespace informer; a store shared by several
    // informers would lose items on relist, so the lean stores need a single informer.
    boolean oneInformerPerType = context.getControllerConfiguration().getEffectiveNamespaces().size() == 1;
    podInformer = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(Pod.class, NodeDaemon.class)
            .withName(PODS)
            .withNamespacesInheritedFromController()
            .withItemStore(oneInformerPerType ? LeanCaches.storing(LeanCaches::slimPod) : null)
            .withInformerListLimit(LIST_PAGE_SIZE)
            .withSecondaryToPrimaryMapper(pod -> daemonsConcerning(pod, context))
            .build(),
        context);
    nodeInformer = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(Node.class, NodeDaemon.class)
            .withName(NODES)
            .withWatchAllNamespaces()
            .withItemStore(LeanCaches.storing(LeanCaches::slimNode))
            .withInformerListLimit(LIST_PAGE_SIZE)
            // Every NodeDaemon may care about any node; heartbeats are filtered out.
            .withSecondaryToPrimaryMapper(node -> context.getPrimaryCache().list()
                .map(ResourceID::fromResource).collect(Collectors.toSet()))
            .withOnUpdateFilter(NodeChanges::affectsPlacement)
            .build(),
        context);
    revisionInformer = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(ControllerRevision.class, NodeDaemon.class)
            .withName(REVISIONS)
            .withNamespacesInheritedFromController()
            .withItemStore(oneInformerPerType ? LeanCaches.storing(LeanCaches::slimRevision) : null)
            .withInformerListLimit(LIST_PAGE_SIZE)
            .build(),
        context);
    return List.of(podInformer, nodeInformer, revisionInformer);
  }

  /** A pod concerns its controlling NodeDaemon or, if nobody controls it, those that would adopt it. */
  static Set<ResourceID> daemonsConcerning(Pod pod, EventSourceContext<NodeDaemon> context) {
    String namespace = pod.getMetadata().getNamespace();
    OwnerReference controller = PodClaims.controllerOf(pod);
    if (controller != null) {
      return NodeDaemon.KIND.equals(controller.getKind()) && controller.getApiVersion().startsWith(NodeDaemon.GROUP + "/")
          ? Set.of(new ResourceID(controller.getName(), namespace))
          : Set.of();
    }
    Map<String, String> labels = pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
    return context.getPrimaryCache().list(namespace)
        .filter(d -> d.getSpec() != null && LabelSelectors.matches(d.getSpec().getSelector(), labels))
        .map(ResourceID::fromResource)
        .collect(Collectors.toSet());
  }

  @Override
  public UpdateControl<NodeDaemon> reconcile(NodeDaemon daemon, Context<NodeDaemon> context) {
    Instant now = clock.instant();
    String key = ReconcilerKeys.of(daemon);

    List<String> problems = SpecValidation.validate(daemon);
    if (!problems.isEmpty()) {
      return refuse(daemon, new StatusComputer.Problem(
          problems.get(0).startsWith(SpecValidation.EMPTY_SELECTOR) ? "SelectingAll" : "InvalidSpec",
          String.join("; ", problems)), now);
    }

    Duration backingOff = writeBackoff.remaining(key, now);
    if (!backingOff.isZero()) {
      return UpdateControl.<NodeDaemon>noUpdate().rescheduleAfter(backingOff);
    }

    List<Node> nodes = nodeInformer.list(n -> true).toList();
    PodClaims claims = PodClaims.classify(daemon, podInformer.list(daemon.getMetadata().getNamespace(), p -> true).toList());
    List<Pod> controlled = new ArrayList<>(claims.controlled());
    List<Pod> adopted = PodAdoption.adopt(context.getClient(), daemon, claims.toAdopt());
    controlled.addAll(adopted);
    PodAdoption.release(context.getClient(), daemon, claims.toRelease());
    if (adopted.size() < claims.toAdopt().size()) {
      // An orphan we could not adopt (it changed meanwhile) may be the pod of its node: planning
      // now could put a second pod beside it. Upstream's sync errors out here; we look again after
      // the write backoff.
      return UpdateControl.<NodeDaemon>noUpdate().rescheduleAfter(writeBackoff.failed(key, now));
    }

    InFlight pending = inFlight.observe(key, controlled, now);

    RevisionPlan revisions = Revisions.plan(daemon, ownedRevisions(daemon), controlled);
    RevisionWriter.Outcome revisionOutcome = revisionWriter.apply(daemon, revisions);
    if (revisionOutcome.collided()) {
      // Upstream: bump collisionCount in status and try again with the new hash.
      NodeDaemonStatus bumped = Serialization.clone(knownStatus(daemon) == null ? new NodeDaemonStatus() : knownStatus(daemon));
      bumped.setCollisionCount(Revisions.nextCollisionCount(revisions.collisionCount()));
      return withStatus(daemon, bumped, Duration.ZERO, true);
    }
    if (!revisionOutcome.ready()) {
      // SPEC §6: no pod carries a hash with no revision behind it. As upstream's syncDaemonSet
      // returns when constructHistory fails, this pass writes no pod and looks again, with backoff.
      return UpdateControl.<NodeDaemon>noUpdate().rescheduleAfter(writeBackoff.failed(key, now));
    }
    String updateRevision = revisions.updateHash();
    Plan plan = planner.updateDaemonSet(new PlanInput(daemon, nodes, controlled, updateRevision, pending, now));

    var shared = context.managedWorkflowAndDependentResourceContext();
    shared.put(DaemonPodsDependent.PLAN, plan);
    shared.put(DaemonPodsDependent.REVISION, updateRevision);
    pods.reconcile(daemon, context);
    DaemonPodsDependent.SyncOutcome outcome = shared.getMandatory(DaemonPodsDependent.OUTCOME, DaemonPodsDependent.SyncOutcome.class);

    plan.events().forEach(e -> events.record(daemon, e));
    recordSyncEvents(daemon, outcome);
    metrics.podsCreated(daemon.getMetadata().getNamespace(), daemon.getMetadata().getName(), outcome.created().size());
    metrics.podsDeleted(daemon.getMetadata().getNamespace(), daemon.getMetadata().getName(), outcome.deleted().size());

    // NodeDaemon addition: a rollout that stops making progress is reported Stalled.
    var rollingUpdate = daemon.getSpec().getUpdateStrategy() == null ? null : daemon.getSpec().getUpdateStrategy().getRollingUpdate();
    boolean paused = rollingUpdate != null && Boolean.TRUE.equals(rollingUpdate.getPaused());
    var counts = plan.counts();
    boolean rolling = counts.updatedNumberScheduled() < plan.targetUpdated() || plan.updatedAvailable() < counts.updatedNumberScheduled();
    // The clock comes from status (SPEC §6), so a restart or a failover does not reset it.
    NodeDaemonStatus observed = knownStatus(daemon);
    ProgressDeadline.ProgressRecord previous = observed == null ? null : ProgressDeadline.previous(updateRevision,
        StatusComputer.progressClock(observed, updateRevision), observed.getUpdatedNumberScheduled(),
        observed.getNumberAvailable(), progress.get(key));
    ProgressDeadline.Verdict verdict = ProgressDeadline.evaluate(daemon.getSpec().getProgressDeadlineSeconds(), paused, rolling,
        updateRevision, plan.updatedAvailable(), previous, now);
    if (verdict.record() == null) {
      progress.remove(key);
    } else {
      progress.put(key, verdict.record());
    }
    StatusComputer.Problem stalled = verdict.stalled() ? new StatusComputer.Problem(ProgressDeadline.REASON, verdict.message()) : null;
    if (stalled != null && !Conditions.isTrue(knownStatus(daemon) == null ? null : knownStatus(daemon).getConditions(), Conditions.STALLED)) {
      events.record(daemon, "Warning", ProgressDeadline.REASON, verdict.message());
    }

    NodeDaemonStatus status = StatusComputer.compute(daemon, knownStatus(daemon), new StatusComputer.Observed(
        counts, updateRevision, revisions.currentHash(), revisions.collisionCount(),
        LabelSelectors.toString(daemon.getSpec().getSelector()), plan.targetUpdated(),
        plan.hasWrites() || !pending.nodesWithPendingCreate().isEmpty() || !pending.podsPendingDelete().isEmpty(),
        paused, stalled, verdict.record() == null ? null : verdict.record().lastProgressTime()), now);
    recordGauges(daemon, status);

    Duration requeue = earliest(plan.requeueAfter(), verdict.requeueAfter());
    if (outcome.failed() || outcome.skippedCreates() > 0) {
      // The backoff, not earlier: a capped burst (1 s) would otherwise retry failing writes in a loop.
      requeue = writeBackoff.failed(key, now);
    } else {
      writeBackoff.succeeded(key);
    }
    // Woken when a remembered write expires: a lost create is retried then, not at the next event.
    requeue = earliest(requeue, inFlight.wakeUpAfter(key, clock.instant()));
    return withStatus(daemon, status, requeue, false);
  }

  private void recordGauges(NodeDaemon daemon, NodeDaemonStatus s) {
    metrics.recordStatus(daemon.getMetadata().getNamespace(), daemon.getMetadata().getName(), s.getDesiredNumberScheduled(),
        s.getCurrentNumberScheduled(), s.getNumberReady(), s.getNumberAvailable(), s.getUpdatedNumberScheduled(),
        s.getNumberMisscheduled());
  }

  private static Duration earliest(Duration a, Duration b) {
    if (a == null) {
      return b;
    }
    return b == null || a.compareTo(b) <= 0 ? a : b;
  }

  private List<ControllerRevision> ownedRevisions(NodeDaemon daemon) {
    String uid = daemon.getMetadata().getUid();
    List<ControllerRevision> inNamespace = revisionInformer.list(daemon.getMetadata().getNamespace(), r -> true).toList();
    List<ControllerRevision> owned = new ArrayList<>(inNamespace.stream().filter(r -> {
      OwnerReference controller = PodClaims.controllerOf(r);
      return controller != null && uid.equals(controller.getUid());
    }).toList());
    // Upstream's ClaimControllerRevisions: orphans matching the selector join the history.
    owned.addAll(revisionWriter.adopt(daemon, Revisions.orphansToAdopt(daemon, inNamespace)));
    return owned;
  }

  private UpdateControl<NodeDaemon> refuse(NodeDaemon daemon, StatusComputer.Problem problem, Instant now) {
    NodeDaemonStatus status = StatusComputer.invalid(daemon, knownStatus(daemon), problem, now);
    // The gauges keep showing the last counters: a refused spec changes no pod.
    recordGauges(daemon, status);
    if (!status.equals(knownStatus(daemon))) {
      // An event each time the refusal changes, not on every pass.
      events.record(daemon, "Warning", problem.reason(), problem.message());
    }
    return withStatus(daemon, status, null, false);
  }

  /**
   * Writes the status with a JSON merge patch of the whole status, only when it differs from the
   * last status known to be on the server. Why not JOSDK's patchStatus: without server-side apply
   * it sends the difference to the primary it read, and a primary read from a cache that lags our
   * own last write makes that difference miss fields (a counter already written back to its old
   * value is left out, and the server keeps the stale one).
   */
  private UpdateControl<NodeDaemon> withStatus(NodeDaemon daemon, NodeDaemonStatus status, Duration requeue, boolean force) {
    String key = ReconcilerKeys.of(daemon);
    if (force || !status.equals(knownStatus(daemon))) {
      try {
        client.resources(NodeDaemon.class).inNamespace(daemon.getMetadata().getNamespace()).withName(daemon.getMetadata().getName())
            .subresource("status")
            .patch(PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(Map.of("status", status)));
        lastWritten.put(key, new Written(daemon.getMetadata().getUid(), daemon.getMetadata().getResourceVersion(), status));
      } catch (KubernetesClientException e) {
        lastWritten.remove(key);
        if (e.getCode() != 404) {
          throw e; // JOSDK retries with backoff
        }
      }
    }
    UpdateControl<NodeDaemon> control = UpdateControl.noUpdate();
    return requeue == null ? control : control.rescheduleAfter(requeue);
  }

  /**
   * The status on the server as far as we know: the observed object's (SPEC §2: status is truth,
   * not memory), except while the cache still shows the very version our last write patched; then
   * our write is newer than the cache and is what the server holds.
   */
  private NodeDaemonStatus knownStatus(NodeDaemon daemon) {
    Written known = lastWritten.get(ReconcilerKeys.of(daemon));
    boolean cacheBehindOurWrite = known != null && known.uid().equals(daemon.getMetadata().getUid())
        && known.patchedVersion() != null && known.patchedVersion().equals(daemon.getMetadata().getResourceVersion());
    return cacheBehindOurWrite ? known.status() : daemon.getStatus();
  }

  /**
   * The status this operator last wrote for a NodeDaemon (by uid: a re-created one starts afresh),
   * and the resourceVersion of the object it was computed from.
   */
  private record Written(String uid, String patchedVersion, NodeDaemonStatus status) {}

  private void recordSyncEvents(NodeDaemon daemon, DaemonPodsDependent.SyncOutcome outcome) {
    // One event per kind per pass (upstream records one per pod): at 5,000 nodes that halves the writes.
    if (!outcome.created().isEmpty()) {
      events.record(daemon, "Normal", "SuccessfulCreate", "Created pods: " + names(outcome.created()));
    }
    if (!outcome.failedCreates().isEmpty()) {
      events.record(daemon, "Warning", "FailedCreate", "Error creating pods " + String.join("; ", outcome.failedCreates()));
    }
    if (!outcome.deleted().isEmpty()) {
      events.record(daemon, "Normal", "SuccessfulDelete", "Deleted pods: " + names(outcome.deleted()));
    }
    if (!outcome.failedDeletes().isEmpty()) {
      events.record(daemon, "Warning", "FailedDelete", "Error deleting pods " + String.join("; ", outcome.failedDeletes()));
    }
  }

  private static String names(List<Pod> pods) {
    return pods.stream().map(p -> p.getMetadata().getName()).sorted().collect(Collectors.joining(", "));
  }
}
