package io.nodedaemon.ops;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.jboss.logging.Logger;

/**
 * What a replica does when it stops leading (SPEC §7): stop reconciling at once and exit, so that
 * Kubernetes restarts it as a follower and two replicas never write side by side.
 *
 * <p>Why not JOSDK's {@code exitOnStopLeading}: JOSDK 5.1 calls {@code System.exit} from the leader
 * elector's callback, and fabric8 also runs that callback when the operator is stopped by the
 * SIGTERM shutdown hook, where {@code System.exit} blocks forever. With exiting off, JOSDK only
 * logs and the replica keeps reconciling next to the new leader. So election runs with exiting off
 * and this callback exits by itself, unless the process is already shutting down.
 */
public final class LeaderLoss {
  private static final Logger LOG = Logger.getLogger(LeaderLoss.class);

  /**
   * The process exit status after a lost Lease: not 0, so the restart is visible in the pod's
   * status.
   */
  public static final int EXIT_STATUS = 1;

  /** Ends the process ({@code System::exit} in production; a recorder in tests). */
  @FunctionalInterface
  public interface Exit {
    void exit(int status);
  }

  private final Runnable stopReconciling;
  private final Exit exit;
  private final BooleanSupplier shuttingDown;
  private final Executor runner;
  private final AtomicBoolean lost = new AtomicBoolean();

  /**
   * @param stopReconciling stops the controllers (no new pass starts, informers close)
   * @param exit ends the process
   * @param shuttingDown true while the process is already stopping (then losing the Lease is the
   *     shutdown's own doing, and exiting again would deadlock)
   * @param runner where stop and exit run: not on the elector's thread, which the stop shuts down
   */
  public LeaderLoss(
      Runnable stopReconciling, Exit exit, BooleanSupplier shuttingDown, Executor runner) {
    this.stopReconciling = stopReconciling;
    this.exit = exit;
    this.shuttingDown = shuttingDown;
    this.runner = runner;
  }

  /**
   * The production wiring: stop and exit on a thread of their own; if the clean exit has not ended
   * the process within {@code grace} (a shutdown hook that hangs, a reconciliation that does not
   * finish), halt it.
   */
  public static LeaderLoss exitingProcess(
      Runnable stopReconciling, BooleanSupplier shuttingDown, Duration grace) {
    return new LeaderLoss(
        stopReconciling,
        System::exit,
        shuttingDown,
        task -> {
          Thread exiting = new Thread(task, "nodedaemon-leader-lost");
          exiting.start();
          Thread watchdog =
              new Thread(
                  () -> {
                    try {
                      // Bounded wait for the clean exit; the JVM ends this daemon thread if it
                      // succeeds.
                      exiting.join(grace.toMillis());
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                    LOG.errorf("No clean exit within %s of losing the Lease: halting", grace);
                    Runtime.getRuntime().halt(EXIT_STATUS);
                  },
                  "nodedaemon-leader-lost-halt");
          watchdog.setDaemon(true);
          watchdog.start();
        });
  }

  /** Whether this replica has lost its Lease (and is on its way out). */
  public boolean lost() {
    return lost.get();
  }

  /**
   * The elector's onStopLeading: the Lease was taken by another replica or could not be renewed.
   */
  public void onStopLeading() {
    if (shuttingDown.getAsBoolean()) {
      LOG.info("Stopped leading while shutting down");
      return;
    }
    if (!lost.compareAndSet(false, true)) {
      return; // already on the way out
    }
    LOG.error(
        "Lost the leader Lease: stopping reconciliation and exiting, so that only the new leader writes");
    runner.execute(this::stopAndExit);
  }

  private void stopAndExit() {
    try {
      stopReconciling.run();
    } catch (RuntimeException e) {
      LOG.warnf(e, "Stopping the controllers failed; exiting anyway");
    } finally {
      exit.exit(EXIT_STATUS);
    }
  }

  /**
   * Whether the JVM has begun running its shutdown hooks (then System.exit would block forever).
   */
  public static boolean jvmShuttingDown() {
    Thread probe = new Thread(() -> {});
    try {
      Runtime.getRuntime().addShutdownHook(probe);
      Runtime.getRuntime().removeShutdownHook(probe);
      return false;
    } catch (IllegalStateException e) {
      return true;
    }
  }
}
