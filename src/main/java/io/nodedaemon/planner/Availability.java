package io.nodedaemon.planner;

import java.time.Instant;

/**
 * Upstream's podutil.IsPodAvailable at the instant of one pass, and the earliest moment a ready pod
 * that is not available yet will be: a pass asks to be called again then, because time alone
 * changes the status and may unlock the rollout.
 */
public final class Availability {
  private final int minReadySeconds;
  private final Instant now;
  private Instant next;

  public Availability(int minReadySeconds, Instant now) {
    this.minReadySeconds = minReadySeconds;
    this.now = now;
  }

  /**
   * Available = Ready for at least minReadySeconds; a ready pod short of that is remembered for
   * {@link #next}.
   */
  public boolean isAvailable(PodFacts pod) {
    if (pod.available(minReadySeconds, now)) {
      return true;
    }
    Instant at = pod.availableAt(minReadySeconds);
    if (at != null && at.isAfter(now) && (next == null || at.isBefore(next))) {
      next = at;
    }
    return false;
  }

  /** When the first pod seen ready but not available becomes available; null if none. */
  public Instant next() {
    return next;
  }

  public Instant now() {
    return now;
  }
}
