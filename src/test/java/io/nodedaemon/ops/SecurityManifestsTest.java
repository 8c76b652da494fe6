package io.nodedaemon.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The security model's manifests (docs/security.md): the user roles aggregated into the built-in
 * view/edit/admin, installed by {@code kubectl apply -k k8s/} and by the OLM bundle alike; and an
 * operator that reads no Secrets and no ConfigMaps, in the plain manifests as in the CSV.
 */
class SecurityManifestsTest {
  static final Path K8S = Manifests.PROJECT.resolve("k8s");
  static final Path BUNDLE_MANIFESTS = Manifests.PROJECT.resolve("olm-bundle/manifests");

  static List<ClusterRole> userRoles() throws IOException {
    return Manifests.ofKind(
        Manifests.load(Manifests.PROJECT.resolve(ManifestSync.USER_ROLES)), ClusterRole.class);
  }

  static ClusterRole role(String name) throws IOException {
    return userRoles().stream()
        .filter(r -> name.equals(r.getMetadata().getName()))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void viewReadsNodeDaemonsAndTheirStatusAndIsAggregatedIntoView() throws IOException {
    ClusterRole view = role("nodedaemon-view");

    assertThat(view.getMetadata().getLabels())
        .containsEntry("rbac.authorization.k8s.io/aggregate-to-view", "true")
        .doesNotContainKeys(
            "rbac.authorization.k8s.io/aggregate-to-edit",
            "rbac.authorization.k8s.io/aggregate-to-admin");
    assertThat(InstallManifestsTest.grants(view.getRules()))
        .containsExactlyInAnyOrder(
            "nodedaemon.io/nodedaemons:get",
            "nodedaemon.io/nodedaemons:list",
            "nodedaemon.io/nodedaemons:watch",
            "nodedaemon.io/nodedaemons/status:get",
            "nodedaemon.io/nodedaemons/status:list",
            "nodedaemon.io/nodedaemons/status:watch");
  }

  @Test
  void editWritesNodeDaemonsButNotTheirStatusAndIsAggregatedIntoEditAndAdmin() throws IOException {
    ClusterRole edit = role("nodedaemon-edit");

    // Upstream's edit (and admin) write daemonsets with exactly these verbs; reading comes from
    // view, which the built-in edit role aggregates; status stays the controller's.
    assertThat(edit.getMetadata().getLabels())
        .containsEntry("rbac.authorization.k8s.io/aggregate-to-edit", "true")
        .containsEntry("rbac.authorization.k8s.io/aggregate-to-admin", "true")
        .doesNotContainKey("rbac.authorization.k8s.io/aggregate-to-view");
    assertThat(InstallManifestsTest.grants(edit.getRules()))
        .containsExactlyInAnyOrder(
            "nodedaemon.io/nodedaemons:create",
            "nodedaemon.io/nodedaemons:update",
            "nodedaemon.io/nodedaemons:patch",
            "nodedaemon.io/nodedaemons:delete",
            "nodedaemon.io/nodedaemons:deletecollection");
  }

  @Test
  void thereAreExactlyTwoUserRolesAndTheyTouchOnlyNodeDaemons() throws IOException {
    List<ClusterRole> roles = userRoles();

    assertThat(roles)
        .extracting(r -> r.getMetadata().getName())
        .containsExactlyInAnyOrder("nodedaemon-view", "nodedaemon-edit");
    for (ClusterRole r : roles) {
      assertThat(r.getAggregationRule()).isNull();
      assertThat(InstallManifestsTest.grants(r.getRules()))
          .allMatch(g -> g.startsWith("nodedaemon.io/nodedaemons"));
    }
  }

  @Test
  void kustomizeAndTheBundleInstallTheSameUserRoles() throws IOException {
    assertThat(Files.readString(K8S.resolve("kustomization.yaml")))
        .contains("- rbac/user-roles.yaml");

    for (ClusterRole role : userRoles()) {
      Path copy = BUNDLE_MANIFESTS.resolve(role.getMetadata().getName() + ".clusterrole.yaml");
      assertThat(copy).exists();
      assertThat(Manifests.load(copy)).singleElement().isEqualTo(role);
    }
  }

  @Test
  void theOperatorReadsNoSecretsAndNoConfigMapsInTheManifestsOrTheCsv() throws IOException {
    Set<String> installed = new TreeSet<>();
    for (HasMetadata item : Manifests.load(K8S.resolve("generated/operator.yaml"))) {
      if (item instanceof ClusterRole role) {
        installed.addAll(InstallManifestsTest.grants(role.getRules()));
      } else if (item instanceof io.fabric8.kubernetes.api.model.rbac.Role role) {
        installed.addAll(InstallManifestsTest.grants(role.getRules()));
      }
    }
    Set<String> csv = InstallManifestsTest.grants(csvRules());

    for (Set<String> grants : List.of(installed, csv)) {
      assertThat(grants)
          .isNotEmpty()
          .noneMatch(g -> g.contains("/secrets:") || g.contains("/configmaps:") || g.contains("*"))
          .noneMatch(
              g -> g.contains("serviceaccounts") || g.startsWith("rbac.authorization.k8s.io/"));
    }
    // The CSV asks OLM for what the plain install grants, nothing more.
    assertThat(csv).isEqualTo(installed);
  }

  /** Every rule of the CSV's clusterPermissions and permissions. */
  @SuppressWarnings("unchecked")
  static List<PolicyRule> csvRules() throws IOException {
    Path file = BUNDLE_MANIFESTS.resolve(ManifestSync.BUNDLE + ".clusterserviceversion.yaml");
    Map<String, Object> csv = ManifestSync.YAML.readValue(file.toFile(), Map.class);
    Map<String, Object> install =
        (Map<String, Object>)
            ((Map<String, Object>) ((Map<String, Object>) csv.get("spec")).get("install"))
                .get("spec");
    List<PolicyRule> rules = new ArrayList<>();
    for (String key : List.of("clusterPermissions", "permissions")) {
      for (Map<String, Object> p :
          (List<Map<String, Object>>) install.getOrDefault(key, List.of())) {
        for (Object rule : (List<Object>) p.get("rules")) {
          rules.add(
              Serialization.unmarshal(
                  ManifestSync.JSON.writeValueAsString(rule), PolicyRule.class));
        }
      }
    }
    return rules;
  }
}
