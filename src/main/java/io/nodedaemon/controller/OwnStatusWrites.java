package io.nodedaemon.controller;

import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonStatus;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Drops the NodeDaemon update event that the operator's own status write caused: the object it
 * delivers is exactly what the write produced (the same resourceVersion), so a pass for it would
 * observe nothing new and write nothing. The watch may deliver that event before the write's
 * response tells us its resourceVersion; then the event is known by its status, the one we sent.
 *
 * <p>Why: each status write of a pass otherwise starts one more pass of that NodeDaemon, and at
 * 5,000 nodes a pass walks 5,000 nodes and pods. Any other change still starts a pass, a change to
 * status by someone else included (its resourceVersion differs), so the status is still corrected
 * within seconds (SPEC §2). A decision that needs another pass asks for it with a requeue, never
 * through its own status write. JOSDK creates the filter from the controller's annotation, hence
 * the static memory; an entry is dropped with the rest of a NodeDaemon's memory ({@link
 * StatusWriter#forget}).
 */
public final class OwnStatusWrites implements OnUpdateFilter<NodeDaemon> {

  /** Per NodeDaemon (uid): the resourceVersion its last status write produced. */
  private static final Map<String, String> WRITTEN = new ConcurrentHashMap<>();

  /** Per NodeDaemon (uid): the status its last status write sent. */
  private static final Map<String, NodeDaemonStatus> SENT = new ConcurrentHashMap<>();

  /** Before a status write goes out: its event may come back before its response. */
  static void sending(String daemonKey, NodeDaemonStatus status) {
    SENT.put(daemonKey, status);
  }

  static void wrote(String daemonKey, String resourceVersion) {
    if (resourceVersion == null) {
      WRITTEN.remove(daemonKey);
    } else {
      WRITTEN.put(daemonKey, resourceVersion);
    }
  }

  static void forget(String daemonKey) {
    WRITTEN.remove(daemonKey);
    SENT.remove(daemonKey);
  }

  @Override
  public boolean accept(NodeDaemon updated, NodeDaemon previous) {
    String key = ReconcilerKeys.of(updated);
    String written = WRITTEN.get(key);
    boolean ourVersion =
        written != null && written.equals(updated.getMetadata().getResourceVersion());
    // Someone else's write of the very status we sent changes nothing a pass would correct.
    boolean ourStatus = updated.getStatus() != null && updated.getStatus().equals(SENT.get(key));
    if (!ourVersion && !ourStatus) {
      return true;
    }
    // After a relist the informer compares with an older copy: a change made before our write
    // (the spec, a deletion) arrives in the same event and must still start a pass.
    return previous == null || !onlyStatusDiffers(updated, previous);
  }

  /** The spec is covered by the generation: the API server bumps it on every change of spec. */
  private static boolean onlyStatusDiffers(NodeDaemon updated, NodeDaemon previous) {
    var a = updated.getMetadata();
    var b = previous.getMetadata();
    return Objects.equals(a.getGeneration(), b.getGeneration())
        && Objects.equals(a.getDeletionTimestamp(), b.getDeletionTimestamp())
        && Objects.equals(a.getLabels(), b.getLabels())
        && Objects.equals(a.getAnnotations(), b.getAnnotations())
        && Objects.equals(a.getFinalizers(), b.getFinalizers());
  }
}
