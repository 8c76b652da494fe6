package io.nodedaemon.planner.rollout;

import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import java.util.List;

/**
 * What the revision history needs this pass (upstream's constructHistory + cleanupHistory as one
 * pure decision): the update revision, the writes that make the history match it, and the revision
 * hashes and collision count for status.
 *
 * @param updateRevision the revision of the current template, as it will be once the writes are
 *     done (carrying its new number when reused)
 * @param updateHash its hash: the controller-revision-hash new pods get (status.updateRevision)
 * @param currentHash the hash of the oldest revision live pods still carry, or the update hash when
 *     none does (status.currentRevision)
 * @param collisionCount the collision count to keep in status (null while no collision happened)
 * @param revisionToCreate a new revision to create, or null
 * @param revisionToRenumber an existing revision reused for the current template, with its new
 *     revision number set (update it), or null
 * @param revisionsToDelete old revisions beyond revisionHistoryLimit, oldest first
 */
public record RevisionPlan(
    ControllerRevision updateRevision,
    String updateHash,
    String currentHash,
    Integer collisionCount,
    ControllerRevision revisionToCreate,
    ControllerRevision revisionToRenumber,
    List<ControllerRevision> revisionsToDelete) {

  public RevisionPlan {
    revisionsToDelete = List.copyOf(revisionsToDelete);
  }

  public boolean hasWrites() {
    return revisionToCreate != null || revisionToRenumber != null || !revisionsToDelete.isEmpty();
  }
}
