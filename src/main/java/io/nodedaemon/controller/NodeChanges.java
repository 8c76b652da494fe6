package io.nodedaemon.controller;

import io.fabric8.kubernetes.api.model.Node;
import java.util.Objects;

/**
 * Decides which node updates matter to placement: labels, taints, unschedulability. Heartbeats
 * (status condition timestamps, images, resource usage) change nothing and trigger nothing.
 */
public final class NodeChanges {
  private NodeChanges() {}

  public static boolean affectsPlacement(Node newNode, Node oldNode) {
    if (oldNode == null || newNode == null) {
      return true;
    }
    return !Objects.equals(newNode.getMetadata().getLabels(), oldNode.getMetadata().getLabels())
        || !Objects.equals(
            newNode.getSpec() == null ? null : newNode.getSpec().getTaints(),
            oldNode.getSpec() == null ? null : oldNode.getSpec().getTaints())
        || !Objects.equals(
            newNode.getSpec() == null ? null : newNode.getSpec().getUnschedulable(),
            oldNode.getSpec() == null ? null : oldNode.getSpec().getUnschedulable())
        || !Objects.equals(
            newNode.getMetadata().getDeletionTimestamp(),
            oldNode.getMetadata().getDeletionTimestamp());
  }
}
