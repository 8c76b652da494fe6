package io.nodedaemon.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonUpdateStrategy;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SampleManifestTest {

  static NodeDaemon load(String file) throws Exception {
    try (InputStream in = Files.newInputStream(Path.of("k8s", "samples", file))) {
      return Serialization.unmarshal(in, NodeDaemon.class);
    }
  }

  @Test
  void fluentdSampleIsTheDocsDaemonSetAsNodeDaemon() throws Exception {
    NodeDaemon nd = load("fluentd-elasticsearch.yaml");
    assertThat(nd.getApiVersion()).isEqualTo("nodedaemon.io/v1alpha1");
    assertThat(nd.getKind()).isEqualTo("NodeDaemon");
    assertThat(nd.getMetadata().getName()).isEqualTo("fluentd-elasticsearch");
    assertThat(nd.getMetadata().getNamespace()).isEqualTo("kube-system");
    assertThat(nd.getMetadata().getLabels()).containsEntry("k8s-app", "fluentd-logging");
    assertThat(nd.getSpec().getSelector().getMatchLabels())
        .containsExactlyEntriesOf(java.util.Map.of("name", "fluentd-elasticsearch"));
    assertThat(nd.getSpec().getTemplate().getMetadata().getLabels())
        .containsEntry("name", "fluentd-elasticsearch");
    var pod = nd.getSpec().getTemplate().getSpec();
    assertThat(pod.getTolerations())
        .extracting(Toleration::getKey, Toleration::getOperator, Toleration::getEffect)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "node-role.kubernetes.io/control-plane", "Exists", "NoSchedule"),
            org.assertj.core.groups.Tuple.tuple(
                "node-role.kubernetes.io/master", "Exists", "NoSchedule"));
    var c = pod.getContainers().get(0);
    assertThat(c.getName()).isEqualTo("fluentd-elasticsearch");
    assertThat(c.getImage()).isEqualTo("quay.io/fluentd_elasticsearch/fluentd:v2.5.2");
    assertThat(c.getResources().getLimits()).containsEntry("memory", new Quantity("200Mi"));
    assertThat(c.getResources().getRequests())
        .containsEntry("cpu", new Quantity("100m"))
        .containsEntry("memory", new Quantity("200Mi"));
    assertThat(c.getVolumeMounts())
        .extracting(VolumeMount::getName, VolumeMount::getMountPath, VolumeMount::getReadOnly)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("varlog", "/var/log", null),
            org.assertj.core.groups.Tuple.tuple(
                "varlibdockercontainers", "/var/lib/docker/containers", true));
    assertThat(pod.getTerminationGracePeriodSeconds()).isEqualTo(30L);
    assertThat(pod.getVolumes())
        .extracting(v -> v.getName() + "=" + v.getHostPath().getPath())
        .containsExactly("varlog=/var/log", "varlibdockercontainers=/var/lib/docker/containers");
    assertThat(nd.getSpec().getUpdateStrategy().getType())
        .isEqualTo(NodeDaemonUpdateStrategy.Type.RollingUpdate);
    assertThat(nd.getSpec().getUpdateStrategy().getRollingUpdate().getMaxUnavailable().getIntVal())
        .isEqualTo(1);
  }

  @Test
  void canarySampleUsesPartitionSelectorPauseSurgeAndDeadline() throws Exception {
    NodeDaemon nd = load("node-exporter-canary.yaml");
    var ru = nd.getSpec().getUpdateStrategy().getRollingUpdate();
    assertThat(ru.getPartition().getIntVal()).isEqualTo(2);
    assertThat(ru.getMaxSurge().getIntVal()).isEqualTo(1);
    assertThat(ru.getMaxUnavailable().getIntVal()).isZero();
    assertThat(ru.getPaused()).isFalse();
    assertThat(ru.getSelector().getMatchLabels())
        .containsEntry("rollout.nodedaemon.io/wave", "canary");
    assertThat(nd.getSpec().getProgressDeadlineSeconds()).isEqualTo(300);
    assertThat(nd.getSpec().getSelector().getMatchLabels())
        .isEqualTo(nd.getSpec().getTemplate().getMetadata().getLabels());
  }

  @Test
  void fluentdSampleCanBeCreatedInTheSimulatedCluster() throws Exception {
    try (SimulatedCluster cluster = SimulatedCluster.start()) {
      NodeDaemon created =
          cluster
              .client()
              .resources(NodeDaemon.class)
              .resource(load("fluentd-elasticsearch.yaml"))
              .create();
      assertThat(created.getMetadata().getUid()).isNotBlank();
      assertThat(
              cluster
                  .client()
                  .resources(NodeDaemon.class)
                  .inNamespace("kube-system")
                  .withName("fluentd-elasticsearch")
                  .get()
                  .getSpec()
                  .getTemplate()
                  .getSpec()
                  .getContainers())
          .hasSize(1);
    }
  }
}
