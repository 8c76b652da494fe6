package io.nodedaemon.controller;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.planner.LabelSelectors;
import io.nodedaemon.planner.PodStates;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Sorts the pods of a namespace into those a NodeDaemon controls, orphans it should adopt and owned
 * pods it should release (upstream's ClaimPods), without writing anything.
 */
public record PodClaims(List<Pod> controlled, List<Pod> toAdopt, List<Pod> toRelease) {

  public static PodClaims classify(NodeDaemon daemon, Collection<Pod> podsInNamespace) {
    // Interned as a cached pod's controller uid is (CachedPod): equal means identical, no read.
    String uid = daemon.getMetadata().getUid().intern();
    boolean daemonDeleting = daemon.getMetadata().getDeletionTimestamp() != null;
    List<Pod> controlled = new ArrayList<>();
    List<Pod> adopt = new ArrayList<>();
    List<Pod> release = new ArrayList<>();
    for (Pod pod : podsInNamespace) {
      OwnerReference controller = PodStates.controllerOf(pod);
      if (controller != null && !uid.equals(controller.getUid())) {
        continue; // someone else's pod: never touched (and cached without its labels, see
        // LeanCaches)
      }
      Map<String, String> labels =
          pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
      boolean matches = LabelSelectors.matches(daemon.getSpec().getSelector(), labels);
      if (controller != null) {
        if (matches) {
          controlled.add(pod);
        } else if (pod.getMetadata().getDeletionTimestamp() == null) {
          release.add(pod);
        }
      } else if (matches && !daemonDeleting && pod.getMetadata().getDeletionTimestamp() == null) {
        // Only pods nobody controls are adopted; a terminating orphan is left to finish.
        adopt.add(pod);
      }
    }
    return new PodClaims(controlled, adopt, release);
  }
}
