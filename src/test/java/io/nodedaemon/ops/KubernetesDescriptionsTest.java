package io.nodedaemon.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodedaemon.cluster.Backend;
import io.nodedaemon.ops.KubernetesDescriptions.Definition;
import io.nodedaemon.ops.KubernetesDescriptions.Extract;
import io.nodedaemon.ops.KubernetesDescriptions.Field;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The pod template's descriptions: the committed extract is Kubernetes' own document, and the CRD
 * gets them shortened, without losing the NodeDaemon API's own descriptions.
 */
class KubernetesDescriptionsTest {

  /**
   * The extract the build reads equals what the OpenAPI document of the pinned Kubernetes release
   * gives; after a change of release, {@code ./mvnw -B package -DskipTests -Dnodedaemon.sync}
   * refreshes it. Needs Go (to find the module); CI has it, so it never skips there.
   */
  @Test
  void theCommittedExtractIsThePinnedReleasesDocument() throws Exception {
    Optional<KubernetesDescriptions.Upstream> upstream =
        KubernetesDescriptions.upstream(Manifests.PROJECT);
    if (upstream.isEmpty() && !Backend.realRequired()) {
      Assumptions.abort("no Go, or no k8s.io/kubernetes module: the extract cannot be checked");
    }
    assertThat(upstream).as("go mod download -json k8s.io/kubernetes").isPresent();
    Extract committed = KubernetesDescriptions.read(Manifests.PROJECT);
    Extract fresh = upstream.get().extract();
    assertThat(committed.source()).isEqualTo(fresh.source());
    assertThat(committed.definitions()).isEqualTo(fresh.definitions());
    assertThat(committed.definitions())
        .containsKeys(
            "io.k8s.api.core.v1.PodTemplateSpec",
            "io.k8s.api.core.v1.Container",
            "io.k8s.api.core.v1.Volume",
            "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
  }

  @Test
  void shortenKeepsTheFirstParagraphsWholeSentencesWithoutLinks() {
    assertThat(
            KubernetesDescriptions.shorten(
                "Compute Resources required by this container. Cannot be updated. More info:"
                    + " https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/"
                    + "\n\nSecond paragraph."))
        .isEqualTo("Compute Resources required by this container. Cannot be updated.");
  }

  @Test
  void shortenDoesNotCutAtAnAbbreviation() {
    assertThat(
            KubernetesDescriptions.shorten(
                "Host networking requested for this pod (e.g. Use the host's network namespace)."
                    + " Default to false."))
        .isEqualTo(
            "Host networking requested for this pod (e.g. Use the host's network namespace)."
                + " Default to false.");
  }

  @Test
  void shortenStopsBeforeTheSentenceThatPassesTheLimitButKeepsTheFirst() {
    String first = "A".repeat(250) + ".";
    assertThat(KubernetesDescriptions.shorten(first + " Then more.")).isEqualTo(first);
    String shortOne = "Short.";
    String longer = "B".repeat(KubernetesDescriptions.MAX_LENGTH) + ".";
    assertThat(KubernetesDescriptions.shorten(shortOne + " " + longer)).isEqualTo(shortOne);
  }

  @Test
  @SuppressWarnings("unchecked")
  void fillDescribesFieldsAndListItemsAndKeepsTheApisOwnText() {
    Extract extract =
        new Extract(
            "test",
            Map.of(
                "Spec",
                new Definition(
                    "A spec.",
                    Map.of(
                        "containers", new Field("List of containers.", "Container"),
                        "labels", new Field("Upstream labels text.", null))),
                "Container",
                new Definition(
                    "A single container.", Map.of("image", new Field("Container image.", null)))));
    Map<String, Object> image = new LinkedHashMap<>(Map.of("type", "string"));
    Map<String, Object> item =
        new LinkedHashMap<>(Map.of("type", "object", "properties", Map.of("image", image)));
    Map<String, Object> containers = new LinkedHashMap<>(Map.of("type", "array", "items", item));
    Map<String, Object> labels =
        new LinkedHashMap<>(Map.of("type", "object", "description", "Ours."));
    Map<String, Object> spec =
        Map.of("properties", Map.of("containers", containers, "labels", labels));

    int filled = KubernetesDescriptions.fill(spec, "Spec", extract);

    assertThat(filled).isEqualTo(3);
    assertThat(containers).containsEntry("description", "List of containers.");
    assertThat(item).containsEntry("description", "A single container.");
    assertThat(image).containsEntry("description", "Container image.");
    assertThat(labels).containsEntry("description", "Ours.");
    assertThat(List.of(containers, item, image)).allMatch(n -> n.containsKey("description"));
  }
}
