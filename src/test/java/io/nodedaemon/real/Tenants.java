package io.nodedaemon.real;

import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.nodedaemon.cluster.GoTools;
import io.nodedaemon.cluster.Kubectl;
import io.nodedaemon.cluster.RealControlPlane;

/**
 * The test users of the real control plane ({@code alice}, {@code bob}: no rights of their own) as
 * a namespace tenant sees the cluster: bound to a built-in role in a namespace, with kubectl and a
 * client that carry their own token, so the API server authorizes and admits as it would them.
 */
final class Tenants {
  private Tenants() {}

  /** Binds {@code user} to the built-in ClusterRole {@code role} (view, edit, admin) in {@code namespace}. */
  static void bind(RealControlPlane cluster, String user, String role, String namespace) {
    cluster.createNamespace(namespace);
    cluster.client().rbac().roleBindings().inNamespace(namespace).resource(new RoleBindingBuilder()
        .withNewMetadata().withName(user + "-" + role).withNamespace(namespace).endMetadata()
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole").withName(role).endRoleRef()
        .addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("User").withName(user).endSubject()
        .build()).createOr(NonDeletingOperation::update);
  }

  /** A client that authenticates as {@code user}. */
  static KubernetesClient clientOf(RealControlPlane cluster, String user) {
    Config admin = cluster.client().getConfiguration();
    Config config = new ConfigBuilder(admin).withOauthToken(cluster.tokenOf(user)).withNamespace("default").build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /** {@code kubectl --token=<user's> args}: the admin kubeconfig names the server, the token the user. */
  static GoTools.Run kubectlAs(RealControlPlane cluster, String user, String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "--token=" + cluster.tokenOf(user);
    System.arraycopy(args, 0, all, 1, args.length);
    return new Kubectl(cluster.kubeconfig()).run(all);
  }

  /** {@code kubectl auth can-i verb resource -n namespace} as {@code user}: "yes" or "no". */
  static String canI(RealControlPlane cluster, String user, String namespace, String verb, String resource,
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
    // can-i exits 0 for yes, 1 for no; anything else (or a warning instead of an answer) is a failure.
    if (!answer.equals("yes") && !answer.equals("no")) {
      throw new AssertionError("kubectl auth can-i " + String.join(" ", args) + " answered:\n" + run.out());
    }
    return answer;
  }
}
