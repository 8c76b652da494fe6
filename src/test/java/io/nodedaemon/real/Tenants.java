package io.nodedaemon.real;

import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.nodedaemon.cluster.GoTools;
import io.nodedaemon.cluster.Kubectl;
import io.nodedaemon.cluster.RealControlPlane;
import java.util.ArrayList;
import java.util.List;

/**
 * The test users of the real control plane ({@code alice}, {@code bob}: no rights of their own) as
 * a namespace tenant sees the cluster: bound to a built-in role in a namespace, with kubectl and a
 * client that carry their own token, so the API server authorizes and admits as it would them.
 */
final class Tenants {
  private static final String AUTHENTICATED = "system:authenticated";

  private Tenants() {}

  /**
   * Binds {@code user} to the built-in ClusterRole {@code role} (view, edit, admin) in {@code
   * namespace}.
   */
  static void bind(RealControlPlane cluster, String user, String role, String namespace) {
    cluster.createNamespace(namespace);
    cluster
        .client()
        .rbac()
        .roleBindings()
        .inNamespace(namespace)
        .resource(
            new RoleBindingBuilder()
                .withNewMetadata()
                .withName(user + "-" + role)
                .withNamespace(namespace)
                .endMetadata()
                .withNewRoleRef()
                .withApiGroup("rbac.authorization.k8s.io")
                .withKind("ClusterRole")
                .withName(role)
                .endRoleRef()
                .addNewSubject()
                .withApiGroup("rbac.authorization.k8s.io")
                .withKind("User")
                .withName(user)
                .endSubject()
                .build())
        .createOr(NonDeletingOperation::update);
  }

  /**
   * A client that authenticates as {@code user}, with the user's own token; on an existing cluster
   * (no test users) the admin impersonates the user, which RBAC and admission judge the same way.
   */
  static KubernetesClient clientOf(RealControlPlane cluster, String user) {
    ConfigBuilder config =
        new ConfigBuilder(cluster.client().getConfiguration()).withNamespace("default");
    if (cluster.hasTestUsers()) {
      config.withOauthToken(cluster.tokenOf(user));
    } else {
      config.withImpersonateUsername(user).withImpersonateGroups(AUTHENTICATED);
    }
    return new KubernetesClientBuilder().withConfig(config.build()).build();
  }

  /**
   * {@code kubectl args} as {@code user}: the admin kubeconfig names the server, the token (or
   * --as) the user.
   */
  static GoTools.Run kubectlAs(RealControlPlane cluster, String user, String... args) {
    List<String> all =
        new ArrayList<>(
            cluster.hasTestUsers()
                ? List.of("--token=" + cluster.tokenOf(user))
                : List.of("--as=" + user, "--as-group=" + AUTHENTICATED));
    all.addAll(List.of(args));
    return new Kubectl(cluster.kubeconfig()).run(all.toArray(String[]::new));
  }

  /** {@code kubectl auth can-i verb resource -n namespace} as {@code user}: "yes" or "no". */
  static String canI(
      RealControlPlane cluster,
      String user,
      String namespace,
      String verb,
      String resource,
      String... extra) {
    String[] args = new String[5 + extra.length];
    args[0] = "auth";
    args[1] = "can-i";
    args[2] = verb;
    args[3] = resource;
    args[4] = "--namespace=" + namespace;
    System.arraycopy(extra, 0, args, 5, extra.length);
    GoTools.Run run = kubectlAs(cluster, user, args);
    String answer = run.out().strip();
    // can-i exits 0 for yes, 1 for no; anything else (or a warning instead of an answer) is a
    // failure.
    if (!answer.equals("yes") && !answer.equals("no")) {
      throw new AssertionError(
          "kubectl auth can-i " + String.join(" ", args) + " answered:\n" + run.out());
    }
    return answer;
  }
}
