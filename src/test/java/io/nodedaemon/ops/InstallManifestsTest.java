package io.nodedaemon.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The committed install manifests (k8s/): least-privilege RBAC (exactly SPEC §7) and an operator
 * Deployment that the restricted Pod Security Standard admits.
 */
class InstallManifestsTest {
  static final Path K8S = Manifests.PROJECT.resolve("k8s");
  static List<HasMetadata> operator;

  @BeforeAll
  static void load() throws Exception {
    operator = Manifests.load(K8S.resolve("generated/operator.yaml"));
  }

  /** Flattens rules to "group/resource:verb" so that the exact grant set can be compared. */
  static Set<String> grants(List<PolicyRule> rules) {
    Set<String> out = new TreeSet<>();
    for (PolicyRule r : rules) {
      assertThat(r.getResourceNames()).as("no resourceNames-scoped rules expected").isNullOrEmpty();
      assertThat(r.getNonResourceURLs()).isNullOrEmpty();
      for (String g : r.getApiGroups()) {
        for (String res : r.getResources()) {
          for (String v : r.getVerbs()) {
            out.add(g + "/" + res + ":" + v);
          }
        }
      }
    }
    return out;
  }

  static Set<String> expand(String groupResource, String... verbs) {
    Set<String> out = new TreeSet<>();
    for (String v : verbs) {
      out.add(groupResource + ":" + v);
    }
    return out;
  }

  static final Set<String> EXPECTED = new TreeSet<>();

  static {
    // Exactly the calls the operator makes; the real-backend suites run the operator under these
    // rules.
    EXPECTED.addAll(expand("/nodes", "list", "watch"));
    EXPECTED.addAll(expand("/pods", "get", "list", "watch", "create", "delete", "patch"));
    EXPECTED.addAll(
        expand("apps/controllerrevisions", "get", "list", "watch", "create", "delete", "patch"));
    // get: the Event aggregation reads an Event before it patches its count (found on real RBAC).
    EXPECTED.addAll(expand("/events", "get", "create", "patch"));
    EXPECTED.addAll(expand("nodedaemon.io/nodedaemons", "get", "list", "watch"));
    EXPECTED.addAll(expand("nodedaemon.io/nodedaemons/status", "patch"));
  }

  @Test
  void theOnlyClusterRoleGrantsExactlyTheSpecRules() {
    List<ClusterRole> roles = Manifests.ofKind(operator, ClusterRole.class);
    assertThat(roles).hasSize(1);
    assertThat(grants(roles.get(0).getRules())).containsExactlyElementsOf(EXPECTED);
  }

  @Test
  void leasesOnlyInTheOperatorsNamespaceThroughARole() {
    assertThat(Manifests.ofKind(operator, Role.class))
        .singleElement()
        .satisfies(
            role -> {
              assertThat(role.getMetadata().getNamespace()).isEqualTo("nodedaemon-system");
              assertThat(grants(role.getRules()))
                  .containsExactly(
                      "coordination.k8s.io/leases:create",
                      "coordination.k8s.io/leases:get",
                      "coordination.k8s.io/leases:patch",
                      "coordination.k8s.io/leases:update");
            });
    assertThat(Manifests.ofKind(operator, RoleBinding.class))
        .singleElement()
        .satisfies(
            binding -> {
              assertThat(binding.getMetadata().getNamespace()).isEqualTo("nodedaemon-system");
              assertThat(binding.getRoleRef().getKind()).isEqualTo("Role");
              assertThat(binding.getRoleRef().getName())
                  .isEqualTo(Manifests.ofKind(operator, Role.class).get(0).getMetadata().getName());
              assertThat(binding.getSubjects())
                  .singleElement()
                  .satisfies(
                      s -> {
                        assertThat(s.getKind()).isEqualTo("ServiceAccount");
                        assertThat(s.getName()).isEqualTo("nodedaemon-operator");
                        assertThat(s.getNamespace()).isEqualTo("nodedaemon-system");
                      });
            });
  }

  @Test
  void noWildcardsSecretsOrCrdWrites() {
    Set<String> all = new TreeSet<>();
    Manifests.ofKind(operator, ClusterRole.class).forEach(r -> all.addAll(grants(r.getRules())));
    assertThat(all)
        .noneMatch(g -> g.contains("*"))
        .noneMatch(g -> g.contains("/secrets:"))
        .noneMatch(g -> g.startsWith("apiextensions.k8s.io/"));
  }

