package io.nodedaemon.ops;

import jakarta.annotation.PreDestroy;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.jboss.logging.Logger;

/**
 * Refuses the leader's writes after a pause long enough to have lost the Lease (SPEC §7: a replica
 * that lost its Lease never writes).
 *
 * <p>Why: a leader frozen past its Lease (a long GC pause, a stalled node, SIGSTOP) wakes with
 * every thread at once. Its informers deliver what they buffered and JOSDK starts reconciliations
 * at the same moment as fabric8's elector finds its renew deadline passed; the elector then reads
 * the Lease before it calls onStopLeading, so a reconciliation can write first. LeaderFreezeIT
 * caught such a write (a ControllerRevision create). This fence needs no API call: a ticker records
 * the monotonic clock every {@link #TICK}; a gap longer than {@code maxPause} (seen by the ticker,
 * or by a writer that checks before the ticker has run) trips it for good, and the replica steps
 * down ({@code onTrip}: {@link LeaderLoss}, which exits).
 *
 * <p>It only guards while this replica leads ({@link #arm}); without leader election it never
 * trips. What it cannot stop: a request already sent when the process froze, or one a thread
 * checked just before the freeze and sends just after it (Kubernetes has no fencing token).
 */
@Singleton
public class LeaderFence {
  private static final Logger LOG = Logger.getLogger(LeaderFence.class);

  /** How often the ticker records the clock. */
  static final Duration TICK = Duration.ofMillis(200);

  private final LongSupplier nanos;
  private final long maxPauseNanos;
  private volatile Runnable onTrip = () -> {};
  private volatile boolean armed;
  private volatile boolean tripped;
  private volatile long lastTick;
  private ScheduledExecutorService ticker;

  @Inject
  LeaderFence(LeaderElectionSettings settings) {
    this(System::nanoTime, maxPause(settings));
  }

  LeaderFence(LongSupplier nanos, Duration maxPause) {
    this.nanos = nanos;
    this.maxPauseNanos = maxPause.toNanos();
    this.lastTick = nanos.getAsLong();
  }

  /**
   * The longest pause a leader may take and still hold its Lease: it renewed at most one retry
   * period before the pause, and a follower may take the Lease one lease duration after the last
   * renewal. Never beyond the renew deadline: after a pause that long the elector steps down
   * anyway, so a tripped fence never leaves a leader that can no longer write.
   */
  static Duration maxPause(LeaderElectionSettings s) {
    Duration safe = s.leaseDuration().minus(s.retryPeriod());
    return safe.compareTo(s.renewDeadline()) < 0 ? safe : s.renewDeadline();
  }

  /** What to do when the fence trips (once): step down. */
  public void onTrip(Runnable action) {
    this.onTrip = action;
  }

  /** This replica leads from now on: the fence guards its writes. */
  public synchronized void arm() {
    lastTick = nanos.getAsLong();
    armed = true;
    if (ticker == null) {
      ticker =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "nodedaemon-leader-fence");
                t.setDaemon(true);
                return t;
              });
      ticker.scheduleAtFixedRate(
          this::tick, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** Records the clock; a gap since the last tick longer than the allowed pause trips the fence. */
  void tick() {
    long now = nanos.getAsLong();
    // Trip before moving lastTick: a writer that reads the new lastTick also sees the trip.
    checkGap(now);
    lastTick = now;
  }

  /**
   * Whether the leader may write now: false once a pause may have cost it the Lease. A writer asks
   * before each batch of writes.
   */
  public boolean mayWrite() {
    if (!armed) {
      return true;
    }
    checkGap(nanos.getAsLong());
    return !tripped;
  }

  private void checkGap(long now) {
    long gap = now - lastTick;
    if (armed && gap > maxPauseNanos && !tripped) {
      synchronized (this) {
        if (tripped) {
          return;
        }
        tripped = true;
      }
      LOG.errorf(
          "Paused for %d ms while leading (longer than the %d ms the Lease allows): no more writes,"
              + " stepping down",
          TimeUnit.NANOSECONDS.toMillis(gap), TimeUnit.NANOSECONDS.toMillis(maxPauseNanos));
      onTrip.run();
    }
  }

  @PreDestroy
  synchronized void stop() {
    if (ticker != null) {
      ticker.shutdownNow();
    }
  }
}
