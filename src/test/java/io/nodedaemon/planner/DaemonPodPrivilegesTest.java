package io.nodedaemon.planner;

import static io.nodedaemon.planner.PlannerFixtures.REV;
import static io.nodedaemon.planner.PlannerFixtures.daemon;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.nodedaemon.api.NodeDaemon;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The operator grants a daemon pod nothing its template did not ask for (docs/security.md): the pod
 * spec is the template's, but for the node pin, the documented default daemon tolerations (SPEC §3)
 * and an empty {@code nodeName}. No ServiceAccount, security context, host namespace, volume or
 * toleration of the operator's own finds its way in; the pod goes to the NodeDaemon's namespace.
 * DaemonPodFactoryTest pins the exact rendering, the default tolerations and the node pin; this
 * pins that nothing else may differ at all.
 */
class DaemonPodPrivilegesTest {

  /** The template with everything placement does not touch cleared, for comparison. */
  static PodSpec withoutPlacement(PodSpec spec) {
    PodSpec copy = Serialization.clone(spec);
    copy.setAffinity(null);
    copy.setTolerations(null);
    copy.setNodeName(null);
    return copy;
  }

  static NodeDaemon hardenedDaemon() {
    NodeDaemon d = daemon();
    PodSpec spec = d.getSpec().getTemplate().getSpec();
    spec.setServiceAccountName("agent");
    spec.setAutomountServiceAccountToken(false);
    spec.setSecurityContext(
        new PodSecurityContextBuilder()
            .withRunAsNonRoot(true)
            .withRunAsUser(1000L)
            .withNewSeccompProfile()
            .withType("RuntimeDefault")
            .endSeccompProfile()
            .build());
    spec.setContainers(
        List.of(
            new ContainerBuilder()
                .withName("c")
                .withImage("image:1")
                .withSecurityContext(
                    new SecurityContextBuilder()
                        .withAllowPrivilegeEscalation(false)
                        .withReadOnlyRootFilesystem(true)
                        .withNewCapabilities()
                        .withDrop("ALL")
                        .endCapabilities()
                        .build())
                .build()));
    spec.setVolumes(
        List.of(new VolumeBuilder().withName("tmp").withNewEmptyDir().endEmptyDir().build()));
    spec.setTolerations(
        new ArrayList<>(
            List.of(
                new TolerationBuilder()
                    .withKey("dedicated")
                    .withOperator("Equal")
                    .withValue("agents")
                    .withEffect("NoSchedule")
                    .build())));
    return d;
  }

  @Test
  void apartFromPlacementThePodSpecIsTheTemplates() {
    NodeDaemon d = hardenedDaemon();

    Pod pod = DaemonPodFactory.newPod(d, "node-1", REV);

    assertThat(withoutPlacement(pod.getSpec()))
        .isEqualTo(withoutPlacement(d.getSpec().getTemplate().getSpec()));
    assertThat(pod.getMetadata().getNamespace()).isEqualTo(d.getMetadata().getNamespace());
    assertThat(pod.getSpec().getServiceAccountName()).isEqualTo("agent");
    assertThat(pod.getSpec().getAutomountServiceAccountToken()).isFalse();
  }

  @Test
  void aTemplateThatAsksForNothingGetsNothing() {
    NodeDaemon d = daemon();

    PodSpec spec = DaemonPodFactory.newPod(d, "node-1", REV).getSpec();

    // Left empty, the API server fills in the namespace's default ServiceAccount, not the
    // operator's.
    assertThat(spec.getServiceAccountName()).isNull();
    assertThat(spec.getServiceAccount()).isNull();
    assertThat(spec.getSecurityContext()).isNull();
    assertThat(spec.getContainers()).allSatisfy(c -> assertThat(c.getSecurityContext()).isNull());
    assertThat(spec.getHostNetwork()).isNull();
    assertThat(spec.getHostPID()).isNull();
    assertThat(spec.getHostIPC()).isNull();
    assertThat(spec.getVolumes()).isEmpty();
    assertThat(spec.getPriorityClassName()).isNull();
  }
}
