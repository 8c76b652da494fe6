package io.nodedaemon.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/** Every write the simulated API server received, in order ("POST /api/v1/namespaces/x/pods"). */
public final class WriteLog {
  private final List<String> writes = new ArrayList<>();

  synchronized void record(String write) {
    writes.add(write);
  }

  /** A mark to count from: {@code count(mark, ...)} only sees later writes. */
  public synchronized int mark() {
    return writes.size();
  }

  public synchronized List<String> since(int mark, Predicate<String> which) {
    return writes.subList(mark, writes.size()).stream().filter(which).toList();
  }
}
