package io.nodedaemon.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KubectlTableTest {

  static final Instant NOW = Instant.parse("2025-01-01T12:00:00Z");

  @Test
  void rendersNodeDaemonsAsKubectlGetNd() {
    NodeDaemon fluentd = SimulatedClusterTest.nodeDaemon("fluentd-elasticsearch", "img:1");
    fluentd.getMetadata().setCreationTimestamp("2025-01-01T11:59:15Z");
    NodeDaemonStatus s = new NodeDaemonStatus();
    s.setDesiredNumberScheduled(4);
    s.setCurrentNumberScheduled(4);
    s.setNumberReady(3);
    s.setUpdatedNumberScheduled(2);
    s.setNumberAvailable(3);
    fluentd.setStatus(s);
    NodeDaemon fresh = SimulatedClusterTest.nodeDaemon("a-new-one", "img:1");
    fresh.getMetadata().setCreationTimestamp("2025-01-01T09:30:00Z");
    fresh
        .getSpec()
        .getTemplate()
        .getSpec()
        .setNodeSelector(Map.of("kubernetes.io/os", "linux", "a", "b"));

    assertThat(KubectlTable.nodeDaemons(List.of(fluentd, fresh), NOW))
        .isEqualTo(
            """
        NAME                    DESIRED   CURRENT   READY    UP-TO-DATE   AVAILABLE   NODE SELECTOR                          AGE
        a-new-one               <none>    <none>    <none>   <none>       <none>      {"a":"b","kubernetes.io/os":"linux"}   150m
        fluentd-elasticsearch   4         4         3        2            3           <none>                                 45s
        """);
  }

  @Test
  void rendersPodsWithReadyCountStatusNodeAndRevision() {
    var running =
        new PodBuilder()
            .withNewMetadata()
            .withName("fluentd-elasticsearch-w1")
            .withCreationTimestamp("2025-01-01T11:58:00Z")
            .addToLabels("controller-revision-hash", "6d5f7b8c9")
            .endMetadata()
            .withNewSpec()
            .withNodeName("worker-1")
            .addNewContainer()
            .withName("c")
            .withImage("fluentd:v2.5.2")
            .endContainer()
            .endSpec()
            .withNewStatus()
            .withPhase("Running")
            .addNewContainerStatus()
            .withName("c")
            .withReady(true)
            .withRestartCount(0)
            .endContainerStatus()
            .endStatus()
            .build();
    var pending =
        new PodBuilder()
            .withNewMetadata()
            .withName("fluentd-elasticsearch-cp")
            .withCreationTimestamp("2025-01-01T11:59:59Z")
            .endMetadata()
            .withNewSpec()
            .addNewContainer()
            .withName("c")
            .withImage("fluentd:v2.6.0")
            .endContainer()
            .endSpec()
            .build();

    assertThat(KubectlTable.pods(List.of(running, pending), NOW))
        .isEqualTo(
            """
        NAME                       READY   STATUS    RESTARTS   AGE   NODE       IMAGE            REVISION
        fluentd-elasticsearch-cp   0/1     Pending   0          1s    <none>     fluentd:v2.6.0  \s
        fluentd-elasticsearch-w1   1/1     Running   0          2m    worker-1   fluentd:v2.5.2   6d5f7b8c9
        """);
  }

  @Test
  void formatsAgesLikeHumanDuration() {
    assertThat(KubectlTable.humanDuration(Duration.ofSeconds(119))).isEqualTo("119s");
    assertThat(KubectlTable.humanDuration(Duration.ofSeconds(125))).isEqualTo("2m5s");
    assertThat(KubectlTable.humanDuration(Duration.ofMinutes(179))).isEqualTo("179m");
    assertThat(KubectlTable.humanDuration(Duration.ofMinutes(185))).isEqualTo("3h5m");
    assertThat(KubectlTable.humanDuration(Duration.ofHours(47))).isEqualTo("47h");
    assertThat(KubectlTable.humanDuration(Duration.ofHours(50))).isEqualTo("2d2h");
    assertThat(KubectlTable.humanDuration(Duration.ofDays(400))).isEqualTo("400d");
    assertThat(KubectlTable.humanDuration(Duration.ofSeconds(-5))).isEqualTo("<invalid>");
  }
}
