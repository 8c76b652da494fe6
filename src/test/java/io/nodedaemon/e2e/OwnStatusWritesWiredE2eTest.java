package io.nodedaemon.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.javaoperatorsdk.operator.Operator;
import io.nodedaemon.cluster.ClusterResource;
import io.nodedaemon.controller.NodeDaemonReconciler;
import io.nodedaemon.controller.OwnStatusWrites;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/**
 * The controller as Quarkus builds it drops the events of its own status writes (OwnStatusWrites):
 * the filter is configured through the reconciler's annotation, which only the build reads.
 */
@QuarkusTest
@WithTestResource(ClusterResource.class)
class OwnStatusWritesWiredE2eTest {

  @Inject Operator operator;

  @Test
  void theControllersInformerFiltersOurOwnStatusWrites() {
    var controller = operator.getRegisteredController(NodeDaemonReconciler.NAME).orElseThrow();

    assertThat(controller.getConfiguration().getInformerConfig().getOnUpdateFilter())
        .isInstanceOf(OwnStatusWrites.class);
  }
}
