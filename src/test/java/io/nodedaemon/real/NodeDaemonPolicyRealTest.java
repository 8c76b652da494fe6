package io.nodedaemon.real;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MatchResourcesBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicyBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonSpec;
import io.nodedaemon.cluster.RealControlPlane;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ValidatingAdmissionPolicy that docs/security.md offers for keeping NodeDaemons to chosen
 * namespaces ({@code k8s/policies/nodedaemon-namespaces.yaml}), applied as shipped to a real
 * kube-apiserver: a user with {@code edit} in two namespaces may create a NodeDaemon only in the
 * one labelled {@code nodedaemon.io/allowed=true}. The binding is narrowed to this test's
 * namespaces so that the other tests sharing the control plane are not affected.
 */
class NodeDaemonPolicyRealTest {

  static final Path POLICY = Path.of("k8s/policies/nodedaemon-namespaces.yaml");
  static final String TEST_LABEL = "nodedaemon.io/policy-test";
  static final String ALLOWED = "policy-allowed";
  static final String DENIED = "policy-denied";
  static RealControlPlane cluster;
  static List<HasMetadata> policy;
  static KubernetesClientException refusal;

  @BeforeAll
  static void applyThePolicy() throws IOException {
    cluster = RealControlPlane.shared();
    for (String ns : List.of(ALLOWED, DENIED)) {
      Tenants.bind(cluster, "bob", "edit", ns);
      cluster
          .client()
          .namespaces()
          .withName(ns)
          .edit(
              n -> {
                n.getMetadata().getLabels().put(TEST_LABEL, "true");
                if (ns.equals(ALLOWED)) {
                  n.getMetadata().getLabels().put("nodedaemon.io/allowed", "true");
                }
                return n;
              });
    }
    // One NodeDaemon that was there before the policy, in the namespace it will not allow.
    cluster
        .client()
        .resources(NodeDaemon.class)
        .inNamespace(DENIED)
        .resource(daemon(DENIED, "before"))
        .create();
    try (InputStream in = Files.newInputStream(POLICY)) {
      policy = cluster.client().load(in).items();
    }
    for (HasMetadata item : policy) {
      if (item instanceof ValidatingAdmissionPolicyBinding binding) {
        binding
            .getSpec()
            .setMatchResources(
                new MatchResourcesBuilder()
                    .withNamespaceSelector(
                        new LabelSelectorBuilder()
                            .withMatchLabels(Map.of(TEST_LABEL, "true"))
                            .build())
                    .build());
      }
      cluster.client().resource(item).create();
    }
    // A new policy takes a moment to be loaded: until it is, a create may still pass.
    var denied = cluster.client().resources(NodeDaemon.class).inNamespace(DENIED);
    refusal =
        await()
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(500))
            .until(
                () -> {
                  try {
                    denied.resource(daemon(DENIED, "probe")).create();
                    denied.withName("probe").withTimeout(10, TimeUnit.SECONDS).delete();
                    return null;
                  } catch (KubernetesClientException e) {
                    return e;
                  }
                },
                e -> e != null);
  }

  @AfterAll
  static void removeThePolicy() {
    if (policy != null) {
      policy.forEach(item -> cluster.client().resource(item).delete());
    }
    for (String ns : List.of(ALLOWED, DENIED)) {
      cluster.client().resources(NodeDaemon.class).inNamespace(ns).delete();
    }
  }

  static NodeDaemon daemon(String ns, String name) {
    NodeDaemon d = new NodeDaemon();
    d.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(ns).build());
    NodeDaemonSpec spec = new NodeDaemonSpec();
    spec.setSelector(new LabelSelectorBuilder().withMatchLabels(Map.of("app", name)).build());
    spec.setTemplate(
        new PodTemplateSpecBuilder()
            .withNewMetadata()
            .withLabels(Map.of("app", name))
            .endMetadata()
            .withNewSpec()
            .withNodeSelector(Map.of("e2e-group", "none"))
            .withContainers(
                new ContainerBuilder().withName("agent").withImage("example.org/agent:1").build())
            .endSpec()
            .build());
    d.setSpec(spec);
    return d;
  }

  @Test
  void theAdminIsRefusedTooInANamespaceNotAllowed() {
    assertThat(refusal.getCode()).isEqualTo(403);
    assertThat(refusal.getMessage())
        .contains("ValidatingAdmissionPolicy 'nodedaemon-allowed-namespaces'")
        .contains("NodeDaemons are not allowed in namespace policy-denied");
  }

  @Test
  void anEditorMayCreateNodeDaemonsOnlyInANamespaceTheAdminAllowed() {
    try (KubernetesClient bob = Tenants.clientOf(cluster, "bob")) {
      KubernetesClientException e =
          assertThrows(
              KubernetesClientException.class,
              () ->
                  bob.resources(NodeDaemon.class)
                      .inNamespace(DENIED)
                      .resource(daemon(DENIED, "agent"))
                      .create());
      assertThat(e.getCode()).isEqualTo(403);
      assertThat(e.getMessage()).contains("NodeDaemons are not allowed in namespace policy-denied");

      NodeDaemon created =
          bob.resources(NodeDaemon.class)
              .inNamespace(ALLOWED)
              .resource(daemon(ALLOWED, "agent"))
              .create();
      assertThat(created.getMetadata().getUid()).isNotBlank();
    }
  }

  @Test
  void aNodeDaemonFromBeforeThePolicyIsStillReportedButNoLongerChanged() {
    var before =
        cluster.client().resources(NodeDaemon.class).inNamespace(DENIED).withName("before");

    // The policy matches nodedaemons, not their status subresource: the operator's reports pass.
    before
        .subresource("status")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"desiredNumberScheduled\":0}}");
    KubernetesClientException e =
        assertThrows(
            KubernetesClientException.class,
            () ->
                before.edit(
                    d -> {
                      d.getSpec().setMinReadySeconds(5);
                      return d;
                    }));
    assertThat(e.getCode()).isEqualTo(403);
    assertThat(e.getMessage()).contains("nodedaemon-allowed-namespaces");
    assertThat(before.get().getSpec().getMinReadySeconds()).as("unchanged").isNull();
  }
}
