package io.nodedaemon.planner.rollout;

import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.List;

/**
 * What a rolling-update pass asks the shell to do, as upstream's rollingUpdate hands to syncNodes:
 * nodes that need a pod of the update revision (surge only), old pods to delete, and when to look
 * again because a pod becomes available by the clock alone (null: only on the next change).
 */
public record RolloutPlan(
    List<String> nodesNeedingNewPods, List<Pod> oldPodsToDelete, Duration requeueAfter) {

  public static final RolloutPlan NONE = new RolloutPlan(List.of(), List.of(), null);

  public RolloutPlan {
    nodesNeedingNewPods = List.copyOf(nodesNeedingNewPods);
    oldPodsToDelete = List.copyOf(oldPodsToDelete);
  }
}
