package io.nodedaemon.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonSpec;
import io.nodedaemon.api.NodeDaemonStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The simulated API server prints tables server-side, from the CRD's printer columns, as
 * kube-apiserver does.
 */
class SimTablesTest {

  static final String TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

  @Test
  void aNodeDaemonListAsTableCarriesTheCrdColumnsAndValues() throws Exception {
    try (SimulatedCluster cluster = SimulatedCluster.start()) {
      NodeDaemon nd = new NodeDaemon();
      nd.setMetadata(new ObjectMetaBuilder().withName("agent").withNamespace("default").build());
      NodeDaemonSpec spec = new NodeDaemonSpec();
      spec.setSelector(new LabelSelectorBuilder().withMatchLabels(Map.of("app", "agent")).build());
      spec.setTemplate(
          new PodTemplateSpecBuilder()
              .withNewMetadata()
              .withLabels(Map.of("app", "agent"))
              .endMetadata()
              .withNewSpec()
              .withNodeSelector(Map.of("disk", "ssd"))
              .withContainers(
                  new ContainerBuilder().withName("agent").withImage("example.org/agent:1").build())
              .endSpec()
              .build());
      nd.setSpec(spec);
      cluster.client().resources(NodeDaemon.class).inNamespace("default").resource(nd).create();
      NodeDaemonStatus status = new NodeDaemonStatus();
      status.setDesiredNumberScheduled(3);
      status.setCurrentNumberScheduled(2);
      status.setNumberReady(1);
      nd.setStatus(status);
      cluster
          .client()
          .resources(NodeDaemon.class)
          .inNamespace("default")
          .resource(nd)
          .patchStatus();

      HttpResponse<String> response =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create(
                              cluster.url()
                                  + "/apis/nodedaemon.io/v1alpha1/namespaces/default/nodedaemons"))
                      .header("Accept", TABLE)
                      .build(),
                  HttpResponse.BodyHandlers.ofString());

      JsonNode table = new ObjectMapper().readTree(response.body());
      assertThat(table.path("kind").asText()).isEqualTo("Table");
      assertThat(table.path("columnDefinitions").findValuesAsText("name"))
          .startsWith(
              "Name",
              "Desired",
              "Current",
              "Ready",
              "Up-to-date",
              "Available",
              "Node Selector",
              "Age");
      JsonNode cells = table.path("rows").get(0).path("cells");
      assertThat(cells.get(0).asText()).isEqualTo("agent");
      assertThat(cells.get(1).asInt()).isEqualTo(3);
      assertThat(cells.get(2).asInt()).isEqualTo(2);
      assertThat(cells.get(3).asInt()).isEqualTo(1);
      assertThat(cells.get(6).asText()).isEqualTo("{\"disk\":\"ssd\"}");
      assertThat(table.path("rows").get(0).path("object").path("metadata").path("name").asText())
          .isEqualTo("agent");
    }
  }

  @Test
  void aPlainRequestStillGetsTheObjects() throws Exception {
    try (SimulatedCluster cluster = SimulatedCluster.start()) {
      HttpResponse<String> response =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create(
                              cluster.url()
                                  + "/apis/nodedaemon.io/v1alpha1/namespaces/default/nodedaemons"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(new ObjectMapper().readTree(response.body()).path("kind").asText())
          .isEqualTo("NodeDaemonList");
    }
  }
}
