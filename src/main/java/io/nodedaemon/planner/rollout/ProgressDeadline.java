package io.nodedaemon.planner.rollout;

import java.time.Duration;
import java.time.Instant;

/**
 * NodeDaemon addition (Deployment's progressDeadlineSeconds for a daemon): decides, from injected
 * times, whether a rollout has gone too long without a newly available updated pod.
 *
 * <p>Progress means the number of available pods of the update revision rose since the last pass. A
 * new update revision starts a fresh clock (as Deployment counts a new ReplicaSet as progress). A
 * paused rollout is never Stalled by the deadline, and resuming starts a fresh clock: waiting is
 * what the user asked for. A count that drops (a pod crashed, a node left) is remembered without
 * resetting the clock, so recovering from it counts as progress again.
 *
 * <p>The clock survives a restart or a failover because it lives in status, not in memory: the
 * Reconciling condition's lastTransitionTime holds the time of the last progress, and progress
 * writes a fresh one (as a Deployment keeps its clock in the Progressing condition). The count of
 * available updated pods that progress is measured against is remembered between passes of one
 * process; a process that has not seen the previous pass uses an upper bound taken from status
 * ({@link #previous}), so it never mistakes standing still for progress.
 */
public final class ProgressDeadline {

  /** Seconds allowed without progress when spec.progressDeadlineSeconds is absent. */
  public static final int DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;

  /** The Stalled condition's reason when the deadline passed (Deployment's reason, too). */
  public static final String REASON = "ProgressDeadlineExceeded";

  private ProgressDeadline() {}

  /**
   * The clock of one rollout: built each pass by {@link #previous} from status (the time) and from
   * what the previous pass saw (the count).
   *
   * @param updateHash the update revision the record is about
   * @param lastProgressTime when the rollout last progressed (or started)
   * @param updatedAvailable available pods of that revision at the last pass
   */
  public record ProgressRecord(String updateHash, Instant lastProgressTime, int updatedAvailable) {}

  /**
   * The verdict of one pass.
   *
   * @param stalled true: report Stalled with {@link #REASON} (and a Warning event when it turns
   *     true)
   * @param record what to remember for the next pass; null when no rollout is being timed
   * @param message a human explanation for the condition, null when not stalled
   * @param requeueAfter when the deadline would pass if nothing happens; null if it cannot
   */
  public record Verdict(
      boolean stalled, ProgressRecord record, String message, Duration requeueAfter) {
    static final Verdict NOT_TIMED = new Verdict(false, null, null, null);
  }

  /**
   * The record the previous pass left, rebuilt from status: the clock is what status holds (the
   * Reconciling condition's lastTransitionTime, see StatusComputer.progressClock); the count of
   * available updated pods is the one this process remembers when it wrote that clock itself, else
   * {@code min(updatedNumberScheduled, numberAvailable)} of that status, an upper bound of the
   * count then (after a restart, or when someone else wrote status).
   *
   * @param updateHash the update revision's hash now
   * @param statusClock the clock status holds for a rollout to {@code updateHash}, null if none
   * @param statusUpdated status.updatedNumberScheduled
   * @param statusAvailable status.numberAvailable
   * @param remembered what this process's previous pass returned, or null
   * @return the previous record, or null when status times no rollout of this revision
   */
  public static ProgressRecord previous(
      String updateHash,
      Instant statusClock,
      int statusUpdated,
      int statusAvailable,
      ProgressRecord remembered) {
    if (statusClock == null || updateHash == null) {
      return null;
    }
    boolean ours =
        remembered != null
            && updateHash.equals(remembered.updateHash())
            && statusClock.equals(remembered.lastProgressTime());
    int count =
        ours
            ? remembered.updatedAvailable()
            : Math.max(0, Math.min(statusUpdated, statusAvailable));
    return new ProgressRecord(updateHash, statusClock, count);
  }

  /**
   * @param progressDeadlineSeconds spec.progressDeadlineSeconds, null for the default
   * @param paused spec.updateStrategy.rollingUpdate.paused
   * @param inProgress updated &lt; desired, or some updated pod not available
   * @param updateHash the update revision's hash
   * @param updatedAvailable available pods of the update revision now
   * @param previous the record of the previous pass, or null
   * @param now the time of this pass
   */
  public static Verdict evaluate(
      Integer progressDeadlineSeconds,
      boolean paused,
      boolean inProgress,
      String updateHash,
      int updatedAvailable,
      ProgressRecord previous,
      Instant now) {
    if (!inProgress || paused) {
      // Nothing to time: forget the record so the next rollout (or the resume) starts afresh.
      return Verdict.NOT_TIMED;
    }
    Duration deadline =
        Duration.ofSeconds(
            progressDeadlineSeconds == null
                ? DEFAULT_PROGRESS_DEADLINE_SECONDS
                : progressDeadlineSeconds);
    ProgressRecord record;
    if (previous == null
        || !previous.updateHash().equals(updateHash)
        || updatedAvailable > previous.updatedAvailable()) {
      record = new ProgressRecord(updateHash, now, updatedAvailable);
    } else {
      record = new ProgressRecord(updateHash, previous.lastProgressTime(), updatedAvailable);
    }
    Instant expires = record.lastProgressTime().plus(deadline);
    if (!now.isBefore(expires)) {
      String message =
          "rollout to revision "
              + updateHash
              + " made no progress for "
              + deadline.toSeconds()
              + "s: no updated pod became available since "
              + record.lastProgressTime();
      return new Verdict(true, record, message, null);
    }
    return new Verdict(false, record, null, Duration.between(now, expires));
  }
}
