package io.nodedaemon.real;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.cluster.RealControlPlane;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The committed CRD on a real kube-apiserver (SPEC §1): every invalid NodeDaemon of
 * {@code invalid-nodedaemons.yaml} is refused at admission with a readable message, the valid ones
 * (large selectors among them: the CEL cost is estimated and charged for real here) are accepted,
 * and {@code spec.selector} cannot be changed once created.
 */
class CrdAdmissionRealTest {

  static final String NS = "admission";
  static final String EXPECT = "test.nodedaemon.io/expect-message";
  static KubernetesClient client;

  @BeforeAll
  static void cluster() {
    RealControlPlane cluster = RealControlPlane.shared();
    cluster.createNamespace(NS);
    client = cluster.client();
  }

  static Stream<GenericKubernetesResource> cases() throws IOException {
    try (InputStream in = CrdAdmissionRealTest.class.getResourceAsStream("/invalid-nodedaemons.yaml")) {
      List<GenericKubernetesResource> all = new ArrayList<>();
      for (Object doc : Serialization.unmarshal(in, List.class)) {
        all.add(Serialization.unmarshal(Serialization.asJson(doc), GenericKubernetesResource.class));
      }
      return all.stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void theApiServerAdmitsOnlyValidNodeDaemons(GenericKubernetesResource item) {
    item.getMetadata().setNamespace(NS);
    String expected = item.getMetadata().getAnnotations() == null ? null : item.getMetadata().getAnnotations().get(EXPECT);
    var resource = client.genericKubernetesResources("nodedaemon.io/v1alpha1", "NodeDaemon").inNamespace(NS)
        .resource(item);
    if (expected == null) {
      assertThat(resource.create().getMetadata().getUid()).isNotBlank();
      resource.delete();
    } else {
      assertThatThrownBy(resource::create)
          .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
            assertThat(e.getCode()).as(e.getMessage()).isEqualTo(422);
            assertThat(e.getMessage()).contains(expected);
          });
    }
  }

  @Test
  void theSelectorCannotBeChangedOnceCreated() {
    var cases = client.genericKubernetesResources("nodedaemon.io/v1alpha1", "NodeDaemon");
    GenericKubernetesResource valid = casesByName().get("valid-large-selectors");
    assertThat(valid).as("invalid-nodedaemons.yaml has a NodeDaemon named valid-large-selectors").isNotNull();
    valid.getMetadata().setName("immutable-selector");
    valid.getMetadata().setNamespace(NS);
    cases.inNamespace(NS).resource(valid).create();
    NodeDaemon created = client.resources(NodeDaemon.class).inNamespace(NS).withName("immutable-selector").get();

    created.getSpec().setSelector(new LabelSelectorBuilder().withMatchLabels(Map.of("other", "x")).build());
    created.getSpec().getTemplate().getMetadata().setLabels(Map.of("other", "x"));
    assertThatThrownBy(() -> client.resources(NodeDaemon.class).inNamespace(NS).resource(created).update())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
          assertThat(e.getCode()).isEqualTo(422);
          assertThat(e.getMessage()).contains("selector is immutable");
        });
  }

  static Map<String, GenericKubernetesResource> casesByName() {
    try {
      return cases().collect(java.util.stream.Collectors.toMap(r -> r.getMetadata().getName(), r -> r));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
