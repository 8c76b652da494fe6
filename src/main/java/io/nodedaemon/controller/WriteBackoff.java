package io.nodedaemon.controller;

import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-NodeDaemon exponential backoff of a pass whose writes failed (SPEC §5): a create the API
 * server keeps refusing (a 422 from a bad template, an exhausted quota) is retried after 2 s, then
 * 4 s, 8 s, … at most 5 min, instead of every 2 s forever; the first pass whose writes all succeed
 * resets it. Upstream gets the same from its work queue's rate limiter, which holds the whole sync
 * back: here too no pass of that NodeDaemon runs before its backoff ends, whatever event (our own
 * status write among them) wakes it.
 */
@Singleton
class WriteBackoff {
  static final Duration INITIAL = Duration.ofSeconds(2);
  static final Duration MAX = Duration.ofMinutes(5);

  private final Map<String, Integer> failuresByDaemon = new ConcurrentHashMap<>();
  private final Map<String, Instant> dueAt = new ConcurrentHashMap<>();

  /** Records a failed pass at {@code now}; no pass runs before the returned delay has passed. */
  Duration failed(String daemonKey, Instant now) {
    Duration delay = failed(daemonKey);
    dueAt.put(daemonKey, now.plus(delay));
    return delay;
  }

  /** How long the NodeDaemon must still wait before its next pass (zero when it may run now). */
  Duration remaining(String daemonKey, Instant now) {
    Instant due = dueAt.get(daemonKey);
    return due == null || !now.isBefore(due) ? Duration.ZERO : Duration.between(now, due);
  }

  /** Records one more failed pass in a row and returns how long to wait before the next one. */
  Duration failed(String daemonKey) {
    return delay(failuresByDaemon.merge(daemonKey, 1, Integer::sum));
  }

  /** A pass whose writes all succeeded: the next failure waits {@link #INITIAL} again. */
  void succeeded(String daemonKey) {
    failuresByDaemon.remove(daemonKey);
    dueAt.remove(daemonKey);
  }

  static Duration delay(int failures) {
    // 2 s · 2^(n-1); past 2^8 the cap has long been reached, and the shift must not overflow.
    if (failures > 9) {
      return MAX;
    }
    Duration d = INITIAL.multipliedBy(1L << Math.max(0, failures - 1));
    return d.compareTo(MAX) > 0 ? MAX : d;
  }

  Set<String> daemonKeys() {
    return Set.copyOf(failuresByDaemon.keySet());
  }

  void forget(String daemonKey) {
    failuresByDaemon.remove(daemonKey);
    dueAt.remove(daemonKey);
  }
}
