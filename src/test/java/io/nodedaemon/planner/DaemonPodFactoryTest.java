package io.nodedaemon.planner;

import static io.nodedaemon.planner.PlannerFixtures.REV;
import static io.nodedaemon.planner.PlannerFixtures.daemon;
import static io.nodedaemon.planner.PlannerFixtures.expressions;
import static io.nodedaemon.planner.PlannerFixtures.req;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PreferredSchedulingTermBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.nodedaemon.api.NodeDaemon;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The daemon pod contract of SPEC §3, as a golden rendering plus focused assertions. */
class DaemonPodFactoryTest {

  /** A template with everything the factory must rewrite or keep. */
  private static NodeDaemon richDaemon() {
    NodeDaemon d = daemon();
    d.getSpec().getTemplate().getMetadata().setAnnotations(Map.of("note", "kept"));
    var spec = d.getSpec().getTemplate().getSpec();
    spec.setNodeName("somewhere");
    spec.setHostNetwork(true);
    spec.setTolerations(
        new java.util.ArrayList<>(
            java.util.List.of(
                new TolerationBuilder()
                    .withKey("dedicated")
                    .withOperator("Equal")
                    .withValue("infra")
                    .withEffect("NoSchedule")
                    .build(),
                // Overrides the default not-ready toleration: the default must not be added twice.
                new TolerationBuilder()
                    .withKey("node.kubernetes.io/not-ready")
                    .withOperator("Exists")
                    .withEffect("NoExecute")
                    .withTolerationSeconds(30L)
                    .build())));
    spec.setAffinity(
        new AffinityBuilder()
            .withNewNodeAffinity()
            .withNewRequiredDuringSchedulingIgnoredDuringExecution()
            .withNodeSelectorTerms(expressions(req("zone", "In", "a")))
            .endRequiredDuringSchedulingIgnoredDuringExecution()
            .withPreferredDuringSchedulingIgnoredDuringExecution(
                new PreferredSchedulingTermBuilder()
                    .withWeight(5)
                    .withPreference(expressions(req("disk", "In", "ssd")))
                    .build())
            .endNodeAffinity()
            .build());
    return d;
  }

  /** The rendered pod, reviewed against SPEC §3; a change here is a change of the pod contract. */
  private static final String GOLDEN =
      """
      ---
      apiVersion: "v1"
      kind: "Pod"
      metadata:
        annotations:
          note: "kept"
        labels:
          app: "foo"
          controller-revision-hash: "rev-1"
        name: "foo-4d0e2cec9c"
        namespace: "default"
        ownerReferences:
        - apiVersion: "nodedaemon.io/v1alpha1"
          kind: "NodeDaemon"
          blockOwnerDeletion: true
          controller: true
          name: "foo"
          uid: "uid-foo"
      spec:
        affinity:
          nodeAffinity:
            preferredDuringSchedulingIgnoredDuringExecution:
            - preference:
                matchExpressions:
                - key: "disk"
                  operator: "In"
                  values:
                  - "ssd"
              weight: 5
            requiredDuringSchedulingIgnoredDuringExecution:
              nodeSelectorTerms:
              - matchFields:
                - key: "metadata.name"
                  operator: "In"
                  values:
                  - "node-1"
        containers:
        - image: "image:1"
          name: "c"
        hostNetwork: true
        tolerations:
        - effect: "NoSchedule"
          key: "dedicated"
          operator: "Equal"
          value: "infra"
        - effect: "NoExecute"
          key: "node.kubernetes.io/not-ready"
          operator: "Exists"
          tolerationSeconds: 30
        - effect: "NoExecute"
          key: "node.kubernetes.io/unreachable"
          operator: "Exists"
        - effect: "NoSchedule"
          key: "node.kubernetes.io/disk-pressure"
          operator: "Exists"
        - effect: "NoSchedule"
          key: "node.kubernetes.io/memory-pressure"
          operator: "Exists"
        - effect: "NoSchedule"
          key: "node.kubernetes.io/pid-pressure"
          operator: "Exists"
        - effect: "NoSchedule"
          key: "node.kubernetes.io/unschedulable"
          operator: "Exists"
        - effect: "NoSchedule"
          key: "node.kubernetes.io/network-unavailable"
          operator: "Exists"
      """;

