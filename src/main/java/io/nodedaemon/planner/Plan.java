package io.nodedaemon.planner;

import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.List;

/**
 * The outcome of one planning pass, as upstream's manage/rollingUpdate compute it: the nodes that
 * need a new daemon pod (of {@code PlanInput.updateRevision}), the pods to delete, the events to
 * record, the status counters, and when to look again (null: only on the next change).
 */
public record Plan(
    List<String> nodesNeedingDaemonPods,
    List<Pod> podsToDelete,
    List<PlannedEvent> events,
    DaemonCounts counts,
    Duration requeueAfter) {

  public boolean hasWrites() {
    return !nodesNeedingDaemonPods.isEmpty() || !podsToDelete.isEmpty();
  }
}
