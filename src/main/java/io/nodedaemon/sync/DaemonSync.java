package io.nodedaemon.sync;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonStatus;
import io.nodedaemon.api.RollbackStatus;
import io.nodedaemon.planner.DaemonCounts;
import io.nodedaemon.planner.DaemonPlanner;
import io.nodedaemon.planner.InFlight;
import io.nodedaemon.planner.LabelSelectors;
import io.nodedaemon.planner.Plan;
import io.nodedaemon.planner.PlanInput;
import io.nodedaemon.planner.PlannedEvent;
import io.nodedaemon.planner.SpecValidation;
import io.nodedaemon.planner.rollout.ProgressDeadline;
import io.nodedaemon.planner.rollout.RevisionPlan;
import io.nodedaemon.planner.rollout.Revisions;
import io.nodedaemon.planner.rollout.Rollback;
import io.nodedaemon.planner.rollout.RolloutPlanner;
import io.nodedaemon.status.Conditions;
import io.nodedaemon.status.StatusComputer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Everything one pass over one NodeDaemon decides, from what it observed, without I/O: upstream's
 * syncDaemonSet and updateDaemonSetStatus with the writes taken out. The reconciler observes, calls
 * {@link #decide}, carries out the {@link Decision} and reports.
 */
public final class DaemonSync {

  private final DaemonPlanner planner;

  public DaemonSync(DaemonPlanner planner) {
    this.planner = planner;
  }

  /**
   * What a pass observed of a NodeDaemon whose spec is valid, after claiming its pods and writing
   * its revision history.
   *
   * @param known the status on the server as far as the shell knows (null if none)
   * @param pods the pods the NodeDaemon controls, adopted ones included
   * @param revisions the revision history's plan for this pass
   * @param history the ControllerRevisions the NodeDaemon controls (a rollback reads its target's
   *     template there)
   * @param inFlight writes sent but not yet seen in the cache
   * @param remembered this process's progress record of the previous pass, or null
   */
  public record Observed(
      NodeDaemon daemon,
      NodeDaemonStatus known,
      Collection<Node> nodes,
      Collection<Pod> pods,
      RevisionPlan revisions,
      Collection<ControllerRevision> history,
      InFlight inFlight,
      ProgressDeadline.ProgressRecord remembered,
      Instant now) {}

  /**
   * What a pass decided.
   *
   * @param plan the pod writes (upstream's syncNodes input); null when the pass may write no pod
   * @param target the NodeDaemon whose template new pods get: the observed one, or during a
   *     rollback a copy carrying the rollback target's template; null with the plan
   * @param targetRevision the revision hash new pods carry; null with the plan
   * @param status the status to hold on the server (written only if it differs from the known one)
   * @param events to record on the NodeDaemon
   * @param requeueAfter when time alone changes something, null if nothing does
   * @param progress the progress record to remember for the next pass, null to forget it
   */
  public record Decision(
      Plan plan,
      NodeDaemon target,
      String targetRevision,
      NodeDaemonStatus status,
      List<PlannedEvent> events,
      Duration requeueAfter,
      ProgressDeadline.ProgressRecord progress) {}

  /**
   * A spec the operator refuses (SPEC §1): Stalled with reason InvalidSpec, or SelectingAll for an
   * empty selector, and one Warning event each time the refusal changes. Null when the spec is
   * valid.
   */
  public static Decision refuse(NodeDaemon daemon, NodeDaemonStatus known, Instant now) {
    List<String> problems = SpecValidation.validate(daemon);
    if (problems.isEmpty()) {
      return null;
    }
    boolean selectingAll =
        daemon.getSpec() != null && LabelSelectors.isEmpty(daemon.getSpec().getSelector());
    StatusComputer.Problem problem =
        new StatusComputer.Problem(
            selectingAll ? PlannedEvent.SELECTING_ALL : PlannedEvent.INVALID_SPEC,
            String.join("; ", problems));
    NodeDaemonStatus status = StatusComputer.invalid(daemon, known, problem, now);
    List<PlannedEvent> events =
        status.equals(known)
            ? List.of()
            : List.of(PlannedEvent.warning(problem.reason(), problem.message()));
    return new Decision(null, null, null, status, events, null, null);
  }

  /**
   * Upstream: a revision name taken by another template bumps collisionCount in status; the pass
   * starts again.
   */
  public static Decision collided(NodeDaemonStatus known, RevisionPlan revisions) {
    NodeDaemonStatus bumped = known == null ? new NodeDaemonStatus() : Serialization.clone(known);
    bumped.setCollisionCount(Revisions.nextCollisionCount(revisions.collisionCount()));
    return new Decision(null, null, null, bumped, List.of(), Duration.ZERO, null);
  }

  /**
   * Plans the pass (upstream's updateDaemonSet without its writes), then its status; during a
   * rollback (SPEC §9), towards the rollback's target instead of the template.
   */
  public Decision decide(Observed o) {
    RollbackStatus rollback = Rollback.inForce(o.known(), o.revisions().updateHash());
    if (rollback != null) {
      return rollingBack(o, rollback);
    }
    Plan plan =
        planner.updateDaemonSet(
            new PlanInput(
                o.daemon(),
                o.nodes(),
                o.pods(),
                o.revisions().updateHash(),
                o.inFlight(),
                o.now()));
    return updateDaemonSetStatus(
        o.daemon(), o.known(), plan, o.revisions(), o.inFlight(), o.remembered(), o.now());
  }

  /**
   * A pass while a rollback is in force: an ordinary rolling update to the rollback's target
   * (Rollback explains what restrains it), reported Stalled with reason RolledBack and not timed by
   * the progress deadline. When the target's revision is gone from the history, no pod is written:
   * the pods stay as they are rather than going forward to the template that stalled.
   */
  private Decision rollingBack(Observed o, RollbackStatus rollback) {
    NodeDaemon daemon = o.daemon();
    PodTemplateSpec template = Rollback.templateOf(o.history(), rollback.toRevision());
    NodeDaemon target = template == null ? daemon : Rollback.target(daemon, template);
    Plan plan =
        planner.updateDaemonSet(
            new PlanInput(
                target, o.nodes(), o.pods(), rollback.toRevision(), o.inFlight(), o.now()));
    String message = Rollback.message(rollback, daemon.getSpec().getProgressDeadlineSeconds());
    if (template == null) {
      message +=
          "; revision " + rollback.toRevision() + " is gone from the history: no pod is written";
    }
    NodeDaemonStatus status =
        StatusComputer.compute(
            daemon,
            o.known(),
            observed(
                daemon,
                plan,
                rollback.toRevision(),
                o.revisions(),
                o.inFlight(),
                new StatusComputer.Problem(Rollback.REASON, message),
                null,
                rollback),
            o.now());
    return template == null
        ? new Decision(null, null, null, status, plan.events(), null, null)
        : new Decision(
            plan, target, rollback.toRevision(), status, plan.events(), plan.requeueAfter(), null);
  }

  /**
   * Upstream's updateDaemonSetStatus for a planned pass, with NodeDaemon's progress deadline: a
   * rollout that stops making progress is reported Stalled, with one Warning event when it turns
   * so. The deadline's clock comes from the known status (SPEC §6), so a restart or a failover does
   * not reset it; {@code remembered} is this process's record of the previous pass, or null.
   */
  public static Decision updateDaemonSetStatus(
      NodeDaemon daemon,
      NodeDaemonStatus known,
      Plan plan,
      RevisionPlan revisions,
      InFlight inFlight,
      ProgressDeadline.ProgressRecord remembered,
      Instant now) {
    String updateRevision = revisions.updateHash();
    boolean paused = RolloutPlanner.isPaused(daemon);
    DaemonCounts counts = plan.counts();
    boolean rolling =
        counts.updatedNumberScheduled() < plan.targetUpdated()
            || plan.updatedAvailable() < counts.updatedNumberScheduled();
    ProgressDeadline.ProgressRecord previous =
        known == null
            ? null
            : ProgressDeadline.previous(
                updateRevision,
                StatusComputer.progressClock(known, updateRevision),
                known.getUpdatedNumberScheduled(),
                known.getNumberAvailable(),
                remembered);
    ProgressDeadline.Verdict verdict =
        ProgressDeadline.evaluate(
            daemon.getSpec().getProgressDeadlineSeconds(),
            paused,
            rolling,
            updateRevision,
            plan.updatedAvailable(),
            previous,
            now);

    List<PlannedEvent> events = new ArrayList<>(plan.events());
    StatusComputer.Problem stalled = null;
    RollbackStatus rollback = null;
    if (verdict.stalled()) {
      rollback = Rollback.start(daemon, updateRevision, revisions.currentHash(), now);
    }
    if (rollback != null) {
      // SPEC §9: the rollback is recorded in status before any pod moves, so whichever replica
      // leads next carries it on; this pass writes no pod and the next one starts rolling back.
      String message = Rollback.message(rollback, daemon.getSpec().getProgressDeadlineSeconds());
      stalled = new StatusComputer.Problem(Rollback.REASON, message);
      events.add(PlannedEvent.warning(Rollback.REASON, message));
    } else if (verdict.stalled()) {
      stalled = new StatusComputer.Problem(ProgressDeadline.REASON, verdict.message());
      // One event when the rollout turns Stalled, not one a pass.
      if (!Conditions.isTrue(known == null ? null : known.getConditions(), Conditions.STALLED)) {
        events.add(PlannedEvent.warning(ProgressDeadline.REASON, verdict.message()));
      }
    }
    NodeDaemonStatus status =
        StatusComputer.compute(
            daemon,
            known,
            observed(
                daemon,
                plan,
                updateRevision,
                revisions,
                inFlight,
                stalled,
                verdict.record() == null ? null : verdict.record().lastProgressTime(),
                rollback),
            now);
    if (rollback != null) {
      return new Decision(null, null, null, status, List.copyOf(events), Duration.ZERO, null);
    }
    return new Decision(
        plan,
        daemon,
        updateRevision,
        status,
        List.copyOf(events),
        DaemonPlanner.earliest(plan.requeueAfter(), verdict.requeueAfter()),
        verdict.record());
  }

  /**
   * What StatusComputer needs of a planned pass. A rollout and a rollback differ only in the
   * revision pods are updated to, the Stalled problem, the deadline's clock and the rollback.
   */
  private static StatusComputer.Observed observed(
      NodeDaemon daemon,
      Plan plan,
      String updateRevision,
      RevisionPlan revisions,
      InFlight inFlight,
      StatusComputer.Problem stalled,
      Instant progressClock,
      RollbackStatus rollback) {
    return new StatusComputer.Observed(
        plan.counts(),
        updateRevision,
        revisions.currentHash(),
        revisions.collisionCount(),
        LabelSelectors.toString(daemon.getSpec().getSelector()),
        plan.targetUpdated(),
        plan.hasWrites() || !inFlight.isEmpty(),
        RolloutPlanner.isPaused(daemon),
        stalled,
        progressClock,
        plan.excludedNodes(),
        rollback);
  }

  /**
   * When to look again once the pod writes are done: after a pass with a failed or skipped write
   * the write backoff ({@code retryAfter}), never sooner, so a refused write is not retried in a
   * loop (a capped burst's 1 s would otherwise be); else what the decision asked for. Either way no
   * later than when a remembered write expires ({@code inFlightExpiry}), so a lost create is
   * retried then and not at the next event.
   */
  public static Duration requeueAfter(
      Decision decision, Duration retryAfter, Duration inFlightExpiry) {
    return DaemonPlanner.earliest(
        retryAfter != null ? retryAfter : decision.requeueAfter(), inFlightExpiry);
  }
}
