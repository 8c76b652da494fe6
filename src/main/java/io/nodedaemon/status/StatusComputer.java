package io.nodedaemon.status;

import io.fabric8.kubernetes.api.model.Condition;
import io.nodedaemon.api.ExcludedNodeGroup;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonStatus;
import io.nodedaemon.api.RollbackStatus;
import io.nodedaemon.planner.DaemonCounts;
import io.nodedaemon.planner.rollout.ProgressDeadline;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * Builds a NodeDaemon's status from what one pass observed: the apps/v1 counters, the revisions and
 * the kstatus conditions. Pure: the reconciler writes the result only if it differs from the status
 * it read.
 */
public final class StatusComputer {

  /** Why a NodeDaemon cannot make progress, for the Stalled condition. */
  public record Problem(String reason, String message) {}

  /**
   * What the pass found. {@code targetUpdated} is how many nodes should carry the update revision
   * when the rollout is done (desired nodes, less those a partition or a node selector keeps old).
   * {@code progressClock} is when the timed rollout last made progress (or started), null when no
   * rollout is timed: it is kept as the Reconciling condition's lastTransitionTime (SPEC §6).
   * {@code rollback} is the automatic rollback in force (SPEC §9), null when none.
   */
  public record Observed(
      DaemonCounts counts,
      String updateRevision,
      String currentRevision,
      Integer collisionCount,
      String selector,
      int targetUpdated,
      boolean writesPending,
      boolean paused,
      Problem stalled,
      Instant progressClock,
      List<ExcludedNodeGroup> excludedNodes,
      RollbackStatus rollback) {}

  /** The Reconciling reason while a rollout is paused: waiting is asked for, so it is not timed. */
  public static final String PAUSED = "RolloutPaused";

  private StatusComputer() {}

  /**
   * The status of a pass, against the status last known on the server ({@code known}, null if
   * none).
   */
  public static NodeDaemonStatus compute(
      NodeDaemon daemon, NodeDaemonStatus known, Observed o, Instant now) {
    NodeDaemonStatus previous = known == null ? new NodeDaemonStatus() : known;
    Long generation = daemon.getMetadata().getGeneration();
    DaemonCounts c = o.counts();

    NodeDaemonStatus s = new NodeDaemonStatus();
    s.setObservedGeneration(generation);
    s.setDesiredNumberScheduled(c.desiredNumberScheduled());
    s.setCurrentNumberScheduled(c.currentNumberScheduled());
    s.setNumberMisscheduled(c.numberMisscheduled());
    s.setNumberReady(c.numberReady());
    s.setUpdatedNumberScheduled(c.updatedNumberScheduled());
    s.setNumberAvailable(c.numberAvailable());
    s.setNumberUnavailable(c.numberUnavailable());
    s.setCollisionCount(o.collisionCount());
    s.setCurrentRevision(o.currentRevision());
    s.setUpdateRevision(o.updateRevision());
    s.setSelector(o.selector());
    s.setExcludedNodes(o.excludedNodes());
    s.setRollback(o.rollback());

    int desired = c.desiredNumberScheduled();
    boolean updated = c.updatedNumberScheduled() >= o.targetUpdated();
    boolean available = c.numberAvailable() >= desired;
    boolean placed = c.currentNumberScheduled() == desired && c.numberMisscheduled() == 0;
    boolean stalled = o.stalled() != null;
    boolean ready = !stalled && updated && available && placed && !o.writesPending();

    var conditions = previous.getConditions();
    if (stalled) {
      conditions =
          Conditions.set(
              conditions,
              Conditions.STALLED,
              true,
              o.stalled().reason(),
              o.stalled().message(),
              generation,
              now);
    } else {
      conditions =
          Conditions.set(
              conditions,
              Conditions.STALLED,
              false,
              "Progressing",
              "The operator is making progress",
              generation,
              now);
    }
    if (ready) {
      conditions =
          Conditions.set(
              conditions,
              Conditions.READY,
              true,
              "Ready",
              String.format(
                  "%d of %d nodes run an available pod of revision %s",
                  c.numberAvailable(), desired, o.updateRevision()),
              generation,
              now);
      conditions =
          Conditions.set(
              conditions,
              Conditions.RECONCILING,
              false,
              "Converged",
              "Nothing left to do",
              generation,
              now);
    } else {
      String reason;
      String message;
      if (!placed || o.writesPending()) {
        reason = "Placing";
        message =
            String.format(
                "%d of %d nodes have a pod, %d run one they should not",
                c.currentNumberScheduled(), desired, c.numberMisscheduled());
      } else if (!updated) {
        reason = o.paused() ? PAUSED : "RollingUpdate";
        message =
            String.format(
                "%d of %d nodes updated to revision %s",
                c.updatedNumberScheduled(), o.targetUpdated(), o.updateRevision());
      } else {
        reason = "WaitingForAvailability";
        message =
            String.format("%d of %d nodes have an available pod", c.numberAvailable(), desired);
      }
      conditions =
          Conditions.set(
              conditions,
              Conditions.READY,
              false,
              stalled ? o.stalled().reason() : reason,
              stalled ? o.stalled().message() : message,
              generation,
              now);
      // kstatus: Reconciling and Stalled are not both True; a stalled rollout is not converging.
      String reconcilingReason = stalled ? o.stalled().reason() : reason;
      String reconcilingMessage = stalled ? "Not converging: " + o.stalled().message() : message;
      if (o.progressClock() != null
          && (!stalled || ProgressDeadline.REASON.equals(o.stalled().reason()))) {
        // The progress-deadline clock lives here, not in memory: a restarted operator reads it
        // back.
        conditions =
            Conditions.setSince(
                conditions,
                Conditions.RECONCILING,
                !stalled,
                reconcilingReason,
                reconcilingMessage,
                generation,
                o.progressClock());
      } else {
        conditions =
            Conditions.set(
                conditions,
                Conditions.RECONCILING,
                !stalled,
                reconcilingReason,
                reconcilingMessage,
                generation,
                now);
      }
    }
    s.setConditions(conditions);
    return s;
  }

