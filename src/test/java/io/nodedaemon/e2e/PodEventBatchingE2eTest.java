package io.nodedaemon.e2e;

import static io.nodedaemon.e2e.E2eSupport.TIMEOUT;
import static io.nodedaemon.e2e.E2eSupport.addNodes;
import static io.nodedaemon.e2e.E2eSupport.awaitStatus;
import static io.nodedaemon.e2e.E2eSupport.converged;
import static io.nodedaemon.e2e.E2eSupport.create;
import static io.nodedaemon.e2e.E2eSupport.daemon;
import static io.nodedaemon.e2e.E2eSupport.podsByNode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.cluster.ClusterResource;
import io.nodedaemon.cluster.InjectCluster;
import io.nodedaemon.cluster.TestCluster;
import io.nodedaemon.controller.PodEventBatching;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/**
 * A converged NodeDaemon's pod progress defers its pass (PodEventBatching), and a deferred pass
 * does run: the join below is only converged once the new pod's Ready, whose event is deferred, has
 * been seen by a pass.
 */
@QuarkusTest
@WithTestResource(ClusterResource.class)
class PodEventBatchingE2eTest {

  @InjectCluster TestCluster cluster;
  @Inject MeterRegistry registry;

  double deferred() {
    Counter c = registry.find(PodEventBatching.DEFERRED.replaceFirst("_total$", "")).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void aConvergedNodeDaemonsPodProgressIsSeenByADeferredPass() {
    addNodes(cluster, "defer", "defer-1");
    create(cluster, daemon("defer", "agent", "defer"));
    awaitStatus(cluster.client(), "defer", "agent", converged(1));
    double before = deferred();

    // A change to the pod that alters nothing a pass decides on.
    Pod pod = podsByNode(cluster.client(), "defer").get("defer-1").get(0);
    cluster
        .client()
        .pods()
        .inNamespace("defer")
        .withName(pod.getMetadata().getName())
        .edit(
            p ->
                new PodBuilder(p)
                    .editMetadata()
                    .addToAnnotations("example.org/touched", "true")
                    .endMetadata()
                    .build());
    await().atMost(TIMEOUT).until(() -> deferred() > before);

    // A node joins: its pod is created early, then bound and Ready, events a pass of this
    // converged NodeDaemon defers; the status counts the pod Ready only after that pass.
    addNodes(cluster, "defer", "defer-2");
    awaitStatus(cluster.client(), "defer", "agent", converged(2));
    NodeDaemon d =
        cluster.client().resources(NodeDaemon.class).inNamespace("defer").withName("agent").get();
    assertThat(d.getStatus().getNumberReady()).isEqualTo(2);
  }
}
