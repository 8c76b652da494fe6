package io.nodedaemon.controller;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;

class LeanDecodingTest {

  /** The operator's serialization, customised as Quarkus does for its client. */
  private static KubernetesSerialization operatorSerialization() {
    ObjectMapper mapper = new ObjectMapper();
    new LeanDecoding().customize(mapper);
    return new KubernetesSerialization(mapper, true);
  }

  private static final KubernetesSerialization PLAIN = new KubernetesSerialization();

  private static Node node() {
    return new NodeBuilder()
        .withNewMetadata()
        .withName("worker-1")
        .addToLabels("kubernetes.io/os", "linux")
        .withManagedFields(new ManagedFieldsEntryBuilder().withManager("kubelet").build())
        .endMetadata()
        .withNewSpec()
        .addNewTaint()
        .withKey("gpu")
        .withEffect("NoSchedule")
        .endTaint()
        .endSpec()
        .withNewStatus()
        .addNewCondition()
        .withType("Ready")
        .withStatus("True")
        .endCondition()
        .addNewImage()
        .withNames("registry.k8s.io/kube-proxy:v1.37.2")
        .endImage()
        .endStatus()
        .build();
  }

  @Test
  void aNodeIsDecodedWithoutStatusOrManagedFieldsButWithWhatPlacementReads() {
    String json = PLAIN.asJson(node());

    Node decoded = operatorSerialization().unmarshal(json, Node.class);

    assertThat(decoded.getStatus()).isNull();
    assertThat(decoded.getMetadata().getManagedFields()).isEmpty();
    assertThat(decoded.getMetadata().getName()).isEqualTo("worker-1");
    assertThat(decoded.getMetadata().getLabels()).containsEntry("kubernetes.io/os", "linux");
    assertThat(decoded.getSpec().getTaints()).hasSize(1);
    assertThat(decoded.getAdditionalProperties()).doesNotContainKey("status");
  }

  @Test
  void aPodKeepsItsStatusAndWritingIsUnchanged() {
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName("agent-1")
            .withManagedFields(new ManagedFieldsEntryBuilder().withManager("nodedaemon").build())
            .endMetadata()
            .withNewStatus()
            .withPhase("Running")
            .endStatus()
            .build();
    KubernetesSerialization lean = operatorSerialization();

    Pod decoded = lean.unmarshal(PLAIN.asJson(pod), Pod.class);

    assertThat(decoded.getStatus().getPhase()).isEqualTo("Running");
    assertThat(decoded.getMetadata().getManagedFields()).isEmpty();
    // Serialising keeps both: only decoding skips them.
    assertThat(PLAIN.unmarshal(lean.asJson(node()), Node.class)).isEqualTo(node());
  }
}
