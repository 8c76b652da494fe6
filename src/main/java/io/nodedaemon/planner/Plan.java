package io.nodedaemon.planner;

import io.fabric8.kubernetes.api.model.Pod;
import io.nodedaemon.api.ExcludedNodeGroup;
import java.time.Duration;
import java.util.List;

/**
 * The outcome of one planning pass, as upstream's manage/rollingUpdate compute it: the nodes that
 * need a new daemon pod (of {@code PlanInput.updateRevision}), the pods to delete, the events to
 * record, the status counters, the rollout's progress figures, and when to look again (null: only
 * on the next change).
 *
 * @param targetUpdated how many desired nodes should carry the update revision once the rollout is
 *     done: all of them, less those a partition or the rollout's node selector hold back
 * @param updatedAvailable desired nodes whose oldest pod is of the update revision and available
 * @param excludedNodes the nodes placement keeps without a pod, grouped (SPEC §8)
 */
public record Plan(
    List<String> nodesNeedingDaemonPods,
    List<Pod> podsToDelete,
    List<PlannedEvent> events,
    DaemonCounts counts,
    int targetUpdated,
    int updatedAvailable,
    Duration requeueAfter,
    List<ExcludedNodeGroup> excludedNodes) {

  public boolean hasWrites() {
    return !nodesNeedingDaemonPods.isEmpty() || !podsToDelete.isEmpty();
  }
}
