package io.nodedaemon.benchmark;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonSpec;
import io.nodedaemon.api.NodeDaemonUpdateStrategy;
import io.nodedaemon.api.RollingUpdateNodeDaemon;
import io.nodedaemon.planner.DaemonPodFactory;
import io.nodedaemon.planner.InFlight;
import io.nodedaemon.planner.PlanInput;
import io.nodedaemon.planner.PodStates;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The inputs of one planning pass at a given size: N nodes with one ready pod each, either all of
 * the update revision ("converged") or with 10% of nodes still on the old one ("changed").
 */
public final class PlannerScenario {
  static final Instant NOW = Instant.parse("2026-01-01T01:00:00Z");
  static final String NEW = "rev-new";
  static final String OLD = "rev-old";

  private PlannerScenario() {}

  public static PlanInput build(int nodes, boolean changed) {
    return build(nodes, changed, false);
  }

  /**
   * @param production pods and nodes as a real cluster's informer cache holds them (the fluentd
   *     sample's template; the service-account volume admission adds; a kubelet-written status with
   *     five conditions and a container status; node status, images and annotations as the kubelet
   *     writes them) rather than the minimum the planner reads. The planner reads the same fields
   *     either way; what changes is how much of the working set fits in the CPU caches.
   */
  public static PlanInput build(int nodes, boolean changed, boolean production) {
    return build(nodes, changed, production, false);
  }

  /**
   * @param excluded one node in five runs no pod, for the reasons a cluster has (SPEC §8): every
   *     tenth node is a Windows node the template's nodeSelector (kubernetes.io/os: linux) leaves
   *     out, and every tenth plus five carries a {@code dedicated=gpu:NoSchedule} taint the
   *     template does not tolerate, so the pass tallies status.excludedNodes
   */
  public static PlanInput build(int nodes, boolean changed, boolean production, boolean excluded) {
    NodeDaemon d = new NodeDaemon();
    d.setMetadata(
        new ObjectMetaBuilder().withName("agent").withNamespace("ns").withUid("uid").build());
    NodeDaemonSpec spec = new NodeDaemonSpec();
    spec.setSelector(new LabelSelectorBuilder().withMatchLabels(Map.of("app", "agent")).build());
    spec.setTemplate(
        production
            ? productionTemplate()
            : new PodTemplateSpecBuilder()
                .withNewMetadata()
                .withLabels(Map.of("app", "agent"))
                .endMetadata()
                .withNewSpec()
                .withContainers(new ContainerBuilder().withName("c").withImage("img").build())
                .endSpec()
                .build());
    NodeDaemonUpdateStrategy strategy = new NodeDaemonUpdateStrategy();
    RollingUpdateNodeDaemon ru = new RollingUpdateNodeDaemon();
    ru.setMaxUnavailable(new IntOrString("10%"));
    strategy.setRollingUpdate(ru);
    spec.setUpdateStrategy(strategy);
    d.setSpec(spec);
    if (excluded) {
      spec.getTemplate().getSpec().setNodeSelector(Map.of("kubernetes.io/os", "linux"));
    }

    List<Node> nodeList = new ArrayList<>(nodes);
    List<Pod> pods = new ArrayList<>(nodes);
    String created = NOW.minusSeconds(600).toString();
    for (int i = 0; i < nodes; i++) {
      String name = String.format("node-%05d", i);
      Map<String, String> labels =
          new java.util.LinkedHashMap<>(
              production
                  ? productionNodeLabels(name)
                  : Map.of("kubernetes.io/hostname", name, "kubernetes.io/os", "linux"));
      boolean windows = excluded && i % 10 == 0;
      boolean gpu = excluded && i % 10 == 5;
      if (windows) {
        labels.put("kubernetes.io/os", "windows");
      }
      // The operator caches slim nodes (LeanCaches: name, labels, taints), so nodes carry no status
      // here.
      nodeList.add(
          new NodeBuilder()
              .withNewMetadata()
              .withName(name)
              .withUid("uid-" + name)
              .withResourceVersion("1")
              .withLabels(labels)
              .endMetadata()
              .withNewSpec()
              .withTaints(
                  gpu
                      ? List.of(
                          new io.fabric8.kubernetes.api.model.Taint(
                              "NoSchedule", "dedicated", null, "gpu"))
                      : List.of())
              .endSpec()
              .build());
      if (windows || gpu) {
        continue; // placement keeps it without a pod
      }
      String hash = changed && i % 10 == 0 ? OLD : NEW;
      Pod pod = DaemonPodFactory.newPod(d, name, hash);
      PodBuilder b =
          new PodBuilder(pod)
              .editMetadata()
              .withUid("pod-" + i)
              .withCreationTimestamp(created)
              .addToLabels(PodStates.REVISION_LABEL, hash)
              .endMetadata()
              .editSpec()
              .withNodeName(name)
              .endSpec();
      if (production) {
        pods.add(asAdmittedAndRunning(b, name, i, created));
      } else {
        pods.add(
            b.withNewStatus()
                .withPhase("Running")
                .withConditions(
                    new PodConditionBuilder()
                        .withType("Ready")
                        .withStatus("True")
                        .withLastTransitionTime(created)
                        .build())
                .endStatus()
                .build());
      }
    }
    return new PlanInput(d, nodeList, pods, NEW, InFlight.NONE, NOW);
  }

