package io.nodedaemon.benchmark;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * Samples a count (ready pods, from an informer's store) every 100 ms from its start, so that a
 * benchmark can draw how a run progressed, not only when it ended.
 */
final class ReadyTimeline implements AutoCloseable {

  /** One sample: milliseconds since the start, and the count then. */
  record Point(long millis, int count) {}

  static final long PERIOD_MILLIS = 100;

  private final ScheduledExecutorService sampler =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "bench-timeline");
            t.setDaemon(true);
            return t;
          });
  private final List<Point> points = new ArrayList<>();
  private final long start = System.nanoTime();
  private final IntSupplier count;

  ReadyTimeline(IntSupplier count) {
    this.count = count;
    sampler.scheduleAtFixedRate(this::sample, 0, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
  }

  private void sample() {
    Point p = new Point((System.nanoTime() - start) / 1_000_000, count.getAsInt());
    synchronized (points) {
      points.add(p);
    }
  }

  /** Stops sampling (after one last sample) and returns the samples in time order. */
  List<Point> stop() {
    sampler.shutdownNow();
    sample();
    synchronized (points) {
      return List.copyOf(points);
    }
  }

  @Override
  public void close() {
    sampler.shutdownNow();
  }
}
