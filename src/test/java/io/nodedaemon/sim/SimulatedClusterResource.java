package io.nodedaemon.sim;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.time.Duration;
import java.util.Map;

/**
 * Runs {@code @QuarkusTest}s of the real operator against a {@link SimulatedCluster} (random
 * loopback port, scheduler and kubelet stand-ins with zero delay): use
 * {@code @WithTestResource(SimulatedClusterResource.class)} and a field
 * {@code @InjectSimulatedCluster SimulatedCluster cluster;}.
 *
 * <p>The cluster starts with namespaces {@code default} and {@code kube-system}, the NodeDaemon
 * CRD, and no nodes: tests add the nodes they need.
 */
public class SimulatedClusterResource implements QuarkusTestResourceLifecycleManager {

  private SimulatedCluster cluster;

  @Override
  public Map<String, String> start() {
    cluster = SimulatedCluster.builder().withStandIns(Duration.ZERO).start();
    return Map.of(
        "quarkus.kubernetes-client.api-server-url", cluster.url(),
        "quarkus.kubernetes-client.trust-certs", "true",
        "quarkus.kubernetes-client.namespace", "default",
        "quarkus.kubernetes-client.devservices.enabled", "false",
        // The simulator's CRD is installed by the cluster itself; the operator must not try to.
        "quarkus.operator-sdk.crd.apply", "false");
  }

  @Override
  public void inject(TestInjector testInjector) {
    testInjector.injectIntoFields(cluster,
        new TestInjector.AnnotatedAndMatchesType(InjectSimulatedCluster.class, SimulatedCluster.class));
  }

  @Override
  public void stop() {
    if (cluster != null) {
      cluster.close();
      cluster = null;
    }
  }
}
