package io.nodedaemon.planner;

import java.util.ArrayList;
import java.util.List;

/**
 * Upstream's slowStartBatch sizes: 1, 2, 4, … summing to the total, so that a create that keeps
 * failing (bad template, quota) costs a handful of calls, not hundreds.
 */
public final class SlowStart {
  /** Upstream's SlowStartInitialBatchSize. */
  public static final int INITIAL_BATCH_SIZE = 1;

  private SlowStart() {}

  public static List<Integer> batchSizes(int total) {
    List<Integer> sizes = new ArrayList<>();
    int remaining = total;
    int batch = INITIAL_BATCH_SIZE;
    while (remaining > 0) {
      int size = Math.min(batch, remaining);
      sizes.add(size);
      remaining -= size;
      batch *= 2;
    }
    return sizes;
  }
}
