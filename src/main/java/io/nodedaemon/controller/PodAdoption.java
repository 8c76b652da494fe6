package io.nodedaemon.controller;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.planner.DaemonPodFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Writes the outcome of {@link PodClaims}: adopts orphans by adding a controller owner reference,
 * releases pods that stopped matching by removing ours (upstream's ClaimPods). Each patch carries
 * the pod's uid and resourceVersion, so a pod that changed meanwhile is left for the next pass.
 */
final class PodAdoption {
  private static final Logger LOG = Logger.getLogger(PodAdoption.class);

  private PodAdoption() {}

  /** Returns the pods that are now controlled by the daemon. */
  static List<Pod> adopt(KubernetesClient client, NodeDaemon daemon, List<Pod> orphans) {
    List<Pod> adopted = new ArrayList<>();
    for (Pod pod : orphans) {
      List<OwnerReference> refs = new ArrayList<>(refsOf(pod));
      refs.add(DaemonPodFactory.controllerReference(daemon));
      Pod result = patchOwners(client, pod, refs);
      if (result != null) {
        adopted.add(result);
      }
    }
    return adopted;
  }

  static void release(KubernetesClient client, NodeDaemon daemon, List<Pod> pods) {
    for (Pod pod : pods) {
      List<OwnerReference> refs = new ArrayList<>(refsOf(pod));
      refs.removeIf(r -> daemon.getMetadata().getUid().equals(r.getUid()));
      patchOwners(client, pod, refs);
    }
  }

  private static List<OwnerReference> refsOf(Pod pod) {
    return pod.getMetadata().getOwnerReferences() == null
        ? List.of()
        : pod.getMetadata().getOwnerReferences();
  }

  private static Pod patchOwners(KubernetesClient client, Pod pod, List<OwnerReference> refs) {
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("uid", pod.getMetadata().getUid());
    metadata.put("resourceVersion", pod.getMetadata().getResourceVersion());
    metadata.put("ownerReferences", refs);
    try {
      return client
          .pods()
          .inNamespace(pod.getMetadata().getNamespace())
          .withName(pod.getMetadata().getName())
          .patch(
              PatchContext.of(PatchType.JSON_MERGE),
              Serialization.asJson(Map.of("metadata", metadata)));
    } catch (KubernetesClientException e) {
      LOG.debugf(
          "could not change owners of pod %s/%s: %s",
          pod.getMetadata().getNamespace(), pod.getMetadata().getName(), e.getMessage());
      return null;
    }
  }
}
