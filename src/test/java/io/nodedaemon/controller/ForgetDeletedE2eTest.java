package io.nodedaemon.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonSpec;
import io.nodedaemon.cluster.ClusterResource;
import io.nodedaemon.cluster.InjectCluster;
import io.nodedaemon.cluster.TestCluster;
import io.nodedaemon.ops.NodeDaemonMetrics;
import io.nodedaemon.sim.SimNode;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A deleted NodeDaemon leaves nothing behind in the operator: no metrics series, no remembered
 * status, in-flight writes or progress clock (the housekeeping sweep).
 */
@QuarkusTest
@WithTestResource(ClusterResource.class)
class ForgetDeletedE2eTest {

  @InjectCluster TestCluster cluster;

  @Inject Housekeeping housekeeping;

  @Inject MeterRegistry registry;

  @Test
  void theHousekeepingSweepForgetsADeletedNodeDaemon() {
    cluster.addNode(SimNode.named("forget-1").label("forget", "yes").build());
    NodeDaemon daemon = new NodeDaemon();
    daemon.setMetadata(new ObjectMetaBuilder().withName("gone").withNamespace("forget").build());
    NodeDaemonSpec spec = new NodeDaemonSpec();
    spec.setSelector(new LabelSelectorBuilder().withMatchLabels(Map.of("app", "gone")).build());
    spec.setTemplate(
        new PodTemplateSpecBuilder()
            .withNewMetadata()
            .withLabels(Map.of("app", "gone"))
            .endMetadata()
            .withNewSpec()
            .withNodeSelector(Map.of("forget", "yes"))
            .withContainers(new ContainerBuilder().withName("c").withImage("img").build())
            .endSpec()
            .build());
    daemon.setSpec(spec);
    cluster.createNamespace("forget");
    cluster.client().resources(NodeDaemon.class).inNamespace("forget").resource(daemon).create();

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> gauge("gone") != null && gauge("gone").value() == 1.0);
    // NodeDaemons that other test classes deleted are swept first, so the count below is ours
    // alone.
    housekeeping.forgetDeleted();
    int remembered = housekeeping.rememberedDaemons();
    housekeeping.forgetDeleted();
    assertThat(gauge("gone")).as("a live NodeDaemon keeps its series").isNotNull();
    assertThat(housekeeping.rememberedDaemons()).isEqualTo(remembered);

    cluster.client().resources(NodeDaemon.class).inNamespace("forget").withName("gone").delete();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              housekeeping.forgetDeleted();
              assertThat(gauge("gone")).isNull();
            });
    assertThat(housekeeping.rememberedDaemons()).isLessThan(remembered);
  }

  private io.micrometer.core.instrument.Gauge gauge(String name) {
    return registry
        .find(NodeDaemonMetrics.PREFIX + "desired")
        .tag("namespace", "forget")
        .tag("name", name)
        .gauge();
  }
}
