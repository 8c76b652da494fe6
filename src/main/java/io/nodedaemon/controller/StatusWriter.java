package io.nodedaemon.controller;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonStatus;
import io.nodedaemon.planner.rollout.ProgressDeadline;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Writes a NodeDaemon's status, and remembers per NodeDaemon what it wrote and the progress count
 * behind the progress-deadline clock it wrote (the clock itself is in status, SPEC §6).
 *
 * <p>The status goes out as a JSON merge patch of the whole status, only when it differs from the
 * status last known to be on the server. Not JOSDK's patchStatus: without server-side apply it
 * sends the difference to the primary it read, and a primary read from a cache that lags our own
 * last write makes that difference miss fields (a counter already written back to its old value is
 * left out, and the server keeps the stale one).
 */
@Singleton
public class StatusWriter {
  private static final Logger LOG = Logger.getLogger(StatusWriter.class);

  /** The longest wait before a refused status write is tried again. */
  static final Duration RETRY_CAP = Duration.ofSeconds(30);

  /**
   * The status this operator last wrote for a NodeDaemon (by uid: a re-created one starts afresh),
   * and the resourceVersion of the object it was computed from.
   */
  private record Written(String uid, String patchedVersion, NodeDaemonStatus status) {}

  private final KubernetesClient client;
  private final Map<String, Written> lastWritten = new ConcurrentHashMap<>();

  /** Per NodeDaemon: status writes refused in a row. */
  private final Map<String, Integer> failures = new ConcurrentHashMap<>();

  /**
   * Per NodeDaemon: the progress record of the last pass. Only its count of available updated pods
   * is used, and only while status still carries its clock.
   */
  private final Map<String, ProgressDeadline.ProgressRecord> progress = new ConcurrentHashMap<>();

  public StatusWriter(KubernetesClient client) {
    this.client = client;
  }

  /**
   * The status on the server as far as we know: the observed object's (SPEC §2: status is truth,
   * not memory), except while the cache still shows the very version our last write patched; then
   * our write is newer than the cache and is what the server holds.
   */
  NodeDaemonStatus known(NodeDaemon daemon) {
    Written known = lastWritten.get(ReconcilerKeys.of(daemon));
    boolean cacheBehindOurWrite =
        known != null
            && known.uid().equals(daemon.getMetadata().getUid())
            && known.patchedVersion() != null
            && known.patchedVersion().equals(daemon.getMetadata().getResourceVersion());
    return cacheBehindOurWrite ? known.status() : daemon.getStatus();
  }

  /**
   * Writes {@code status} unless it is what the server holds already ({@code force}: write anyway).
   *
   * @return false when the API server refused the write: the caller looks again after {@link
   *     #retryAfter}. Not an exception for JOSDK's retry, which gives up after five attempts and
   *     would then leave a status that lies until some other event comes (issue 12).
   */
  boolean write(NodeDaemon daemon, NodeDaemonStatus status, boolean force) {
    String key = ReconcilerKeys.of(daemon);
    if (!force && status.equals(known(daemon))) {
      return true;
    }
    OwnStatusWrites.sending(key, status);
    try {
      // resource(daemon), not withName: given no object, fabric8 GETs it before every patch.
      NodeDaemon written =
          client
              .resources(NodeDaemon.class)
              .resource(daemon)
              .subresource("status")
              .patch(
                  PatchContext.of(PatchType.JSON_MERGE),
                  Serialization.asJson(Map.of("status", status)));
      OwnStatusWrites.wrote(
          key, written == null ? null : written.getMetadata().getResourceVersion());
      lastWritten.put(
          key,
          new Written(
              daemon.getMetadata().getUid(), daemon.getMetadata().getResourceVersion(), status));
      failures.remove(key);
      return true;
    } catch (KubernetesClientException e) {
      lastWritten.remove(key);
      if (e.getCode() == 404) {
        return true; // the NodeDaemon is gone: nothing left to tell
      }
      LOG.debugf("status of %s not written (%d): %s", key, e.getCode(), e.getMessage());
      failures.merge(key, 1, Integer::sum);
      return false;
    }
  }

  /**
   * When to try again after refused status writes in a row: 2 s, 4 s, 8 s ... at most {@link
   * #RETRY_CAP}, so that the status is right at most that long after the API server takes writes
   * again (a status patch is small: one every 30 s costs little). Unlike a refused pod write, it
   * holds back no pass: the pod events of a rollout still start passes, and each tries again.
   */
  Duration retryAfter(String daemonKey) {
    Duration d = WriteBackoff.delay(failures.getOrDefault(daemonKey, 1));
    return d.compareTo(RETRY_CAP) > 0 ? RETRY_CAP : d;
  }

  ProgressDeadline.ProgressRecord progress(String daemonKey) {
    return progress.get(daemonKey);
  }

  void rememberProgress(String daemonKey, ProgressDeadline.ProgressRecord record) {
    if (record == null) {
      progress.remove(daemonKey);
    } else {
      progress.put(daemonKey, record);
    }
  }

  Set<String> daemonKeys() {
    Set<String> keys = new HashSet<>(lastWritten.keySet());
    keys.addAll(progress.keySet());
    return keys;
  }

  void forget(String daemonKey) {
    OwnStatusWrites.forget(daemonKey);
    lastWritten.remove(daemonKey);
    failures.remove(daemonKey);
    progress.remove(daemonKey);
  }
}
