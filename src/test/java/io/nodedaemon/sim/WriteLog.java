package io.nodedaemon.sim;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Writes an API server received, in order ("POST /api/v1/namespaces/x/pods"), with the status it
 * answered: on the simulated cluster every write, recorded as it arrives; on the real control plane
 * the operator's, read from the audit log each time the log is asked ({@code refresh}).
 */
public final class WriteLog {
  private final List<String> writes = new ArrayList<>();
  private final List<Instant> times = new ArrayList<>();
  private final List<String> agents = new ArrayList<>();
  // The HTTP status of the answer; 0 until it is known.
  private final List<Integer> codes = new ArrayList<>();
  private final Runnable refresh;

  public WriteLog() {
    this(() -> {});
  }

  /** A log that runs {@code refresh} (which may {@link #record}) before it answers. */
  public WriteLog(Runnable refresh) {
    this.refresh = refresh;
  }

  public synchronized void record(String write) {
    record(write, Instant.now());
  }

  /** A write that arrived at {@code at} (the audit log's timestamp on the real control plane). */
  public synchronized void record(String write, Instant at) {
    record(write, at, null);
  }

  /**
   * The same, with the User-Agent that sent it (replicas of one ServiceAccount tell themselves
   * apart only by it).
   */
  public synchronized int record(String write, Instant at, String userAgent) {
    return record(write, at, userAgent, 0);
  }

  /**
   * The same, with the HTTP status the server answered. Returns the write's place, for {@link
   * #answered} when the status comes later.
   */
  public synchronized int record(String write, Instant at, String userAgent, int code) {
    writes.add(write);
    times.add(at);
    agents.add(userAgent == null ? "" : userAgent);
    codes.add(code);
    return writes.size() - 1;
  }

  /** The status the server answered the write at {@code place}. */
  public synchronized void answered(int place, int code) {
    codes.set(place, code);
  }

  /** A mark to count from: {@code count(mark, ...)} only sees later writes. */
  public synchronized int mark() {
    refresh.run();
    return writes.size();
  }

  public synchronized List<String> since(int mark, Predicate<String> which) {
    refresh.run();
    return writes.subList(mark, writes.size()).stream().filter(which).toList();
  }

  /**
   * The writes after {@code mark} whose User-Agent matches, as "METHOD path -> status [agent]"
   * (status 0: not answered yet).
   */
  public synchronized List<String> sinceBy(int mark, Predicate<String> userAgent) {
    refresh.run();
    List<String> out = new ArrayList<>();
    for (int i = mark; i < writes.size(); i++) {
      if (userAgent.test(agents.get(i))) {
        out.add(writes.get(i) + " -> " + codes.get(i) + "  [" + agents.get(i) + "]");
      }
    }
    return out;
  }

  /** When the writes after {@code mark} that match arrived, in order (tests of retry timing). */
  public synchronized List<Instant> timesSince(int mark, Predicate<String> which) {
    refresh.run();
    List<Instant> out = new ArrayList<>();
    for (int i = mark; i < writes.size(); i++) {
      if (which.test(writes.get(i))) {
        out.add(times.get(i));
      }
    }
    return out;
  }
}
