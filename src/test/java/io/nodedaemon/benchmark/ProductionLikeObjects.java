package io.nodedaemon.benchmark;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerImage;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.FieldsV1;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Nodes and pods the size of a real cluster's (a node with its image list, conditions, capacity,
 * annotations and managedFields is 10-15 KB of JSON; the simulator's own nodes are a tenth of
 * that), so that the memory figures of the benchmark mean something for a real cluster.
 */
final class ProductionLikeObjects {
  private ProductionLikeObjects() {}

  static final int IMAGES_PER_NODE = 50;

  /** The node as a real kubelet and control plane would have filled it in. */
  static Node node(Node simulated, Instant now) {
    String name = simulated.getMetadata().getName();
    String ts = now.toString();
    Map<String, Quantity> capacity = new LinkedHashMap<>();
    capacity.put("cpu", new Quantity("16"));
    capacity.put("ephemeral-storage", new Quantity("203070420Ki"));
    capacity.put("hugepages-1Gi", new Quantity("0"));
    capacity.put("hugepages-2Mi", new Quantity("0"));
    capacity.put("memory", new Quantity("65842860Ki"));
    capacity.put("pods", new Quantity("110"));
    List<NodeCondition> conditions = new ArrayList<>();
    for (String[] c :
        new String[][] {
          {
            "MemoryPressure",
            "False",
            "KubeletHasSufficientMemory",
            "kubelet has sufficient memory available"
          },
          {"DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"},
          {
            "PIDPressure",
            "False",
            "KubeletHasSufficientPID",
            "kubelet has sufficient PID available"
          },
          {"NetworkUnavailable", "False", "RouteCreated", "RouteController created a route"}
        }) {
      conditions.add(
          new NodeConditionBuilder()
              .withType(c[0])
              .withStatus(c[1])
              .withReason(c[2])
              .withMessage(c[3])
              .withLastHeartbeatTime(ts)
              .withLastTransitionTime(ts)
              .build());
    }
    NodeBuilder b =
        new NodeBuilder(simulated)
            .editMetadata()
            .addToLabels("beta.kubernetes.io/arch", "amd64")
            .addToLabels("beta.kubernetes.io/os", "linux")
            .addToLabels("kubernetes.io/arch", "amd64")
            .addToLabels("node.kubernetes.io/instance-type", "m5.4xlarge")
            .addToLabels("topology.kubernetes.io/region", "eu-west-1")
            .addToLabels("topology.kubernetes.io/zone", "eu-west-1a")
            .addToAnnotations("node.alpha.kubernetes.io/ttl", "0")
            .addToAnnotations("volumes.kubernetes.io/controller-managed-attach-detach", "true")
            .addToAnnotations(
                "csi.volume.kubernetes.io/nodeid",
                "{\"ebs.csi.aws.com\":\"i-0" + hex(name, 16) + "\"}")
            .addToAnnotations(
                "alpha.kubernetes.io/provided-node-ip", "10.0." + (name.hashCode() & 0xff) + ".17")
            .withManagedFields(managedFields("kubelet", "kube-controller-manager", "kube-proxy"))
            .endMetadata()
            .editSpec()
            .withPodCIDR("10.244.0.0/24")
            .withPodCIDRs("10.244.0.0/24")
            .withProviderID("aws:///eu-west-1a/i-0" + hex(name, 16))
            .endSpec()
            .editStatus()
            .withCapacity(capacity)
            .withAllocatable(capacity)
            .addAllToConditions(conditions)
            .addNewAddress()
            .withType("InternalIP")
            .withAddress("10.0.0.17")
            .endAddress()
            .addNewAddress()
            .withType("InternalDNS")
            .withAddress(name + ".eu-west-1.compute.internal")
            .endAddress()
            .withNewDaemonEndpoints()
            .withNewKubeletEndpoint()
            .withPort(10250)
            .endKubeletEndpoint()
            .endDaemonEndpoints()
            .editNodeInfo()
            .withMachineID(hex(name + "m", 32))
            .withSystemUUID(hex(name + "s", 32))
            .withBootID(hex(name + "b", 32))
            .withKernelVersion("6.1.109-118.189.amzn2023.x86_64")
            .withOsImage("Amazon Linux 2023.5.20241001")
            .withKubeProxyVersion("v1.33.0")
            .endNodeInfo()
            .endStatus();
    // One withImages call: editStatus() inside a loop would copy the whole status per image.
    List<ContainerImage> images = new ArrayList<>(IMAGES_PER_NODE);
    for (int i = 0; i < IMAGES_PER_NODE; i++) {
      String repo = "registry.example.org/team-" + (i % 7) + "/service-" + i;
      images.add(
          new ContainerImage(
              List.of(repo + "@sha256:" + hex(repo, 64), repo + ":v1." + i + ".0"),
              50_000_000L + i * 1_000_000L));
    }
    b.editStatus().withImages(images).endStatus();
    return b.build();
  }

  /**
   * A pod of some other controller (a kube-proxy of a DaemonSet), bound and running on {@code
   * nodeName}.
   */
  /**
   * The owner uid of the kube-proxy pods on the simulated cluster (which has no garbage collector).
   */
  static final String FOREIGN_OWNER_UID = "5f1c2d3e-0000-4000-8000-000000000001";

