package io.nodedaemon.planner.rollout;

import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonStatus;
import io.nodedaemon.api.RollbackStatus;
import io.nodedaemon.api.RollingUpdateNodeDaemon;
import java.time.Instant;
import java.util.Collection;

/**
 * NodeDaemon addition (SPEC §9), pure: when a rollout stalls on its progress deadline and {@code
 * autoRollback} is on, the pods go back to the revision that was current, without touching spec.
 *
 * <p>The rollback lives in {@code status.rollback}, not in memory: it is recorded before any pod is
 * touched, so whichever replica leads next reads it back and carries on. It is in force while the
 * template is still the one that stalled; any other template (a new one, or the target's own)
 * clears it. While in force, the pass plans an ordinary rolling update whose update revision is the
 * rollback's target and whose template is the one that revision stored; partition and the rollout
 * selector do not hold nodes back, the budget (maxUnavailable, maxSurge, minReadySeconds) and pause
 * apply as to any rollout.
 */
public final class Rollback {

  /** The Stalled condition's reason, and the Warning event's, while a rollback is in force. */
  public static final String REASON = "RolledBack";

  private Rollback() {}

  /** Whether spec.updateStrategy.rollingUpdate.autoRollback is true. */
  public static boolean enabled(NodeDaemon daemon) {
    RollingUpdateNodeDaemon rollingUpdate = rollingUpdate(daemon);
    return rollingUpdate != null && Boolean.TRUE.equals(rollingUpdate.getAutoRollback());
  }

  /**
   * The rollback in force: the known status's, while the template's revision is still the one that
   * stalled ({@code fromRevision}); null otherwise.
   */
  public static RollbackStatus inForce(NodeDaemonStatus known, String updateHash) {
    RollbackStatus rollback = known == null ? null : known.getRollback();
    return rollback != null && rollback.fromRevision().equals(updateHash) ? rollback : null;
  }

  /**
   * The rollback a stalled rollout starts, or null when it starts none: autoRollback is off, or
   * there is nothing older to go back to (every live pod already carries the update revision).
   *
   * @param updateHash the revision that stalled
   * @param currentHash status.currentRevision now: the oldest revision live pods carry
   */
  public static RollbackStatus start(
      NodeDaemon daemon, String updateHash, String currentHash, Instant now) {
    if (!enabled(daemon) || currentHash == null || currentHash.equals(updateHash)) {
      return null;
    }
    return new RollbackStatus(updateHash, currentHash, now.toString());
  }

  /** The Stalled condition's message, and the event's. */
  public static String message(RollbackStatus rollback, Integer progressDeadlineSeconds) {
    int seconds =
        progressDeadlineSeconds == null
            ? ProgressDeadline.DEFAULT_PROGRESS_DEADLINE_SECONDS
            : progressDeadlineSeconds;
    return "revision "
        + rollback.fromRevision()
        + " made no progress for "
        + seconds
        + " s; rolled back to "
        + rollback.toRevision();
  }

  /**
   * The template the revision with this hash stored, or null when no revision of the history has it
   * (then the rollback cannot go on: the pass writes no pod).
   */
  public static PodTemplateSpec templateOf(Collection<ControllerRevision> history, String hash) {
    for (ControllerRevision revision : history) {
      if (hash.equals(Revisions.hashOf(revision))) {
        return Revisions.storedTemplate(revision);
      }
    }
    return null;
  }

  /**
   * The NodeDaemon as the rollback plans it: the target's template, no partition and no rollout
   * selector. A copy: the observed object is not changed.
   */
  public static NodeDaemon target(NodeDaemon daemon, PodTemplateSpec template) {
    NodeDaemon copy = Serialization.clone(daemon);
    copy.getSpec().setTemplate(template);
    RollingUpdateNodeDaemon rollingUpdate = rollingUpdate(copy);
    if (rollingUpdate != null) {
      rollingUpdate.setPartition(null);
      rollingUpdate.setSelector(null);
    }
    return copy;
  }

  private static RollingUpdateNodeDaemon rollingUpdate(NodeDaemon daemon) {
    return daemon.getSpec() == null || daemon.getSpec().getUpdateStrategy() == null
        ? null
        : daemon.getSpec().getUpdateStrategy().getRollingUpdate();
  }
}
