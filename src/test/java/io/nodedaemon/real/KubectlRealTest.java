package io.nodedaemon.real;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.nodedaemon.cluster.ClusterResource;
import io.nodedaemon.cluster.InjectCluster;
import io.nodedaemon.cluster.Kubectl;
import io.nodedaemon.cluster.RealControlPlane;
import io.nodedaemon.cluster.TestCluster;
import io.nodedaemon.sim.SimNode;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What a user types, with the real kubectl against the real control plane and the operator running
 * under its generated RBAC: the install kustomization is accepted whole, the seed sample converges,
 * {@code kubectl get nd} prints SPEC §1's columns with the right values, and {@code kubectl wait}
 * returns on the Ready condition.
 */
@QuarkusTest
@WithTestResource(ClusterResource.class)
class KubectlRealTest {

  static final String NS = "kubectl";

  @InjectCluster TestCluster cluster;

  Kubectl kubectl() {
    return new Kubectl(((RealControlPlane) cluster).kubeconfig());
  }

  @Test
  void theInstallKustomizationIsAcceptedWhole() {
    String out = kubectl().run("apply", "-k", "k8s/").assertOk().out();

    assertThat(out)
        .contains(
            "namespace/nodedaemon-system",
            "customresourcedefinition.apiextensions.k8s.io/nodedaemons.nodedaemon.io",
            "serviceaccount/nodedaemon-operator",
            "clusterrole.rbac.authorization.k8s.io/",
            "clusterrolebinding.rbac.authorization.k8s.io/",
            "service/nodedaemon-operator",
            "deployment.apps/nodedaemon-operator");
    assertThat(out).doesNotContainIgnoringCase("error");
  }

  @Test
  void theSeedSampleConvergesAndKubectlPrintsTheColumns() throws Exception {
    cluster.createNamespace(NS);
    for (String name : new String[] {"kubectl-1", "kubectl-2", "kubectl-3"}) {
      cluster.addNode(SimNode.named(name).label("e2e-group", NS).build());
    }
    cluster.addNode(SimNode.named("kubectl-cp").label("e2e-group", NS).controlPlane().build());

    // The seed sample as shipped, moved to this test's namespace and nodes (other tests add nodes
    // too).
    GenericKubernetesResource sample =
        Serialization.unmarshal(
            Files.readString(Path.of("k8s/samples/fluentd-elasticsearch.yaml")),
            GenericKubernetesResource.class);
    sample.getMetadata().setNamespace(NS);
    @SuppressWarnings("unchecked")
    Map<String, Object> podSpec =
        (Map<String, Object>)
            ((Map<String, Object>)
                    ((Map<String, Object>) sample.getAdditionalProperties().get("spec"))
                        .get("template"))
                .get("spec");
    podSpec.put("nodeSelector", new LinkedHashMap<>(Map.of("e2e-group", NS)));
    Path file = Files.createTempFile("fluentd", ".yaml");
    Files.writeString(file, Serialization.asYaml(sample));

    kubectl().run("apply", "-f", file.toString()).assertOk();
    kubectl()
        .run("wait", "-n", NS, "--for=condition=Ready", "nd/fluentd-elasticsearch", "--timeout=90s")
        .assertOk();

    String table = kubectl().run("get", "nd", "-n", NS).assertOk().out();
    assertThat(table.lines().findFirst().orElseThrow().split("\\s{2,}"))
        .containsExactly(
            "NAME",
            "DESIRED",
            "CURRENT",
            "READY",
            "UP-TO-DATE",
            "AVAILABLE",
            "NODE SELECTOR",
            "AGE");
    assertThat(table.lines().skip(1).findFirst().orElseThrow().split("\\s{2,}"))
        .startsWith("fluentd-elasticsearch", "4", "4", "4", "4", "4")
        .anySatisfy(column -> assertThat(column).contains("e2e-group"));

    String wide = kubectl().run("get", "nd", "-n", NS, "-o", "wide").assertOk().out();
    assertThat(wide.lines().findFirst().orElseThrow())
        .contains("CONTAINERS", "IMAGES", "SELECTOR", "EXCLUDED");
    assertThat(wide.lines().skip(1).findFirst().orElseThrow())
        .contains("fluentd-elasticsearch", "fluentd");

    String byShortName = kubectl().run("get", "all", "-n", NS).assertOk().out();
    assertThat(byShortName).contains("nodedaemon.nodedaemon.io/fluentd-elasticsearch");
  }

  /**
   * {@code kubectl explain} reads the CRD's schema as the API server publishes it: the pod template
   * carries Kubernetes' own field descriptions (KubernetesDescriptions), the status the API's.
   */
  @Test
  void kubectlExplainDescribesThePodTemplateAndTheStatus() {
    // The API server publishes a CRD's OpenAPI a moment after it is established.
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertThat(
                        kubectl()
                            .run("explain", "nd.spec.template.spec.containers")
                            .assertOk()
                            .out())
                    .contains("List of containers belonging to the pod", "image"));
    assertThat(kubectl().run("explain", "nd.spec.template.spec.containers.image").assertOk().out())
        .contains("Container image name.");
    assertThat(kubectl().run("explain", "nd.status").assertOk().out())
        .contains("The most recently observed state of this NodeDaemon", "desiredNumberScheduled");
    assertThat(kubectl().run("explain", "nd").assertOk().out())
        .contains("NodeDaemon runs one copy of a pod on every node");
  }
}
