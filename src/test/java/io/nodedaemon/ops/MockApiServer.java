package io.nodedaemon.ops;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.nodedaemon.sim.SimulatedCluster;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;

/**
 * A fabric8 mock API server in CRUD mode that knows the NodeDaemon CRD and answers the
 * SelfSubjectRulesReview with which JOSDK's leader election checks its Lease permissions.
 */
final class MockApiServer implements AutoCloseable {
  final KubernetesMockServer server;
  final KubernetesClient client;

  MockApiServer() throws IOException {
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            responses,
            new KubernetesMixedDispatcher(responses),
            false);
    server.init();
    SimulatedCluster.grantLeaseRules(server);
    client = server.createClient();
    for (var crd :
        Manifests.load(
            Manifests.PROJECT.resolve("k8s/generated/nodedaemons.nodedaemon.io-crd.yaml"))) {
      client.resource((CustomResourceDefinition) crd).create();
    }
  }

  String url() {
    return server.url("/");
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