  /** The labels a cloud node carries (kubelet, cloud controller, node-feature labels). */
  private static Map<String, String> productionNodeLabels(String name) {
    Map<String, String> labels = new java.util.LinkedHashMap<>();
    labels.put("kubernetes.io/hostname", name);
    labels.put("kubernetes.io/os", "linux");
    labels.put("kubernetes.io/arch", "amd64");
    labels.put("beta.kubernetes.io/os", "linux");
    labels.put("beta.kubernetes.io/arch", "amd64");
    labels.put("beta.kubernetes.io/instance-type", "m5.4xlarge");
    labels.put("node.kubernetes.io/instance-type", "m5.4xlarge");
    labels.put("topology.kubernetes.io/region", "eu-west-1");
    labels.put("topology.kubernetes.io/zone", "eu-west-1" + "abc".charAt(name.hashCode() & 1));
    labels.put("failure-domain.beta.kubernetes.io/region", "eu-west-1");
    labels.put("eks.amazonaws.com/nodegroup", "general-" + (name.hashCode() & 3));
    labels.put("eks.amazonaws.com/capacityType", "ON_DEMAND");
    return labels;
  }

  /** The fluentd-elasticsearch template of the Kubernetes documentation (k8s/samples). */
  private static PodTemplateSpec productionTemplate() {
    return new PodTemplateSpecBuilder()
        .withNewMetadata()
        .withLabels(Map.of("app", "agent", "k8s-app", "fluentd-logging"))
        .endMetadata()
        .withNewSpec()
        .addNewToleration()
        .withKey("node-role.kubernetes.io/control-plane")
        .withOperator("Exists")
        .withEffect("NoSchedule")
        .endToleration()
        .addNewToleration()
        .withKey("node-role.kubernetes.io/master")
        .withOperator("Exists")
        .withEffect("NoSchedule")
        .endToleration()
        .addNewContainer()
        .withName("fluentd-elasticsearch")
        .withImage("quay.io/fluentd_elasticsearch/fluentd:v2.5.2")
        .withNewResources()
        .addToLimits("memory", new Quantity("200Mi"))
        .addToRequests("cpu", new Quantity("100m"))
        .addToRequests("memory", new Quantity("200Mi"))
        .endResources()
        .addNewVolumeMount()
        .withName("varlog")
        .withMountPath("/var/log")
        .endVolumeMount()
        .addNewVolumeMount()
        .withName("varlibdockercontainers")
        .withMountPath("/var/lib/docker/containers")
        .withReadOnly(true)
        .endVolumeMount()
        .endContainer()
        .withTerminationGracePeriodSeconds(30L)
        .addNewVolume()
        .withName("varlog")
        .withNewHostPath()
        .withPath("/var/log")
        .endHostPath()
        .endVolume()
        .addNewVolume()
        .withName("varlibdockercontainers")
        .withNewHostPath()
        .withPath("/var/lib/docker/containers")
        .endHostPath()
        .endVolume()
        .endSpec()
        .build();
  }

