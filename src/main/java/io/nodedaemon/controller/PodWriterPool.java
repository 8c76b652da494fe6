package io.nodedaemon.controller;

import java.util.concurrent.Executor;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The pod writers' threads, shared by the passes of every NodeDaemon, running the waiting write of
 * the pass with the least work left first (shortest remaining work first).
 *
 * <p>Why not first come, first served: when many NodeDaemons converge together (a new cluster,
 * after an outage), a FIFO queue interleaves their slow-start batches evenly, so all of them become
 * Ready together at the very end. Serving the pass closest to done lets them become Ready one after
 * another in the same total time, and puts a new node's single create of each NodeDaemon ahead of a
 * large rollout's batches. Passes with equal work left are served in the order they began, so the
 * oldest one finishes first rather than all of them advancing in lockstep.
 */
final class PodWriterPool {

  private final ThreadPoolExecutor threads;
  private final AtomicLong passes = new AtomicLong();
  private final AtomicLong writes = new AtomicLong();

  PodWriterPool(int size, String threadName) {
    this.threads =
        new ThreadPoolExecutor(
            size,
            size,
            0,
            TimeUnit.MILLISECONDS,
            new PriorityBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, threadName);
              t.setDaemon(true);
              return t;
            });
    // All threads up front: a thread started for a write would run it at once, ahead of the queue.
    threads.prestartAllCoreThreads();
  }

  /** The writes of one pass: each submitted with how much work the pass has left at that moment. */
  Pass begin() {
    return new Pass(passes.incrementAndGet());
  }

  void shutdownNow() {
    threads.shutdownNow();
  }

  /** One pass's handle on the pool. */
  final class Pass {
    private final long order;

    private Pass(long order) {
      this.order = order;
    }

    /**
     * An executor for writes of this pass submitted while it has {@code remaining} writes left
     * (these included).
     */
    Executor withRemaining(int remaining) {
      return write ->
          threads.execute(new Queued(write, remaining, order, writes.incrementAndGet()));
    }
  }

  /** A waiting write, ordered by the work its pass has left, then by when the pass began. */
  private record Queued(Runnable write, long remaining, long pass, long sequence)
      implements Runnable, Comparable<Queued> {

    @Override
    public void run() {
      write.run();
    }

    @Override
    public int compareTo(Queued other) {
      int byRemaining = Long.compare(remaining, other.remaining);
      if (byRemaining != 0) {
        return byRemaining;
      }
      int byPass = Long.compare(pass, other.pass);
      return byPass != 0 ? byPass : Long.compare(sequence, other.sequence);
    }
  }
}
