package io.nodedaemon.sim;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A simulated node: name, labels, taints, readiness and cordon flag, rendered as the {@link Node} a
 * kubelet and the node lifecycle controller would publish.
 *
 * <p>The standard taints are derived, not stored: a node that is not ready gets {@code
 * node.kubernetes.io/not-ready} with both effects (NoSchedule by the API server's
 * TaintNodesByCondition admission and the node lifecycle controller, NoExecute for taint-based
 * eviction; daemon pods tolerate only the second, so a NotReady node gets no new daemon pod but
 * keeps the one it has) and a cordoned node gets {@code
 * node.kubernetes.io/unschedulable:NoSchedule}, because that is what a real cluster's controllers
 * add and what the placement logic must tolerate or not.
 */
public record SimNode(
    String name,
    Map<String, String> labels,
    List<Taint> taints,
    boolean ready,
    boolean unschedulable) {

  public static final String HOSTNAME_LABEL = "kubernetes.io/hostname";
  public static final String OS_LABEL = "kubernetes.io/os";
  public static final String CONTROL_PLANE = "node-role.kubernetes.io/control-plane";
  public static final String TAINT_NOT_READY = "node.kubernetes.io/not-ready";
  public static final String TAINT_UNSCHEDULABLE = "node.kubernetes.io/unschedulable";

  public SimNode {
    Objects.requireNonNull(name, "name");
    labels = Map.copyOf(labels);
    taints = List.copyOf(taints);
  }

  /** A ready, schedulable linux node with the default labels and no taints. */
  public static Builder named(String name) {
    return new Builder(name);
  }

  /** Starts a builder holding this node's values, to derive an updated node. */
  public Builder toBuilder() {
    Builder b = new Builder(name);
    b.labels.clear();
    b.labels.putAll(labels);
    b.taints.addAll(taints);
    b.ready = ready;
    b.unschedulable = unschedulable;
    return b;
  }

  /** The taints the node carries: its own ones plus the standard ones its state implies. */
  public List<Taint> effectiveTaints() {
    List<Taint> all = new ArrayList<>(taints);
    if (!ready) {
      all.add(taint(TAINT_NOT_READY, null, "NoSchedule"));
      all.add(taint(TAINT_NOT_READY, null, "NoExecute"));
    }
    if (unschedulable) {
      all.add(taint(TAINT_UNSCHEDULABLE, null, "NoSchedule"));
    }
    return all;
  }

  /** Renders the node as the API object, with a Ready condition whose heartbeat is {@code now}. */
  public Node toNode(Instant now) {
    String ts = now.truncatedTo(ChronoUnit.SECONDS).toString();
    return new NodeBuilder()
        .withNewMetadata()
        .withName(name)
        .withLabels(new LinkedHashMap<>(labels))
        .endMetadata()
        .withNewSpec()
        .withTaints(effectiveTaints())
        .withUnschedulable(unschedulable ? Boolean.TRUE : null)
        .endSpec()
        .withNewStatus()
        .addNewCondition()
        .withType("Ready")
        .withStatus(ready ? "True" : "False")
        .withReason(ready ? "KubeletReady" : "KubeletNotReady")
        .withMessage(ready ? "kubelet is posting ready status" : "simulated: node is not ready")
        .withLastHeartbeatTime(ts)
        .withLastTransitionTime(ts)
        .endCondition()
        .addNewAddress()
        .withType("Hostname")
        .withAddress(name)
        .endAddress()
        .withNewNodeInfo()
        .withKubeletVersion("v1.33.0-sim")
        .withOperatingSystem(labels.getOrDefault(OS_LABEL, "linux"))
        .withArchitecture("amd64")
        .withContainerRuntimeVersion("sim://1.0")
        .endNodeInfo()
        .endStatus()
        .build();
  }

  static Taint taint(String key, String value, String effect) {
    return new TaintBuilder().withKey(key).withValue(value).withEffect(effect).build();
  }

  /** Fluent construction of a {@link SimNode}. */
  public static final class Builder {
    private final String name;
    private final Map<String, String> labels = new LinkedHashMap<>();
    private final List<Taint> taints = new ArrayList<>();
    private boolean ready = true;
    private boolean unschedulable;

    private Builder(String name) {
      this.name = name;
      labels.put(HOSTNAME_LABEL, name);
      labels.put(OS_LABEL, "linux");
    }

    public Builder label(String key, String value) {
      labels.put(key, value);
      return this;
    }

    public Builder withoutLabel(String key) {
      labels.remove(key);
      return this;
    }

    public Builder taint(String key, String value, String effect) {
      taints.add(SimNode.taint(key, value, effect));
      return this;
    }

    public Builder withoutTaint(String key) {
      taints.removeIf(t -> key.equals(t.getKey()));
      return this;
    }

    public Builder ready(boolean ready) {
      this.ready = ready;
      return this;
    }

    public Builder notReady() {
      return ready(false);
    }

    public Builder unschedulable(boolean unschedulable) {
      this.unschedulable = unschedulable;
      return this;
    }

    /** Same as {@code kubectl cordon}. */
    public Builder cordoned() {
      return unschedulable(true);
    }

    /** The role label and the NoSchedule taint that kubeadm puts on control-plane nodes. */
    public Builder controlPlane() {
      labels.put(CONTROL_PLANE, "");
      return taint(CONTROL_PLANE, null, "NoSchedule");
    }

    public SimNode build() {
      return new SimNode(name, labels, taints, ready, unschedulable);
    }
  }
}