  static Pod foreignPod(String namespace, String nodeName, String ownerUid, Instant now) {
    String ts = now.toString();
    List<EnvVar> env = new ArrayList<>();
    for (String var :
        List.of("NODE_NAME", "POD_NAME", "POD_NAMESPACE", "KUBERNETES_SERVICE_HOST", "LOG_LEVEL")) {
      env.add(new EnvVar(var, "value-of-" + var.toLowerCase(), null));
    }
    return new PodBuilder()
        .withNewMetadata()
        .withName("kube-proxy-" + nodeName)
        .withNamespace(namespace)
        .addToLabels("k8s-app", "kube-proxy")
        .addToLabels("controller-revision-hash", "6d4b8c7f9")
        .addToLabels("pod-template-generation", "3")
        .addNewOwnerReference()
        .withApiVersion("apps/v1")
        .withKind("DaemonSet")
        .withName("kube-proxy")
        .withUid(ownerUid)
        .withController(true)
        .withBlockOwnerDeletion(true)
        .endOwnerReference()
        .withManagedFields(managedFields("kube-controller-manager", "kubelet"))
        .endMetadata()
        .withNewSpec()
        .withNodeName(nodeName)
        .withPriorityClassName("system-node-critical")
        .withHostNetwork(true)
        .withServiceAccountName("kube-proxy")
        .addToContainers(
            new ContainerBuilder()
                .withName("kube-proxy")
                .withImage("registry.k8s.io/kube-proxy:v1.33.0")
                .withCommand(
                    "/usr/local/bin/kube-proxy",
                    "--config=/var/lib/kube-proxy/config.conf",
                    "--hostname-override=$(NODE_NAME)")
                .withEnv(env)
                .withVolumeMounts(
                    new VolumeMountBuilder()
                        .withName("kube-proxy")
                        .withMountPath("/var/lib/kube-proxy")
                        .build(),
                    new VolumeMountBuilder()
                        .withName("xtables-lock")
                        .withMountPath("/run/xtables.lock")
                        .build(),
                    new VolumeMountBuilder()
                        .withName("lib-modules")
                        .withMountPath("/lib/modules")
                        .withReadOnly(true)
                        .build())
                .withNewResources()
                .addToRequests("cpu", new Quantity("100m"))
                .addToRequests("memory", new Quantity("64Mi"))
                .endResources()
                .withNewSecurityContext()
                .withPrivileged(true)
                .endSecurityContext()
                .build())
        .withVolumes(
            new VolumeBuilder()
                .withName("kube-proxy")
                .withNewConfigMap()
                .withName("kube-proxy")
                .endConfigMap()
                .build(),
            new VolumeBuilder()
                .withName("xtables-lock")
                .withNewHostPath()
                .withPath("/run/xtables.lock")
                .withType("FileOrCreate")
                .endHostPath()
                .build(),
            new VolumeBuilder()
                .withName("lib-modules")
                .withNewHostPath()
                .withPath("/lib/modules")
                .endHostPath()
                .build())
        .addNewToleration()
        .withOperator("Exists")
        .endToleration()
        .endSpec()
        .withNewStatus()
        .withPhase("Running")
        .withHostIP("10.0.0.17")
        .withPodIP("10.0.0.17")
        .withStartTime(ts)
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
        .withName("kube-proxy")
        .withReady(true)
        .withStarted(true)
        .withRestartCount(0)
        .withImage("registry.k8s.io/kube-proxy:v1.33.0")
        .withImageID("registry.k8s.io/kube-proxy@sha256:" + hex("kp", 64))
        .withContainerID("containerd://" + hex(nodeName + "c", 64))
        .withNewState()
        .withNewRunning()
        .withStartedAt(ts)
        .endRunning()
        .endState()
        .endContainerStatus()
        .endStatus()
        .build();
  }

  /**
   * managedFields entries as the API server records them: one per manager, with a field set each.
   */
  private static List<ManagedFieldsEntry> managedFields(String... managers) {
    List<ManagedFieldsEntry> entries = new ArrayList<>();
    for (String manager : managers) {
      Map<String, Object> fields = new LinkedHashMap<>();
      for (String section : List.of("f:metadata", "f:spec", "f:status")) {
        Map<String, Object> inner = new LinkedHashMap<>();
        for (int i = 0; i < 12; i++) {
          inner.put(
              "f:field-" + manager + "-" + i, Map.of("f:value", Map.of(), "f:type", Map.of()));
        }
        fields.put(section, inner);
      }
      FieldsV1 fieldsV1 = new FieldsV1();
      fields.forEach(fieldsV1::setAdditionalProperty);
      entries.add(
          new ManagedFieldsEntryBuilder()
              .withManager(manager)
              .withOperation("Update")
              .withApiVersion("v1")
              .withFieldsType("FieldsV1")
              .withFieldsV1(fieldsV1)
              .withTime("2026-11-27T00:00:00Z")
              .build());
    }
    return entries;
  }

  /** A stable pseudo-random hex string of the given length, derived from a seed. */
  private static String hex(String seed, int length) {
    StringBuilder sb = new StringBuilder(length);
    long h = seed.hashCode() * 0x9E3779B97F4A7C15L;
    while (sb.length() < length) {
      h ^= h >>> 29;
      h *= 0xBF58476D1CE4E5B9L;
      sb.append(Long.toHexString(h & 0xfffffffL));
    }
    return sb.substring(0, length);
  }
}
