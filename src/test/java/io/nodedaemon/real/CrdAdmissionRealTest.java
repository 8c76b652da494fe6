package io.nodedaemon.real;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.nodedaemon.cluster.RealControlPlane;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The committed CRD on a real kube-apiserver (SPEC §1): each document of {@code
 * invalid-nodedaemons.yaml} is sent in order; the invalid ones are refused at admission (422) with
 * a readable message naming the rule, the valid ones (one at every bound of the schema, where the
 * CEL cost is estimated and charged for real) are accepted, and an update that changes {@code
 * spec.selector} is refused.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CrdAdmissionRealTest {

  static final String NS = "admission";
  static final String PREFIX = "test.nodedaemon.io/";
  static KubernetesClient client;

  @BeforeAll
  static void cluster() {
    RealControlPlane cluster = RealControlPlane.shared();
    cluster.createNamespace(NS);
    client = cluster.client();
  }

  static List<GenericKubernetesResource> documents() throws IOException {
    try (InputStream in =
        CrdAdmissionRealTest.class.getResourceAsStream("/invalid-nodedaemons.yaml")) {
      List<GenericKubernetesResource> all = new ArrayList<>();
      new YAMLMapper()
          .readerFor(GenericKubernetesResource.class)
          .<GenericKubernetesResource>readValues(in)
          .forEachRemaining(
              doc -> {
                if (doc != null && doc.getMetadata() != null) {
                  all.add(doc);
                }
              });
      return all;
    }
  }

  static String annotation(GenericKubernetesResource item, String key) {
    Map<String, String> annotations = item.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(PREFIX + key);
  }

  @Test
  @Order(1)
  void theFileHasValidAndInvalidDocuments() throws IOException {
    List<GenericKubernetesResource> docs = documents();
    assertThat(docs)
        .filteredOn(d -> annotation(d, "expect-message") != null)
        .hasSizeGreaterThan(20);
    assertThat(docs).filteredOn(d -> "true".equals(annotation(d, "expect-valid"))).isNotEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("documents")
  @Order(2)
  void theApiServerAdmitsOnlyValidNodeDaemons(GenericKubernetesResource item) {
    item.getMetadata().setNamespace(NS);
    String expected = annotation(item, "expect-message");
    boolean update = "update".equals(annotation(item, "operation"));
    Resource<GenericKubernetesResource> resource =
        client
            .genericKubernetesResources("nodedaemon.io/v1alpha1", "NodeDaemon")
            .inNamespace(NS)
            .resource(item);
    if (update) {
      GenericKubernetesResource current =
          client
              .genericKubernetesResources("nodedaemon.io/v1alpha1", "NodeDaemon")
              .inNamespace(NS)
              .withName(item.getMetadata().getName())
              .get();
      assertThat(current)
          .as("the valid document %s comes before its update", item.getMetadata().getName())
          .isNotNull();
      item.getMetadata().setResourceVersion(current.getMetadata().getResourceVersion());
    }
    if (expected == null) {
      GenericKubernetesResource stored = update ? resource.update() : resource.create();
      assertThat(stored.getMetadata().getUid()).isNotBlank();
      return;
    }
    assertThatThrownBy(update ? resource::update : resource::create)
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            e -> {
              assertThat(e.getCode()).as(e.getMessage()).isEqualTo(422);
              assertThat(e.getStatus().getMessage()).contains(expected);
            });
  }
}
