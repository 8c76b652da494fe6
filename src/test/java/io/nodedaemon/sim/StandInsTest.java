package io.nodedaemon.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class StandInsTest {

  static final Duration KUBELET_DELAY = Duration.ofMillis(700);
  static final AtomicInteger seq = new AtomicInteger();
  static SimulatedCluster cluster;

  @BeforeAll
  static void start() {
    cluster =
        SimulatedCluster.builder()
            .node(SimNode.named("worker-1").build())
            .node(SimNode.named("tainted").taint("dedicated", "gpu", "NoSchedule").build())
            .withStandIns(KUBELET_DELAY)
            .start();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @Test
  void schedulerBindsAPodPinnedToAnExistingNode() {
    String name = createPinnedPod("worker-1", "img:1");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> "worker-1".equals(pod(name).getSpec().getNodeName()));
    assertThat(condition(pod(name), "PodScheduled")).isEqualTo("True");
  }

  @Test
  void podPinnedToAMissingNodeStaysPendingUntilTheNodeAppears() {
    String name = createPinnedPod("late-node", "img:1");
    await()
        .during(Duration.ofMillis(1500))
        .atMost(Duration.ofSeconds(3))
        .until(() -> pod(name).getSpec().getNodeName() == null);
    cluster.addNode(SimNode.named("late-node").build());
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> "late-node".equals(pod(name).getSpec().getNodeName()));
  }

  @Test
  void schedulerRespectsUntoleratedNoScheduleTaints() {
    String untolerated = createPinnedPod("tainted", "img:1");
    String tolerated =
        create(
            pinned("tainted", "img:1")
                .editSpec()
                .addNewToleration()
                .withKey("dedicated")
                .withOperator("Equal")
                .withValue("gpu")
                .withEffect("NoSchedule")
                .endToleration()
                .endSpec()
                .build());
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> "tainted".equals(pod(tolerated).getSpec().getNodeName()));
    assertThat(pod(untolerated).getSpec().getNodeName()).isNull();
  }

  @Test
  void kubeletRunsABoundPodAfterTheDelayAndMakesItReady() {
    Instant created = Instant.now();
    String name = createPinnedPod("worker-1", "img:1");
    await().atMost(Duration.ofSeconds(10)).until(() -> "Running".equals(phase(name)));
    assertThat(Duration.between(created, Instant.now())).isGreaterThanOrEqualTo(KUBELET_DELAY);
    Pod pod = pod(name);
    assertThat(condition(pod, "Ready")).isEqualTo("True");
    assertThat(condition(pod, "ContainersReady")).isEqualTo("True");
    assertThat(pod.getStatus().getConditions())
        .filteredOn(c -> c.getType().equals("Ready"))
        .hasSize(1)
        .allSatisfy(c -> assertThat(c.getLastTransitionTime()).isNotBlank());
    assertThat(pod.getStatus().getStartTime()).isNotBlank();
    assertThat(pod.getStatus().getContainerStatuses())
        .singleElement()
        .satisfies(cs -> assertThat(cs.getReady()).isTrue());
  }

  @Test
  void failPodMakesItFailedAndNotReady() {
    String name = runningPod("img:1");
    cluster.kubelet().failPod("default", name);
    Pod pod = pod(name);
    assertThat(pod.getStatus().getPhase()).isEqualTo("Failed");
    assertThat(condition(pod, "Ready")).isEqualTo("False");
    assertThat(
            pod.getStatus().getContainerStatuses().get(0).getState().getTerminated().getExitCode())
        .isEqualTo(1);
  }

  @Test
  void succeedPodAndSetReadyChangeStatus() {
    String name = runningPod("img:1");
    cluster.kubelet().setReady("default", name, false);
    assertThat(condition(pod(name), "Ready")).isEqualTo("False");
    assertThat(phase(name)).isEqualTo("Running");
    cluster.kubelet().setReady("default", name, true);
    assertThat(condition(pod(name), "Ready")).isEqualTo("True");
    cluster.kubelet().succeedPod("default", name);
    assertThat(phase(name)).isEqualTo("Succeeded");
  }

  @Test
  void heldImageRunsButNeverBecomesReady() {
    cluster.kubelet().holdReadinessOfImage("img:bad");
    try {
      String bad = createPinnedPod("worker-1", "img:bad");
      String good = runningPod("img:good");
      await().atMost(Duration.ofSeconds(10)).until(() -> "Running".equals(phase(bad)));
      assertThat(condition(pod(bad), "Ready")).isEqualTo("False");
      assertThat(condition(pod(good), "Ready")).isEqualTo("True");
    } finally {
      cluster.kubelet().holdReadiness(null);
    }
  }

  @Test
  void aDeletedRunningPodTerminatesAfterItsCappedGracePeriodAndThenGoes() {
    String name = runningPod("img:1");
    Instant deleted = Instant.now();

    cluster.client().pods().inNamespace("default").withName(name).delete();
    Pod terminating = pod(name);
    await().atMost(Duration.ofSeconds(10)).until(() -> pod(name) == null);

    assertThat(terminating.getMetadata().getDeletionTimestamp()).isNotBlank();
    assertThat(terminating.getMetadata().getDeletionGracePeriodSeconds()).isEqualTo(30L);
    assertThat(terminating.getStatus().getPhase()).isEqualTo("Running");
    assertThat(Duration.between(deleted, Instant.now()))
        .isGreaterThanOrEqualTo(KubeletStandIn.DEFAULT_TERMINATION_CAP)
        .isLessThan(Duration.ofSeconds(10));
  }

  /**
   * A kubelet whose calls fail while the API server restarts tries again: nothing about the pod
   * changes meanwhile, so no watch event would bring it back.
   */
  @Test
  void theKubeletTriesAStartAndAGracefulDeletionAgainAfterTheApiFailedIt() {
    try (SimulatedCluster bare = SimulatedCluster.builder().start();
        KubernetesClient kubeletClient =
            new KubernetesClientBuilder()
                .withConfig(
                    new ConfigBuilder(Config.empty())
                        .withMasterUrl(bare.url())
                        .withHttp2Disable(true)
                        .withRequestRetryBackoffLimit(0) // not exempt from faults, not retried
                        .build())
                .build();
        KubeletStandIn kubelet =
            new KubeletStandIn(kubeletClient, Duration.ZERO, Clock.systemUTC())) {
      SimFaults.Requests calls = new SimFaults.Requests(null, null, false);
      SimFaults.Fault down = bare.faults().fail(calls, 503, "ServiceUnavailable", 3);
      Pod pod = pinned("worker-1", "img:1").editSpec().withNodeName("worker-1").endSpec().build();
      String name = bare.client().pods().resource(pod).create().getMetadata().getName();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> "Running".equals(phase(bare.client().pods().withName(name).get())));
      assertThat(down.hits()).as("the start failed first").isEqualTo(3);

      SimFaults.Fault downAgain = bare.faults().fail(calls, 503, "ServiceUnavailable", 3);
      bare.client().pods().withName(name).delete();
      await()
          .atMost(Duration.ofSeconds(15))
          .until(() -> bare.client().pods().withName(name).get() == null);
      assertThat(downAgain.hits()).as("the deletion failed first").isEqualTo(3);
    }
  }

  @Test
  void aHeldPodStaysTerminatingInATerminalPhaseUntilReleased() {
    String name = runningPod("img:held");
    cluster.kubelet().holdTermination(p -> "img:held".equals(KubeletStandIn.firstImage(p)));
    try {
      cluster.client().pods().inNamespace("default").withName(name).delete();
      await().atMost(Duration.ofSeconds(10)).until(() -> "Failed".equals(phase(name)));
      await()
          .during(Duration.ofMillis(500))
          .atMost(Duration.ofSeconds(2))
          .until(() -> pod(name) != null);
      Pod held = pod(name);
      assertThat(held.getMetadata().getDeletionTimestamp()).isNotBlank();
      assertThat(
              held.getStatus()
                  .getContainerStatuses()
                  .get(0)
                  .getState()
                  .getTerminated()
                  .getExitCode())
          .isEqualTo(143);
    } finally {
      cluster.kubelet().holdTermination(null);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> pod(name) == null);
  }

  @Test
  void aPodOfAnImageThatFailsOnStartEndsFailedInsteadOfRunning() {
    cluster.kubelet().failOnStart(p -> "img:crash".equals(KubeletStandIn.firstImage(p)));
    try {
      String name = createPinnedPod("worker-1", "img:crash");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> pod(name).getStatus() != null && "Failed".equals(phase(name)));
      // An ended pod has nothing to stop: deleting it removes it at once.
      cluster.client().pods().inNamespace("default").withName(name).delete();
      assertThat(pod(name)).isNull();
    } finally {
      cluster.kubelet().failOnStart(null);
    }
  }

  private String runningPod(String image) {
    String name = createPinnedPod("worker-1", image);
    await().atMost(Duration.ofSeconds(10)).until(() -> "Running".equals(phase(name)));
    return name;
  }

  private static String createPinnedPod(String node, String image) {
    return create(pinned(node, image).build());
  }

  private static String create(Pod pod) {
    return cluster
        .client()
        .pods()
        .inNamespace("default")
        .resource(pod)
        .create()
        .getMetadata()
        .getName();
  }

  static PodBuilder pinned(String node, String image) {
    return new PodBuilder()
        .withNewMetadata()
        .withName("p-" + seq.incrementAndGet())
        .addToLabels("app", "test")
        .endMetadata()
        .withNewSpec()
        .withNewAffinity()
        .withNewNodeAffinity()
        .withNewRequiredDuringSchedulingIgnoredDuringExecution()
        .addNewNodeSelectorTerm()
        .addNewMatchField()
        .withKey("metadata.name")
        .withOperator("In")
        .withValues(node)
        .endMatchField()
        .endNodeSelectorTerm()
        .endRequiredDuringSchedulingIgnoredDuringExecution()
        .endNodeAffinity()
        .endAffinity()
        .addNewContainer()
        .withName("c")
        .withImage(image)
        .endContainer()
        .endSpec();
  }

  /** The pod's phase, or null before the kubelet stand-in has written any status. */
  static String phase(String name) {
    return phase(pod(name));
  }

  static String phase(Pod pod) {
    return pod == null || pod.getStatus() == null ? null : pod.getStatus().getPhase();
  }

  static Pod pod(String name) {
    return cluster.client().pods().inNamespace("default").withName(name).get();
  }

  static String condition(Pod pod, String type) {
    if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
      return null;
    }
    return pod.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .map(PodCondition::getStatus)
        .findFirst()
        .orElse(null);
  }
}
