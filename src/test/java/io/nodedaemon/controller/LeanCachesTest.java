package io.nodedaemon.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.ControllerRevisionBuilder;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.nodedaemon.api.NodeDaemon;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LeanCachesTest {

  private static final String OURS = NodeDaemon.GROUP + "/v1alpha1";

  @Test
  void nodesKeepWhatPlacementReadsAndDropStatusAndAnnotations() {
    Node node =
        new NodeBuilder()
            .withNewMetadata()
            .withName("n1")
            .withUid("u1")
            .withResourceVersion("7")
            .withLabels(Map.of("zone", "a"))
            .withAnnotations(Map.of("big", "x".repeat(1000)))
            .withDeletionTimestamp("2026-11-27T00:00:00Z")
            .withManagedFields(new ManagedFieldsEntryBuilder().withManager("kubelet").build())
            .endMetadata()
            .withNewSpec()
            .withUnschedulable(true)
            .withPodCIDR("10.0.0.0/24")
            .addNewTaint()
            .withKey("k")
            .withEffect("NoSchedule")
            .endTaint()
            .endSpec()
            .withNewStatus()
            .addNewImage()
            .withNames("registry/image:1")
            .withSizeBytes(1L)
            .endImage()
            .addNewCondition()
            .withType("Ready")
            .withStatus("True")
            .endCondition()
            .endStatus()
            .build();

    Node slim = LeanCaches.slimNode(node);

    assertThat(slim.getMetadata().getName()).isEqualTo("n1");
    assertThat(slim.getMetadata().getResourceVersion()).isEqualTo("7");
    assertThat(slim.getMetadata().getLabels()).containsEntry("zone", "a");
    assertThat(slim.getMetadata().getDeletionTimestamp()).isEqualTo("2026-11-27T00:00:00Z");
    assertThat(slim.getSpec().getTaints()).extracting("key").containsExactly("k");
    assertThat(slim.getSpec().getUnschedulable()).isTrue();
    assertThat(slim.getSpec().getPodCIDR()).isNull();
    assertThat(slim.getStatus()).isNull();
    assertThat(slim.getMetadata().getAnnotations()).isNullOrEmpty();
    assertThat(slim.getMetadata().getManagedFields()).isNullOrEmpty();
    // Placement-relevant fields are equal, so a slim cached node never looks "changed" against a
    // full one.
    assertThat(NodeChanges.affectsPlacement(node, slim)).isFalse();
    assertThat(node.getStatus().getImages()).hasSize(1); // the original is untouched
  }

  @Test
  void podsOfOtherControllersKeepOnlyTheirControllerReference() {
    Pod foreign = pod("kube-proxy-abc", "apps/v1", "DaemonSet");

    Pod slim = LeanCaches.slimPod(foreign);

    assertThat(slim.getMetadata().getName()).isEqualTo("kube-proxy-abc");
    assertThat(slim.getMetadata().getNamespace()).isEqualTo("ns");
    assertThat(slim.getMetadata().getResourceVersion()).isEqualTo("3");
    assertThat(slim.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(ref -> assertThat(ref.getKind()).isEqualTo("DaemonSet"));
    assertThat(slim.getMetadata().getLabels()).isNullOrEmpty();
    assertThat(slim.getSpec()).isNull();
    assertThat(slim.getStatus()).isNull();
    // A NodeDaemon never claims it, whatever its selector: the labels it lost do not matter.
    assertThat(LeanCaches.controlledByOtherKind(slim)).isTrue();
  }

  @Test
  void podsOfNodeDaemonsAndOrphansKeepMetadataPlacementPhaseAndConditions() {
    Pod ours = pod("agent-1", OURS, NodeDaemon.KIND);
    Pod orphan =
        new PodBuilder(pod("orphan", OURS, NodeDaemon.KIND))
            .editMetadata()
            .withOwnerReferences()
            .endMetadata()
            .build();

    for (Pod pod : new Pod[] {ours, orphan}) {
      Pod slim = LeanCaches.slimPod(pod);
      assertThat(slim.getMetadata().getManagedFields()).isNullOrEmpty();
      assertThat(slim.getMetadata().getLabels()).isEqualTo(pod.getMetadata().getLabels());
      assertThat(slim.getMetadata().getOwnerReferences())
          .isEqualTo(pod.getMetadata().getOwnerReferences());
      assertThat(slim.getSpec().getNodeName()).isEqualTo("n1");
      assertThat(slim.getSpec().getAffinity().getNodeAffinity())
          .isEqualTo(pod.getSpec().getAffinity().getNodeAffinity());
      assertThat(slim.getSpec().getContainers()).isNullOrEmpty();
      assertThat(slim.getStatus().getPhase()).isEqualTo("Running");
      assertThat(slim.getStatus().getConditions()).isEqualTo(pod.getStatus().getConditions());
      assertThat(slim.getStatus().getContainerStatuses()).isNullOrEmpty();
      // What the planner reads is read once, here, and unchanged by slimming.
      assertThat(slim).isInstanceOf(io.nodedaemon.planner.CachedPod.class);
      assertThat(io.nodedaemon.planner.DaemonPodFactory.targetNodeName(slim)).isEqualTo("n1");
      assertThat(io.nodedaemon.planner.PodStates.readyCondition(slim).getStatus())
          .isEqualTo("True");
      assertThat(pod.getMetadata().getManagedFields()).hasSize(1);
      assertThat(pod.getSpec().getContainers()).hasSize(1); // the original is untouched
    }
  }

  @Test
  void revisionsOfOtherControllersDropTheirTemplate() {
    ControllerRevision foreign = revision("web-abc", "apps/v1", "StatefulSet");
    ControllerRevision ours = revision("agent-abc", OURS, NodeDaemon.KIND);

    assertThat(LeanCaches.slimRevision(foreign).getData()).isNull();
    assertThat(LeanCaches.slimRevision(ours).getData()).isEqualTo(ours.getData());
    assertThat(LeanCaches.slimRevision(ours).getMetadata().getManagedFields()).isNullOrEmpty();
  }

  @Test
  void theStoreKeepsTheSlimCopyUnderTheInformersKey() {
    ItemStore<Pod> store = LeanCaches.storing(LeanCaches::slimPod);
    Pod foreign = pod("kube-proxy-abc", "apps/v1", "DaemonSet");

    store.put(store.getKey(foreign), foreign);

    assertThat(store.getKey(foreign)).isEqualTo("ns/kube-proxy-abc");
    assertThat(store.get("ns/kube-proxy-abc").getSpec()).isNull();
    assertThat(store.size()).isEqualTo(1);
  }

  private static Pod pod(String name, String ownerApiVersion, String ownerKind) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace("ns")
        .withUid("uid-" + name)
        .withResourceVersion("3")
        .withLabels(Map.of("app", "agent"))
        .addNewOwnerReference()
        .withApiVersion(ownerApiVersion)
        .withKind(ownerKind)
        .withName("owner")
        .withUid("o")
        .withController(true)
        .endOwnerReference()
        .withManagedFields(
            new ManagedFieldsEntryBuilder().withManager("kube-controller-manager").build())
        .endMetadata()
        .withNewSpec()
        .withNodeName("n1")
        .addNewContainer()
        .withName("c")
        .withImage("img")
        .endContainer()
        .withNewAffinity()
        .withNewNodeAffinity()
        .withNewRequiredDuringSchedulingIgnoredDuringExecution()
        .addNewNodeSelectorTerm()
        .addNewMatchField()
        .withKey("metadata.name")
        .withOperator("In")
        .withValues("n1")
        .endMatchField()
        .endNodeSelectorTerm()
        .endRequiredDuringSchedulingIgnoredDuringExecution()
        .endNodeAffinity()
        .endAffinity()
        .endSpec()
        .withNewStatus()
        .withPhase("Running")
        .addNewCondition()
        .withType("Ready")
        .withStatus("True")
        .endCondition()
        .addNewContainerStatus()
        .withName("c")
        .withReady(true)
        .endContainerStatus()
        .endStatus()
        .build();
  }

  private static ControllerRevision revision(
      String name, String ownerApiVersion, String ownerKind) {
    return new ControllerRevisionBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace("ns")
        .withResourceVersion("1")
        .addNewOwnerReference()
        .withApiVersion(ownerApiVersion)
        .withKind(ownerKind)
        .withName("owner")
        .withUid("o")
        .withController(true)
        .endOwnerReference()
        .withManagedFields(new ManagedFieldsEntryBuilder().withManager("m").build())
        .endMetadata()
        .withData(Map.of("spec", Map.of("template", Map.of())))
        .withRevision(1L)
        .build();
  }
}