  /**
   * What admission and the kubelet add to a created pod: the token volume, defaults, a full status.
   * Built once with builders and cloned per pod (fabric8 builders take milliseconds a pod).
   */
  private static Pod asAdmittedAndRunning(PodBuilder b, String node, int i, String ts) {
    Pod pod = b.build();
    if (admitted == null || !ts.equals(admitted.getStatus().getStartTime())) {
      admitted =
          new PodBuilder()
              .withNewSpec()
              .addNewVolume()
              .withName("kube-api-access-x1y2z")
              .withNewProjected()
              .withDefaultMode(420)
              .addNewSource()
              .withNewServiceAccountToken()
              .withExpirationSeconds(3607L)
              .withPath("token")
              .endServiceAccountToken()
              .endSource()
              .addNewSource()
              .withNewConfigMap()
              .withName("kube-root-ca.crt")
              .addNewItem()
              .withKey("ca.crt")
              .withPath("ca.crt")
              .endItem()
              .endConfigMap()
              .endSource()
              .addNewSource()
              .withNewDownwardAPI()
              .addNewItem()
              .withPath("namespace")
              .withNewFieldRef()
              .withApiVersion("v1")
              .withFieldPath("metadata.namespace")
              .endFieldRef()
              .endItem()
              .endDownwardAPI()
              .endSource()
              .endProjected()
              .endVolume()
              .addNewContainer()
              .addNewVolumeMount()
              .withName("kube-api-access-x1y2z")
              .withMountPath("/var/run/secrets/kubernetes.io/serviceaccount")
              .withReadOnly(true)
              .endVolumeMount()
              .endContainer()
              .endSpec()
              .withNewStatus()
              .withPhase("Running")
              .withHostIP("10.0.0.17")
              .withStartTime(ts)
              .withQosClass("Burstable")
              .addNewHostIP()
              .withIp("10.0.0.17")
              .endHostIP()
              .addNewCondition()
              .withType("PodReadyToStartContainers")
              .withStatus("True")
              .withLastTransitionTime(ts)
              .endCondition()
              .addNewCondition()
              .withType("Initialized")
              .withStatus("True")
              .withLastTransitionTime(ts)
              .endCondition()
              .addNewCondition()
              .withType("Ready")
              .withStatus("True")
              .withLastTransitionTime(ts)
              .endCondition()
              .addNewCondition()
              .withType("ContainersReady")
              .withStatus("True")
              .withLastTransitionTime(ts)
              .endCondition()
              .addNewCondition()
              .withType("PodScheduled")
              .withStatus("True")
              .withLastTransitionTime(ts)
              .endCondition()
              .addNewContainerStatus()
              .withName("fluentd-elasticsearch")
              .withReady(true)
              .withStarted(true)
              .withRestartCount(0)
              .withImage("quay.io/fluentd_elasticsearch/fluentd:v2.5.2")
              .withImageID(
                  "quay.io/fluentd_elasticsearch/fluentd@sha256:" + "0123456789abcdef".repeat(4))
              .withNewState()
              .withNewRunning()
              .withStartedAt(ts)
              .endRunning()
              .endState()
              .endContainerStatus()
              .endStatus()
              .build();
    }
    Pod template = Serialization.clone(admitted);
    String ip = "10.244." + (i / 250) + "." + (i % 250 + 2);
    PodSpec spec = pod.getSpec();
    spec.setServiceAccountName("default");
    spec.setServiceAccount("default");
    spec.setDnsPolicy("ClusterFirst");
    spec.setRestartPolicy("Always");
    spec.setSchedulerName("default-scheduler");
    spec.setEnableServiceLinks(true);
    spec.setPreemptionPolicy("PreemptLowerPriority");
    spec.setPriority(0);
    spec.getVolumes().addAll(template.getSpec().getVolumes());
    Container container = spec.getContainers().get(0);
    container.getVolumeMounts().addAll(template.getSpec().getContainers().get(0).getVolumeMounts());
    container.setTerminationMessagePath("/dev/termination-log");
    container.setTerminationMessagePolicy("File");
    container.setImagePullPolicy("IfNotPresent");
    PodStatus status = template.getStatus();
    status.setPodIP(ip);
    status.setPodIPs(List.of(new PodIP(ip)));
    status
        .getContainerStatuses()
        .get(0)
        .setContainerID("containerd://" + String.format("%064x", (long) i * 2654435761L));
    pod.setStatus(status);
    return pod;
  }

  private static Pod admitted;
}