  @Test
  void rendersTheGoldenPod() {
    Pod pod = DaemonPodFactory.newPod(richDaemon(), "node-1", REV);

    assertThat(Serialization.asYaml(pod)).isEqualTo(GOLDEN);
  }

  @Test
  void labelsAreTemplateLabelsPlusRevisionHash() {
    Pod pod = DaemonPodFactory.newPod(daemon(), "node-1", REV);

    assertThat(pod.getMetadata().getLabels())
        .containsExactlyInAnyOrderEntriesOf(Map.of("app", "foo", "controller-revision-hash", REV));
    assertThat(pod.getMetadata().getNamespace()).isEqualTo("default");
    assertThat(pod.getMetadata().getName()).startsWith("foo-");
  }

  @Test
  void ownerReferenceIsTheControllingNodeDaemonBlockingDeletion() {
    Pod pod = DaemonPodFactory.newPod(daemon(), "node-1", REV);

    assertThat(pod.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            ref -> {
              assertThat(ref.getApiVersion()).isEqualTo("nodedaemon.io/v1alpha1");
              assertThat(ref.getKind()).isEqualTo("NodeDaemon");
              assertThat(ref.getName()).isEqualTo("foo");
              assertThat(ref.getUid()).isEqualTo("uid-foo");
              assertThat(ref.getController()).isTrue();
              assertThat(ref.getBlockOwnerDeletion()).isTrue();
            });
  }

