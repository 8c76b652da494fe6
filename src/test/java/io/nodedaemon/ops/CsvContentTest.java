package io.nodedaemon.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
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

  /**
   * OLM turns {@code clusterPermissions} into a ClusterRole and ClusterRoleBinding whatever the
   * install mode; {@code permissions} into a Role and RoleBinding in the operator's namespace,
   * copied into each target namespace (OwnNamespace, SingleNamespace), or promoted to a ClusterRole
   * and ClusterRoleBinding when the OperatorGroup targets all namespaces (its operatorgroups design
   * document, "RBAC"). So only what must be cluster-wide in every mode belongs under
   * clusterPermissions: the node informer. Everything the operator does inside a watched namespace
   * goes under permissions, so that an OwnNamespace or SingleNamespace install gets no cluster-wide
   * pod create/delete.
   */
  @Test
  void onlyNodesAreClusterWideTheRestIsScopedToTheTargetNamespaces() throws Exception {
    assertThat(grants("clusterPermissions"))
        .containsExactlyInAnyOrder("/nodes:list", "/nodes:watch");
    Set<String> namespaced = grants("permissions");
    assertThat(namespaced)
        .contains(
            "/pods:create",
            "/pods:delete",
            "apps/controllerrevisions:create",
            "/events:create",
            "nodedaemon.io/nodedaemons:watch",
            "nodedaemon.io/nodedaemons/status:patch",
            "coordination.k8s.io/leases:update")
        .noneMatch(g -> g.startsWith("/nodes:"));
  }

  /**
   * Under AllNamespaces OLM grants the union cluster-wide: what the plain manifests grant through
   * their ClusterRole, plus the Lease rule of their Role.
   */
  @Test
  void permissionsAndClusterPermissionsTogetherAreThePlainInstallsRules() throws Exception {
    Set<String> csv = new TreeSet<>(grants("permissions"));
    csv.addAll(grants("clusterPermissions"));
    Set<String> plain = new TreeSet<>(InstallManifestsTest.EXPECTED);
    plain.addAll(
        List.of(
            "coordination.k8s.io/leases:get",
            "coordination.k8s.io/leases:create",
            "coordination.k8s.io/leases:update",
            "coordination.k8s.io/leases:patch"));
    assertThat(csv).isEqualTo(plain);
  }

  @Test
  void eachPermissionBlockBindsTheOperatorsServiceAccountOnce() {
    for (String key : List.of("permissions", "clusterPermissions")) {
      List<String> accounts = new ArrayList<>();
      csv.at("/spec/install/spec/" + key)
          .forEach(p -> accounts.add(p.path("serviceAccountName").asText()));
      assertThat(accounts).as(key).containsExactly("nodedaemon-operator");
    }
  }

  /** The rules of one permission block, flattened to "group/resource:verb". */
  static Set<String> grants(String key) throws Exception {
    List<PolicyRule> rules = new ArrayList<>();
    for (JsonNode permission : csv.at("/spec/install/spec/" + key)) {
      for (JsonNode rule : permission.path("rules")) {
        rules.add(Serialization.unmarshal(rule.toString(), PolicyRule.class));
      }
    }
    return InstallManifestsTest.grants(rules);
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