  @Test
  void bindingsOnlyBindTheOperatorServiceAccountInItsNamespace() {
    List<ClusterRoleBinding> crbs = Manifests.ofKind(operator, ClusterRoleBinding.class);
    assertThat(crbs).hasSize(1);
    ClusterRoleBinding crb = crbs.get(0);
    assertThat(crb.getRoleRef().getName())
        .isEqualTo(Manifests.ofKind(operator, ClusterRole.class).get(0).getMetadata().getName());
    assertThat(crb.getSubjects())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getKind()).isEqualTo("ServiceAccount");
              assertThat(s.getName()).isEqualTo("nodedaemon-operator");
              assertThat(s.getNamespace()).isEqualTo("nodedaemon-system");
            });
    // e.g. quarkus-kubernetes-client's default "view" RoleBinding would grant far more than §7:
    // the only RoleBinding is the leader election's
    // (leasesOnlyInTheOperatorsNamespaceThroughARole).
    assertThat(Manifests.ofKind(operator, RoleBinding.class))
        .extracting(b -> b.getRoleRef().getKind())
        .containsOnly("Role");
    assertThat(Manifests.ofKind(operator, ServiceAccount.class))
        .singleElement()
        .satisfies(
            sa -> assertThat(sa.getMetadata().getNamespace()).isEqualTo("nodedaemon-system"));
  }

  @Test
  void deploymentPassesTheRestrictedPodSecurityStandard() {
    Deployment d = deployment();
    assertThat(restrictedViolations(d.getSpec().getTemplate().getSpec())).isEmpty();
  }

  @Test
  void restrictedCheckCatchesAPrivilegedPod() {
    PodSpec spec = deployment().getSpec().getTemplate().getSpec();
    Container c = spec.getContainers().get(0);
    c.getSecurityContext().setAllowPrivilegeEscalation(true);
    c.getSecurityContext().getCapabilities().setAdd(List.of("NET_ADMIN"));
    spec.setHostNetwork(true);
    spec.getSecurityContext().setSeccompProfile(null);
    c.getSecurityContext().setSeccompProfile(null);
    assertThat(restrictedViolations(spec)).hasSize(4);
  }

  @Test
  void deploymentHasResourcesProbesWritableTmpAndTwoReplicas() {
    Deployment d = deployment();
    PodSpec spec = d.getSpec().getTemplate().getSpec();
    Container c = spec.getContainers().get(0);
    assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
    assertThat(c.getResources().getLimits()).containsKeys("cpu", "memory");
    assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/q/health/live");
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/q/health/ready");
    assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(c.getVolumeMounts()).anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/tmp"));
    assertThat(spec.getVolumes()).anySatisfy(v -> assertThat(v.getEmptyDir()).isNotNull());
    assertThat(c.getEnv()).anySatisfy(e -> assertThat(e.getName()).isEqualTo("POD_NAMESPACE"));
    assertThat(spec.getServiceAccountName()).isEqualTo("nodedaemon-operator");
    // Two replicas are only safe because leader election is on in prod (LeaderElectionProducer).
    assertThat(d.getSpec().getReplicas()).isEqualTo(2);
  }

  @Test
  void theTwoReplicasAreSpreadOverNodesAndADrainTakesOneAtATime() {
    Deployment d = deployment();
    Map<String, String> podLabels = d.getSpec().getTemplate().getMetadata().getLabels();
    var anti =
        d.getSpec()
            .getTemplate()
            .getSpec()
            .getAffinity()
            .getPodAntiAffinity()
            .getPreferredDuringSchedulingIgnoredDuringExecution();
    assertThat(anti)
        .singleElement()
        .satisfies(
            term -> {
              assertThat(term.getPodAffinityTerm().getTopologyKey())
                  .isEqualTo("kubernetes.io/hostname");
              assertThat(podLabels)
                  .containsAllEntriesOf(
                      term.getPodAffinityTerm().getLabelSelector().getMatchLabels());
            });

    List<io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget> pdbs =
        Manifests.ofKind(
            operator, io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget.class);
    assertThat(pdbs)
        .singleElement()
        .satisfies(
            pdb -> {
              assertThat(pdb.getMetadata().getNamespace())
                  .isEqualTo(d.getMetadata().getNamespace());
              assertThat(pdb.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
              assertThat(d.getSpec().getReplicas())
                  .isGreaterThan(pdb.getSpec().getMaxUnavailable().getIntVal());
              assertThat(podLabels)
                  .containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());
            });
  }

  @Test
  void kustomizationInstallsNamespaceCrdAndOperator() throws Exception {
    String k = Files.readString(K8S.resolve("kustomization.yaml"));
    for (String f :
        List.of(
            "namespace.yaml",
            "generated/nodedaemons.nodedaemon.io-crd.yaml",
            "generated/operator.yaml")) {
      assertThat(k).contains("- " + f);
      assertThat(K8S.resolve(f)).exists();
    }
    Namespace ns =
        Manifests.ofKind(Manifests.load(K8S.resolve("namespace.yaml")), Namespace.class).get(0);
    assertThat(ns.getMetadata().getName()).isEqualTo("nodedaemon-system");
    assertThat(ns.getMetadata().getLabels())
        .containsEntry("pod-security.kubernetes.io/enforce", "restricted");
  }

  /** A fresh copy each time: the negative test mutates it. */
  private static Deployment deployment() {
    try {
      return Manifests.ofKind(
              Manifests.load(K8S.resolve("generated/operator.yaml")), Deployment.class)
          .get(0);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * The checks of the restricted profile
   * (kubernetes.io/docs/concepts/security/pod-security-standards).
   */
  static List<String> restrictedViolations(PodSpec spec) {
    List<String> v = new ArrayList<>();
    if (Boolean.TRUE.equals(spec.getHostNetwork())
        || Boolean.TRUE.equals(spec.getHostPID())
        || Boolean.TRUE.equals(spec.getHostIPC())) {
      v.add("host namespaces");
    }
    if (spec.getVolumes() != null
        && spec.getVolumes().stream().anyMatch(x -> x.getHostPath() != null)) {
      v.add("hostPath volume");
    }
    var podSc = spec.getSecurityContext();
    boolean podNonRoot = podSc != null && Boolean.TRUE.equals(podSc.getRunAsNonRoot());
    boolean podSeccomp =
        podSc != null
            && podSc.getSeccompProfile() != null
            && Set.of("RuntimeDefault", "Localhost").contains(podSc.getSeccompProfile().getType());
    List<Container> all = new ArrayList<>(spec.getContainers());
    if (spec.getInitContainers() != null) {
      all.addAll(spec.getInitContainers());
    }
    boolean seccompMissing = false;
    for (Container c : all) {
      var sc = c.getSecurityContext();
      if (sc == null) {
        v.add(c.getName() + ": no securityContext");
        continue;
      }
      if (Boolean.TRUE.equals(sc.getPrivileged())) {
        v.add(c.getName() + ": privileged");
      }
      if (!Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation())) {
        v.add(c.getName() + ": allowPrivilegeEscalation != false");
      }
      if (!(podNonRoot || Boolean.TRUE.equals(sc.getRunAsNonRoot()))
          || Boolean.FALSE.equals(sc.getRunAsNonRoot())) {
        v.add(c.getName() + ": runAsNonRoot");
      }
      if (sc.getRunAsUser() != null && sc.getRunAsUser() == 0) {
        v.add(c.getName() + ": runAsUser 0");
      }
      var caps = sc.getCapabilities();
      if (caps == null || caps.getDrop() == null || !caps.getDrop().contains("ALL")) {
        v.add(c.getName() + ": capabilities must drop ALL");
      }
      if (caps != null
          && caps.getAdd() != null
          && caps.getAdd().stream().anyMatch(a -> !a.equals("NET_BIND_SERVICE"))) {
        v.add(c.getName() + ": adds capabilities " + caps.getAdd());
      }
      boolean cSeccomp =
          sc.getSeccompProfile() != null
              && Set.of("RuntimeDefault", "Localhost").contains(sc.getSeccompProfile().getType());
      if (!podSeccomp && !cSeccomp) {
        seccompMissing = true;
      }
      if (c.getPorts() != null
          && c.getPorts().stream().anyMatch(p -> p.getHostPort() != null && p.getHostPort() != 0)) {
        v.add(c.getName() + ": hostPort");
      }
    }
    if (seccompMissing) {
      v.add("seccompProfile RuntimeDefault/Localhost missing");
    }
    return v;
  }
}
