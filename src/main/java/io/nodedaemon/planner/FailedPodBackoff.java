package io.nodedaemon.planner;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-node exponential backoff for deleting failed daemon pods (upstream's failedPodsBackoff, a
 * flowcontrol.Backoff of 1 s doubling to 15 min): a pod that keeps failing on one node is not
 * replaced in a hot loop. Time is passed in; safe for concurrent reconciliations.
 */
public final class FailedPodBackoff {
  public static final Duration INITIAL = Duration.ofSeconds(1);
  public static final Duration MAX = Duration.ofMinutes(15);

  private record Entry(Duration backoff, Instant lastUpdate) {}

  private final Map<String, Entry> entries = new ConcurrentHashMap<>();

  /**
   * The backoff of one NodeDaemon on one node, by the NodeDaemon's uid: one deleted and re-created
   * under the same name starts afresh instead of inheriting the old one's backoff.
   */
  public static String key(String daemonUid, String nodeName) {
    return daemonUid + "/" + nodeName;
  }

  /** When the key's backoff ends, or null if it is not in backoff at {@code now}. */
  public Instant inBackoffUntil(String key, Instant now) {
    Entry e = entries.get(key);
    if (e == null) {
      return null;
    }
    Instant until = e.lastUpdate().plus(e.backoff());
    return now.isBefore(until) ? until : null;
  }

  /** Records one more failure: the first waits 1 s, each next one twice as long, at most 15 min. */
  public void next(String key, Instant now) {
    entries.compute(
        key,
        (k, e) -> {
          if (e == null || now.isAfter(e.lastUpdate().plus(MAX.multipliedBy(2)))) {
            return new Entry(
                INITIAL, now); // fresh, or quiet for long enough to start over (as upstream)
          }
          Duration doubled = e.backoff().multipliedBy(2);
          return new Entry(doubled.compareTo(MAX) > 0 ? MAX : doubled, now);
        });
  }

  /** Forgets entries quiet for twice the maximum backoff (upstream's GC). */
  public void gc(Instant now) {
    entries
        .entrySet()
        .removeIf(e -> now.isAfter(e.getValue().lastUpdate().plus(MAX.multipliedBy(2))));
  }

  int size() {
    return entries.size();
  }
}
