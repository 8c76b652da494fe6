package io.nodedaemon.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What community-operators reviewers ask of the committed CSV beyond operator-framework's
 * validators (BundleValidatorTest): the metadata fields, descriptors that match the API, a channel
 * that agrees with the maturity, and examples a user can create in any namespace.
 */
class CsvContentTest {
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static JsonNode csv;
  static JsonNode bundleAnnotations;

  @BeforeAll
  static void read() throws Exception {
    csv =
        YAML.readTree(
            Manifests.PROJECT
                .resolve("olm-bundle/manifests/nodedaemon-operator.clusterserviceversion.yaml")
                .toFile());
    bundleAnnotations =
        YAML.readTree(Manifests.PROJECT.resolve("olm-bundle/metadata/annotations.yaml").toFile())
            .path("annotations");
  }

  @Test
  void metadataFieldsCommunityOperatorsRequire() {
    JsonNode annotations = csv.at("/metadata/annotations");
    assertThat(Instant.parse(annotations.path("createdAt").asText()))
        .isBefore(Instant.now().plusSeconds(86_400));
    assertThat(annotations.path("support").asText()).isNotBlank();
    assertThat(annotations.path("description").asText()).isNotBlank().hasSizeLessThan(160);
    assertThat(annotations.path("capabilities").asText()).isEqualTo("Basic Install");
  }

  @Test
  void relatedImagesNameTheImageTheDeploymentRuns() {
    List<String> related = new ArrayList<>();
    csv.at("/spec/relatedImages").forEach(i -> related.add(i.path("image").asText()));
    List<String> run = new ArrayList<>();
    csv.at("/spec/install/spec/deployments")
        .forEach(
            d ->
                d.at("/spec/template/spec/containers")
                    .forEach(c -> run.add(c.path("image").asText())));
    assertThat(run).isNotEmpty();
    assertThat(related).containsAll(run);
  }

  @Test
  void theUpdateStrategyDescriptorOffersTheNodeDaemonsStrategies() {
    List<String> xDescriptors = new ArrayList<>();
    csv.at("/spec/customresourcedefinitions/owned/0/specDescriptors")
        .forEach(
            d -> {
              if (d.path("path").asText().startsWith("updateStrategy")) {
                d.path("x-descriptors")
                    .forEach(x -> xDescriptors.add(d.path("path").asText() + " " + x.asText()));
              }
            });
    assertThat(xDescriptors)
        .contains(
            "updateStrategy.type urn:alm:descriptor:com.tectonic.ui:select:RollingUpdate",
            "updateStrategy.type urn:alm:descriptor:com.tectonic.ui:select:OnDelete");
    // The console's updateStrategy widget is a Deployment's: it offers Recreate, which a NodeDaemon
    // has not.
    assertThat(xDescriptors)
        .noneMatch(x -> x.endsWith("com.tectonic.ui:updateStrategy") || x.contains("Recreate"));
  }

  /**
   * OLM's channel names (best practices: candidate, fast, stable): a pre-release maturity ships in
   * candidate.
   */
  @Test
  void channelAgreesWithMaturity() {
    String maturity = csv.at("/spec/maturity").asText();
    String expected = maturity.equals("stable") ? "stable" : "candidate";
    assertThat(maturity).isIn("alpha", "beta", "stable");
    assertThat(bundleAnnotations.path("operators.operatorframework.io.bundle.channels.v1").asText())
        .isEqualTo(expected);
    assertThat(
            bundleAnnotations
                .path("operators.operatorframework.io.bundle.channel.default.v1")
                .asText())
        .isEqualTo(expected);
  }

  @Test
  void examplesAreNotTiedToANamespace() throws Exception {
    JsonNode examples =
        new ObjectMapper().readTree(csv.at("/metadata/annotations/alm-examples").asText());
    assertThat(examples).isNotEmpty();
    examples.forEach(
        e ->
            assertThat(e.at("/metadata/namespace").isMissingNode())
                .as("namespace of %s", e.at("/metadata/name"))
                .isTrue());
  }
}