  /**
   * The progress-deadline clock a status carries for a rollout to {@code updateHash} (SPEC §6): the
   * Reconciling condition's lastTransitionTime while that condition times a rollout (True and not
   * paused, or False because the deadline passed); null when the status times no rollout of that
   * revision, so the clock starts afresh. A malformed time counts as none.
   */
  public static Instant progressClock(NodeDaemonStatus observed, String updateHash) {
    if (observed == null
        || updateHash == null
        || !updateHash.equals(observed.getUpdateRevision())) {
      return null;
    }
    Condition reconciling = Conditions.find(observed.getConditions(), Conditions.RECONCILING);
    if (reconciling == null || reconciling.getLastTransitionTime() == null) {
      return null;
    }
    boolean timing =
        "True".equals(reconciling.getStatus())
            ? !PAUSED.equals(reconciling.getReason())
            : "False".equals(reconciling.getStatus())
                && ProgressDeadline.REASON.equals(reconciling.getReason());
    if (!timing) {
      return null;
    }
    try {
      return Instant.parse(reconciling.getLastTransitionTime());
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /**
   * The status of a NodeDaemon whose spec is refused: counters kept as they were, Stalled with
   * reason InvalidSpec (or SelectingAll), Ready and Reconciling False.
   */
  public static NodeDaemonStatus invalid(
      NodeDaemon daemon, NodeDaemonStatus known, Problem problem, Instant now) {
    NodeDaemonStatus previous = known == null ? new NodeDaemonStatus() : known;
    Long generation = daemon.getMetadata().getGeneration();
    NodeDaemonStatus s = copyCounters(previous);
    s.setObservedGeneration(generation);
    var conditions =
        Conditions.set(
            previous.getConditions(),
            Conditions.STALLED,
            true,
            problem.reason(),
            problem.message(),
            generation,
            now);
    conditions =
        Conditions.set(
            conditions,
            Conditions.READY,
            false,
            problem.reason(),
            problem.message(),
            generation,
            now);
    conditions =
        Conditions.set(
            conditions,
            Conditions.RECONCILING,
            false,
            problem.reason(),
            "Waiting for a valid spec",
            generation,
            now);
    s.setConditions(conditions);
    return s;
  }

  private static NodeDaemonStatus copyCounters(NodeDaemonStatus p) {
    NodeDaemonStatus s = new NodeDaemonStatus();
    s.setDesiredNumberScheduled(p.getDesiredNumberScheduled());
    s.setCurrentNumberScheduled(p.getCurrentNumberScheduled());
    s.setNumberMisscheduled(p.getNumberMisscheduled());
    s.setNumberReady(p.getNumberReady());
    s.setUpdatedNumberScheduled(p.getUpdatedNumberScheduled());
    s.setNumberAvailable(p.getNumberAvailable());
    s.setNumberUnavailable(p.getNumberUnavailable());
    s.setCollisionCount(p.getCollisionCount());
    s.setCurrentRevision(p.getCurrentRevision());
    s.setUpdateRevision(p.getUpdateRevision());
    s.setSelector(p.getSelector());
    s.setExcludedNodes(p.getExcludedNodes());
    s.setRollback(p.getRollback());
    return s;
  }
}
