package io.nodedaemon.real;

import static io.nodedaemon.real.Tenants.canI;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.nodedaemon.cluster.RealControlPlane;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The aggregated user roles (k8s/rbac/user-roles.yaml, docs/security.md) on a real API server:
 * whoever holds the built-in {@code view}, {@code edit} or {@code admin} role in a namespace gets
 * the matching NodeDaemon rights there, and nowhere else, as {@code kubectl auth can-i} answers a
 * user who carries only that binding.
 */
class UserRolesRealTest {

  static final String NS = "roles-a";
  static final String OTHER = "roles-b";
  static final String ADMIN_NS = "roles-c";
  static RealControlPlane cluster;

  @BeforeAll
  static void bindUsers() {
    cluster = RealControlPlane.shared();
    cluster.createNamespace(OTHER);
    Tenants.bind(cluster, "alice", "view", NS);
    Tenants.bind(cluster, "bob", "edit", NS);
    Tenants.bind(cluster, "bob", "admin", ADMIN_NS);
    // The clusterrole-aggregation controller folds the rules in shortly after the roles appear.
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () ->
                aggregated("view", "get")
                    && aggregated("edit", "create")
                    && aggregated("admin", "create"));
  }

  /**
   * Whether the built-in ClusterRole {@code role} has a rule granting {@code verb} on nodedaemons.
   */
  static boolean aggregated(String role, String verb) {
    ClusterRole builtIn = cluster.client().rbac().clusterRoles().withName(role).get();
    return builtIn.getRules().stream()
        .anyMatch(
            r ->
                r.getApiGroups().contains("nodedaemon.io")
                    && r.getResources().contains("nodedaemons")
                    && r.getVerbs().contains(verb));
  }

  @Test
  void theBuiltInRolesTookInTheNodeDaemonRules() {
    assertThat(cluster.client().rbac().clusterRoles().withName("view").get().getAggregationRule())
        .isNotNull();
    assertThat(aggregated("view", "watch")).isTrue();
    assertThat(aggregated("view", "create")).isFalse();
    assertThat(aggregated("edit", "deletecollection")).isTrue();
    assertThat(aggregated("admin", "delete")).isTrue();
  }

  @Test
  void aViewerReadsNodeDaemonsAndTheirStatusButWritesNothing() {
    for (String verb : new String[] {"get", "list", "watch"}) {
      assertThat(canI(cluster, "alice", NS, verb, "nodedaemons.nodedaemon.io"))
          .as(verb)
          .isEqualTo("yes");
      assertThat(
              canI(cluster, "alice", NS, verb, "nodedaemons.nodedaemon.io", "--subresource=status"))
          .as(verb + " status")
          .isEqualTo("yes");
    }
    assertThat(canI(cluster, "alice", NS, "get", "nd")).as("short name").isEqualTo("yes");
    for (String verb : new String[] {"create", "update", "patch", "delete", "deletecollection"}) {
      assertThat(canI(cluster, "alice", NS, verb, "nodedaemons.nodedaemon.io"))
          .as(verb)
          .isEqualTo("no");
    }
    assertThat(
            canI(
                cluster, "alice", NS, "patch", "nodedaemons.nodedaemon.io", "--subresource=status"))
        .isEqualTo("no");
  }

  @Test
  void anEditorWritesNodeDaemonsButNotTheirStatus() {
    for (String verb :
        new String[] {
          "get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"
        }) {
      assertThat(canI(cluster, "bob", NS, verb, "nodedaemons.nodedaemon.io"))
          .as(verb)
          .isEqualTo("yes");
    }
    assertThat(canI(cluster, "bob", NS, "get", "nodedaemons.nodedaemon.io", "--subresource=status"))
        .isEqualTo("yes");
    // Status is the operator's to write, as a DaemonSet's is its controller's (upstream's edit
    // role).
    for (String verb : new String[] {"patch", "update"}) {
      assertThat(
              canI(cluster, "bob", NS, verb, "nodedaemons.nodedaemon.io", "--subresource=status"))
          .as(verb + " status")
          .isEqualTo("no");
    }
  }

  @Test
  void anAdminHasTheEditorsRightsThroughAggregation() {
    for (String verb :
        new String[] {
          "get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"
        }) {
      assertThat(canI(cluster, "bob", ADMIN_NS, verb, "nodedaemons.nodedaemon.io"))
          .as(verb)
          .isEqualTo("yes");
    }
    assertThat(
            canI(
                cluster,
                "bob",
                ADMIN_NS,
                "patch",
                "nodedaemons.nodedaemon.io",
                "--subresource=status"))
        .isEqualTo("no");
  }

  @Test
  void theRightsStopAtTheNamespaceOfTheBinding() {
    for (String user : new String[] {"alice", "bob"}) {
      assertThat(canI(cluster, user, OTHER, "get", "nodedaemons.nodedaemon.io"))
          .as(user)
          .isEqualTo("no");
      assertThat(canI(cluster, user, OTHER, "create", "nodedaemons.nodedaemon.io"))
          .as(user)
          .isEqualTo("no");
      assertThat(canI(cluster, user, NS, "list", "nodedaemons.nodedaemon.io", "--all-namespaces"))
          .as(user)
          .isEqualTo("no");
    }
  }
}
