package io.nodedaemon.e2e;

import static io.nodedaemon.e2e.E2eSupport.addNodes;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nodedaemon.cluster.ClusterResource;
import io.nodedaemon.cluster.InjectCluster;
import io.nodedaemon.cluster.TestCluster;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/**
 * The operator's own client (the one Quarkus builds, which the informers use) decodes nodes without
 * their status and managedFields (LeanDecoding); any other client still sees the whole node.
 */
@QuarkusTest
@WithTestResource(ClusterResource.class)
class LeanDecodingE2eTest {

  @InjectCluster TestCluster cluster;

  @Inject KubernetesClient operatorClient;

  @Test
  void theOperatorsClientReadsNodesWithoutTheirStatus() {
    addNodes(cluster, "lean", "lean-1");

    Node whole = cluster.client().nodes().withName("lean-1").get();
    // A list, as the informer reads nodes: the operator's RBAC grants list and watch, not get.
    Node lean =
        operatorClient.nodes().list().getItems().stream()
            .filter(n -> "lean-1".equals(n.getMetadata().getName()))
            .findFirst()
            .orElseThrow();

    assertThat(whole.getStatus()).isNotNull();
    assertThat(whole.getStatus().getConditions()).isNotEmpty();
    assertThat(lean.getStatus()).isNull();
    assertThat(lean.getMetadata().getManagedFields()).isEmpty();
    assertThat(lean.getMetadata().getLabels()).isEqualTo(whole.getMetadata().getLabels());
  }
}
