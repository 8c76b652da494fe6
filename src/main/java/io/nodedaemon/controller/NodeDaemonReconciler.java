package io.nodedaemon.controller;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.timer.TimerEventSource;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonStatus;
import io.nodedaemon.ops.LeaderFence;
import io.nodedaemon.ops.NodeDaemonCSVMetadata;
import io.nodedaemon.ops.NodeDaemonMetrics;
import io.nodedaemon.planner.DaemonPlanner;
import io.nodedaemon.planner.InFlight;
import io.nodedaemon.planner.PodStates;
import io.nodedaemon.planner.rollout.RevisionPlan;
import io.nodedaemon.planner.rollout.Revisions;
import io.nodedaemon.sync.DaemonSync;
import io.nodedaemon.sync.DaemonSync.Decision;
import io.quarkiverse.operatorsdk.annotations.CSVMetadata;
import io.quarkiverse.operatorsdk.annotations.RBACRule;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The NodeDaemon controller, a thin shell: it observes (nodes, pods and revisions from the informer
 * caches), hands what it saw to the pure {@link DaemonSync}, carries out the decision ({@link
 * PodWriter}, {@link StatusWriter}) and reports it. It decides nothing itself.
 */
// Not generation-aware: as upstream's informer, a change to status alone (another writer, a lost
// write) starts a pass, so the status is corrected within seconds (SPEC §2). The event of our own
// status write starts none (OwnStatusWrites): that pass would find nothing to change.
@ControllerConfiguration(
    name = NodeDaemonReconciler.NAME,
    generationAwareEventProcessing = false,
    informer = @Informer(onUpdateFilter = OwnStatusWrites.class))
@CSVMetadata(bundleName = NodeDaemonCSVMetadata.BUNDLE_NAME)
// Exactly the calls the code makes (docs/operations.md lists each): nodes only through the
// informer.
@RBACRule(
    apiGroups = "",
    resources = "nodes",
    verbs = {"list", "watch"})
@RBACRule(
    apiGroups = "",
    resources = "pods",
    verbs = {"get", "list", "watch", "create", "delete", "patch"})
@RBACRule(
    apiGroups = "apps",
    resources = "controllerrevisions",
    verbs = {"get", "list", "watch", "create", "delete", "patch"})
// get: fabric8 reads an Event before it patches the count of a repeat (EventRecorder).
@RBACRule(
    apiGroups = "",
    resources = "events",
    verbs = {"get", "create", "patch"})
// Leases: a Role in the operator's namespace only (application.properties,
// quarkus.kubernetes.rbac.roles).
public class NodeDaemonReconciler implements Reconciler<NodeDaemon> {

  public static final String NAME = "nodedaemon";

  @Inject Clock clock;
  @Inject DaemonSync sync;
  @Inject PodWriter pods;
  @Inject RevisionWriter revisionWriter;
  @Inject StatusWriter statusWriter;
  @Inject InFlightTracker inFlight;

  /** When to look again after a pass with a failed write (JOSDK's own retry is for exceptions). */
  @Inject WriteBackoff writeBackoff;

  @Inject EventRecorder events;
  @Inject NodeDaemonMetrics metrics;
  @Inject Housekeeping housekeeping;
  @Inject JoinedNodes joinedNodes;
  @Inject PodEventBatching podEvents;

  /**
   * Refuses writes once a pause may have cost this replica its Lease (SPEC §7): asked before each
   * stage that writes, as a woken leader's reconciliation can run before its elector steps down.
   */
  @Inject LeaderFence fence;

  private InformerEventSource<Pod, NodeDaemon> podInformer;
  private InformerEventSource<Node, NodeDaemon> nodeInformer;
  private final SortedNodes sortedNodes = new SortedNodes();
  private InformerEventSource<ControllerRevision, NodeDaemon> revisionInformer;

  @Override
  public List<EventSource<?, NodeDaemon>> prepareEventSources(
      EventSourceContext<NodeDaemon> context) {
    housekeeping.start(context.getPrimaryCache());
    podInformer = Informers.pods(context, inFlight, podEvents);
    nodeInformer = Informers.nodes(context, sortedNodes, joinedNodes);
    revisionInformer = Informers.revisions(context);
    TimerEventSource<NodeDaemon> deferredPasses = new TimerEventSource<>("deferred-passes");
    podEvents.start(
        (daemon, delay) -> {
          try {
            deferredPasses.scheduleOnce(daemon, delay.toMillis());
            return true;
          } catch (IllegalStateException notRunning) {
            return false;
          }
        });
    return List.of(podInformer, nodeInformer, revisionInformer, asEventSource(deferredPasses));
  }

