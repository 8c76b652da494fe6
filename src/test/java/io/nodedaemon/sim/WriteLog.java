package io.nodedaemon.sim;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** Every write the simulated API server received, in order ("POST /api/v1/namespaces/x/pods"). */
public final class WriteLog {
  private final List<String> writes = new ArrayList<>();
  private final List<Instant> times = new ArrayList<>();

  synchronized void record(String write) {
    writes.add(write);
    times.add(Instant.now());
  }

  /** A mark to count from: {@code count(mark, ...)} only sees later writes. */
  public synchronized int mark() {
    return writes.size();
  }

  public synchronized List<String> since(int mark, Predicate<String> which) {
    return writes.subList(mark, writes.size()).stream().filter(which).toList();
  }

  /** When the writes after {@code mark} that match arrived, in order (tests of retry timing). */
  public synchronized List<Instant> timesSince(int mark, Predicate<String> which) {
    List<Instant> out = new ArrayList<>();
    for (int i = mark; i < writes.size(); i++) {
      if (which.test(writes.get(i))) {
        out.add(times.get(i));
      }
    }
    return out;
  }
}
