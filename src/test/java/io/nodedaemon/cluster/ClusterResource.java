package io.nodedaemon.cluster;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.HashMap;
import java.util.Map;

/**
 * Runs {@code @QuarkusTest}s of the real operator against this run's backend ({@link Backend}): use
 * {@code @WithTestResource(ClusterResource.class)} and a field {@code @InjectCluster TestCluster
 * cluster;}. The simulated cluster is made for the test classes and closed after them; the real
 * control plane is shared by the whole JVM.
 *
 * <p>The cluster starts with the NodeDaemon CRD and no nodes: tests add the nodes they need.
 */
public class ClusterResource implements QuarkusTestResourceLifecycleManager {

  private TestCluster cluster;

  @Override
  public Map<String, String> start() {
    cluster = Backend.startCluster();
    Map<String, String> config = new HashMap<>(cluster.operatorClientProperties());
    config.put("quarkus.kubernetes-client.devservices.enabled", "false");
    // The CRD is installed by the cluster itself (the committed one, on the real control plane).
    config.put("quarkus.operator-sdk.crd.apply", "false");
    return config;
  }

  @Override
  public void inject(TestInjector testInjector) {
    testInjector.injectIntoFields(
        cluster, new TestInjector.AnnotatedAndMatchesType(InjectCluster.class, TestCluster.class));
  }

  @Override
  public void stop() {
    if (cluster != null && !(cluster instanceof RealControlPlane)) {
      cluster.close();
    }
    cluster = null;
  }
}