  /** Observe → decide (the pure {@link DaemonSync}) → act → report, as upstream's syncDaemonSet. */
  @Override
  public UpdateControl<NodeDaemon> reconcile(NodeDaemon daemon, Context<NodeDaemon> context) {
    // Whatever this pass does, pod events from now on may defer a pass again.
    podEvents.passStarting(ReconcilerKeys.of(daemon));
    if (!fence.mayWrite()) {
      return UpdateControl.noUpdate();
    }
    Instant now = clock.instant();
    String key = ReconcilerKeys.of(daemon);
    NodeDaemonStatus known = statusWriter.known(daemon);
    Decision refused = DaemonSync.refuse(daemon, known, now);
    if (refused != null) {
      return report(daemon, refused, null, now);
    }
    Duration backingOff = writeBackoff.remaining(key, now);
    if (!backingOff.isZero()) {
      return UpdateControl.<NodeDaemon>noUpdate().rescheduleAfter(backingOff);
    }
    long joins = joinedNodes.mark();
    PodWriter.SyncOutcome early = createOnJoinedNodes(daemon, key);
    if (early != null) {
      // The full pass waits for the event of the pod just created, moments away: now it would walk
      // every node and pod only to find the create in flight. After a failed create, the backoff.
      Duration after =
          early.needsBackoff()
              ? writeBackoff.failed(key, now)
              : inFlight.wakeUpAfter(key, clock.instant());
      UpdateControl<NodeDaemon> control = UpdateControl.noUpdate();
      return after == null ? control : control.rescheduleAfter(after);
    }

    // Observe: claim the pods, then bring the revision history up to date (upstream's
    // syncDaemonSet writes both before it decides anything).
    PodClaims claims = PodClaims.classify(daemon, Informers.claimable(podInformer, daemon));
    List<Pod> controlled = new ArrayList<>(claims.controlled());
    controlled.addAll(PodAdoption.adopt(context.getClient(), daemon, claims.toAdopt()));
    PodAdoption.release(context.getClient(), daemon, claims.toRelease());
    if (controlled.size() < claims.controlled().size() + claims.toAdopt().size()) {
      // An orphan we could not adopt (it changed meanwhile) may be the pod of its node: planning
      // now could put a second pod beside it. Upstream's sync errors out here; we look again after
      // the write backoff.
      return UpdateControl.<NodeDaemon>noUpdate().rescheduleAfter(writeBackoff.failed(key, now));
    }
    InFlight pending = inFlight.observe(key, controlled, now);
    List<ControllerRevision> owned = ownedRevisions(daemon);
    RevisionPlan revisions = Revisions.plan(daemon, owned, controlled);
    if (!fence.mayWrite()) {
      return UpdateControl.noUpdate();
    }
    RevisionWriter.Outcome history = revisionWriter.apply(daemon, revisions);
    if (history.collided()) {
      boolean written =
          statusWriter.write(daemon, DaemonSync.collided(known, revisions).status(), true);
      return UpdateControl.<NodeDaemon>noUpdate()
          .rescheduleAfter(written ? Duration.ZERO : statusWriter.retryAfter(key));
    }
    if (!history.ready()) {
      // SPEC §6: no pod carries a hash with no revision behind it. As upstream's syncDaemonSet
      // returns when constructHistory fails, this pass writes no pod and looks again, with backoff.
      return UpdateControl.<NodeDaemon>noUpdate().rescheduleAfter(writeBackoff.failed(key, now));
    }

    Decision decision =
        sync.decide(
            new DaemonSync.Observed(
                daemon,
                known,
                sortedNodes.get(() -> nodeInformer.list(n -> true)),
                controlled,
                revisions,
                owned,
                pending,
                statusWriter.progress(key),
                now));
    statusWriter.rememberProgress(key, decision.progress());
    joinedNodes.passed(
        key, joins, generation(daemon), convergedRevision(daemon, decision, pending));
    if (!fence.mayWrite()) {
      return UpdateControl.noUpdate();
    }
    PodWriter.SyncOutcome outcome =
        decision.plan() == null
            ? null
            : pods.syncNodes(decision.target(), decision.plan(), decision.targetRevision());
    return report(daemon, decision, outcome, now);
  }