  @Test
  void defaultTolerationsAreAddedWithoutNetworkUnavailableUnlessHostNetwork() {
    Pod pod = DaemonPodFactory.newPod(daemon(), "node-1", REV);

    assertThat(pod.getSpec().getTolerations())
        .extracting(
            Toleration::getKey,
            Toleration::getOperator,
            Toleration::getEffect,
            Toleration::getTolerationSeconds)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "node.kubernetes.io/not-ready", "Exists", "NoExecute", null),
            org.assertj.core.groups.Tuple.tuple(
                "node.kubernetes.io/unreachable", "Exists", "NoExecute", null),
            org.assertj.core.groups.Tuple.tuple(
                "node.kubernetes.io/disk-pressure", "Exists", "NoSchedule", null),
            org.assertj.core.groups.Tuple.tuple(
                "node.kubernetes.io/memory-pressure", "Exists", "NoSchedule", null),
            org.assertj.core.groups.Tuple.tuple(
                "node.kubernetes.io/pid-pressure", "Exists", "NoSchedule", null),
            org.assertj.core.groups.Tuple.tuple(
                "node.kubernetes.io/unschedulable", "Exists", "NoSchedule", null));
  }

  @Test
  void hostNetworkAddsNetworkUnavailableAndTemplateTolerationsWinOverDefaults() {
    Pod pod = DaemonPodFactory.newPod(richDaemon(), "node-1", REV);

    assertThat(pod.getSpec().getTolerations())
        .extracting(Toleration::getKey)
        .containsOnlyOnce(
            "node.kubernetes.io/not-ready", "node.kubernetes.io/network-unavailable", "dedicated");
    assertThat(pod.getSpec().getTolerations())
        .filteredOn(t -> "node.kubernetes.io/not-ready".equals(t.getKey()))
        .singleElement()
        .extracting(Toleration::getTolerationSeconds)
        .isEqualTo(30L);
    assertThat(pod.getSpec().getTolerations()).hasSize(8);
  }

  @Test
  void requiredAffinityIsReplacedByOneMatchFieldsTermAndPreferredKept() {
    Pod pod = DaemonPodFactory.newPod(richDaemon(), "node-1", REV);

    var nodeAffinity = pod.getSpec().getAffinity().getNodeAffinity();
    assertThat(
            nodeAffinity.getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms())
        .singleElement()
        .satisfies(
            term -> {
              assertThat(term.getMatchExpressions()).isNullOrEmpty();
              assertThat(term.getMatchFields())
                  .singleElement()
                  .isEqualTo(req("metadata.name", "In", "node-1"));
            });
    assertThat(nodeAffinity.getPreferredDuringSchedulingIgnoredDuringExecution())
        .singleElement()
        .satisfies(p -> assertThat(p.getWeight()).isEqualTo(5));
  }

  @Test
  void nodeNameIsLeftToTheScheduler() {
    Pod pod = DaemonPodFactory.newPod(richDaemon(), "node-1", REV);

    assertThat(pod.getSpec().getNodeName()).isNull();
    assertThat(DaemonPodFactory.targetNodeName(pod)).isEqualTo("node-1");
  }

  @Test
  void theTemplateIsNotMutated() {
    NodeDaemon d = richDaemon();
    PodTemplateSpec before = Serialization.clone(d.getSpec().getTemplate());

    DaemonPodFactory.newPod(d, "node-1", REV);

    assertThat(d.getSpec().getTemplate()).isEqualTo(before);
    assertThat(d.getSpec().getTemplate().getMetadata().getLabels())
        .doesNotContainKey("controller-revision-hash");
  }

  @Test
  void namesAreDeterministicPerNodeAndRevision() {
    String name = DaemonPodFactory.podNameFor("foo", "node-1", REV);

    assertThat(DaemonPodFactory.podNameFor("foo", "node-1", REV)).isEqualTo(name);
    assertThat(DaemonPodFactory.podNameFor("foo", "node-2", REV)).isNotEqualTo(name);
    assertThat(DaemonPodFactory.podNameFor("foo", "node-1", "rev-2")).isNotEqualTo(name);
    assertThat(name).matches("foo-[0-9a-f]{10}");
  }

  @Test
  void aSeventyCharacterDaemonNameIsTruncatedToADnsLabel() {
    String longName = "a".repeat(51) + "-" + "b".repeat(18); // 70 chars, a dash at the cut point
    assertThat(longName).hasSize(70);

    String name = DaemonPodFactory.podNameFor(longName, "node-1", REV);

    assertThat(name).hasSizeLessThanOrEqualTo(63).matches("a{51}-[0-9a-f]{10}");
    assertThat(DaemonPodFactory.podNameFor(longName, "node-1", REV)).isEqualTo(name);
    assertThat(DaemonPodFactory.podNameFor(longName, "node-2", REV)).isNotEqualTo(name);
  }

  @Test
  void aNameExactlyAtTheLimitIsKeptWhole() {
    String name52 = "x".repeat(52);

    assertThat(DaemonPodFactory.podNameFor(name52, "n", REV)).hasSize(63).startsWith(name52 + "-");
  }

  @Test
  void targetNodeNamePrefersTheBoundNodeThenTheMatchFieldsPin() {
    Pod pinned = DaemonPodFactory.newPod(daemon(), "node-1", REV);
    Pod bound = new PodBuilder(pinned).editSpec().withNodeName("node-9").endSpec().build();
    Pod bare =
        new PodBuilder()
            .withNewMetadata()
            .withName("x")
            .endMetadata()
            .withNewSpec()
            .endSpec()
            .build();

    assertThat(DaemonPodFactory.targetNodeName(pinned)).isEqualTo("node-1");
    assertThat(DaemonPodFactory.targetNodeName(bound)).isEqualTo("node-9");
    assertThat(DaemonPodFactory.targetNodeName(bare)).isNull();
    assertThat(DaemonPodFactory.targetNodeName(new Pod())).isNull();
  }
}