  /**
   * Creates the pods of nodes that joined since the last pass, if that pass left the NodeDaemon
   * converged ({@link JoinedNodes}), instead of a full walk: the same placement rule, on those
   * nodes alone. A node with a pod of this NodeDaemon, one it could adopt, or a create in flight is
   * left to the walk. Null when it created nothing: the walk follows at once.
   */
  private PodWriter.SyncOutcome createOnJoinedNodes(NodeDaemon daemon, String key) {
    JoinedNodes.Early early = joinedNodes.since(key, generation(daemon));
    if (early == null || daemon.getMetadata().getDeletionTimestamp() != null) {
      return null;
    }
    List<Node> joined = new ArrayList<>(early.nodes().size());
    for (String name : early.nodes()) {
      nodeInformer.get(new ResourceID(name)).ifPresent(joined::add);
    }
    List<String> needing =
        DaemonPlanner.joinedNodesNeedingDaemonPods(
            daemon,
            joined,
            node ->
                inFlight.createPending(key, node)
                    || Informers.claimableOn(podInformer, daemon, node));
    if (needing.isEmpty() || !fence.mayWrite()) {
      return null;
    }
    PodWriter.SyncOutcome outcome = pods.createOn(daemon, needing, early.revision());
    recordWrites(daemon, outcome);
    metrics.podsCreatedOnJoin(
        daemon.getMetadata().getNamespace(),
        daemon.getMetadata().getName(),
        outcome.created().size());
    return outcome;
  }

  /** The events and the counters of the pod writes a pass made. */
  private void recordWrites(NodeDaemon daemon, PodWriter.SyncOutcome outcome) {
    String namespace = daemon.getMetadata().getNamespace();
    String name = daemon.getMetadata().getName();
    outcome.events().forEach(e -> events.record(daemon, e));
    metrics.podsCreated(namespace, name, outcome.created().size());
    metrics.podsDeleted(namespace, name, outcome.deleted().size());
    metrics.writesFailed(
        namespace, name, outcome.failedCreates().size() + outcome.failedDeletes().size());
  }

  /**
   * The revision every live pod carries if this pass leaves the NodeDaemon converged: its own
   * template (no rollback in force), nothing to write, nothing in flight, no pod of another
   * revision left. Null otherwise.
   */
  private static String convergedRevision(NodeDaemon daemon, Decision decision, InFlight pending) {
    boolean converged =
        decision.plan() != null
            && decision.target() == daemon
            && !decision.plan().hasWrites()
            && pending.isEmpty()
            && decision.targetRevision().equals(decision.status().getCurrentRevision());
    return converged ? decision.targetRevision() : null;
  }

  private static long generation(NodeDaemon daemon) {
    Long generation = daemon.getMetadata().getGeneration();
    return generation == null ? 0 : generation;
  }

  /** Records the events and metrics of a pass, writes its status, and says when to look again. */
  private UpdateControl<NodeDaemon> report(
      NodeDaemon daemon, Decision decision, PodWriter.SyncOutcome outcome, Instant now) {
    if (!fence.mayWrite()) {
      return UpdateControl.noUpdate();
    }
    String key = ReconcilerKeys.of(daemon);
    String namespace = daemon.getMetadata().getNamespace();
    String name = daemon.getMetadata().getName();
    decision.events().forEach(e -> events.record(daemon, e));
    Duration requeue = decision.requeueAfter();
    if (outcome != null) {
      recordWrites(daemon, outcome);
      Duration retryAfter = null;
      if (outcome.needsBackoff()) {
        retryAfter = writeBackoff.failed(key, now);
      } else {
        writeBackoff.succeeded(key);
      }
      requeue =
          DaemonSync.requeueAfter(decision, retryAfter, inFlight.wakeUpAfter(key, clock.instant()));
    }
    // A refused spec changes no pod: the gauges keep showing the last counters.
    NodeDaemonStatus s = decision.status();
    metrics.recordStatus(namespace, name, s);
    if (!statusWriter.write(daemon, s, false)) {
      metrics.writesFailed(namespace, name, 1);
      Duration retry = statusWriter.retryAfter(key);
      requeue = requeue == null || retry.compareTo(requeue) < 0 ? retry : requeue;
    }
    UpdateControl<NodeDaemon> control = UpdateControl.noUpdate();
    return requeue == null ? control : control.rescheduleAfter(requeue);
  }

  /** JOSDK types its timer for any resource; it delivers this controller's NodeDaemons' ids. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static EventSource<?, NodeDaemon> asEventSource(TimerEventSource<NodeDaemon> timer) {
    return (EventSource) timer;
  }

  private List<ControllerRevision> ownedRevisions(NodeDaemon daemon) {
    String uid = daemon.getMetadata().getUid();
    List<ControllerRevision> inNamespace =
        revisionInformer.list(daemon.getMetadata().getNamespace(), r -> true).toList();
    List<ControllerRevision> owned =
        new ArrayList<>(
            inNamespace.stream()
                .filter(
                    r -> {
                      OwnerReference controller = PodStates.controllerOf(r);
                      return controller != null && uid.equals(controller.getUid());
                    })
                .toList());
    // Upstream's ClaimControllerRevisions: orphans matching the selector join the history.
    owned.addAll(revisionWriter.adopt(daemon, Revisions.orphansToAdopt(daemon, inNamespace)));
    return owned;
  }
}
