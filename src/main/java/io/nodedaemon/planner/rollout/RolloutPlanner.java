package io.nodedaemon.planner.rollout;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonSpec;
import io.nodedaemon.api.NodeDaemonUpdateStrategy;
import io.nodedaemon.api.RollingUpdateNodeDaemon;
import io.nodedaemon.planner.PodFacts;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Upstream's rollingUpdate (pkg/controller/daemon/update.go) as a pure function: which old pods to
 * delete and which nodes get a surge pod, within maxUnavailable / maxSurge, with NodeDaemon's
 * partition, selector and pause applied as filters in front of the unchanged algorithm.
 *
 * <p>Like upstream, it only computes lists; the manage loop creates pods on nodes left without one
 * and handles failed and duplicate pods. Nodes are visited in node-name order, so the same input
 * always yields the same plan. One pass costs O(nodes log nodes + pods).
 */
public final class RolloutPlanner {

  /** apps/v1's default for maxUnavailable when the field is absent. */
  public static final IntOrString DEFAULT_MAX_UNAVAILABLE = new IntOrString(1);

  private RolloutPlanner() {}

  /** The budget numbers of one pass, as upstream's updatedDesiredNodeCounts returns them. */
  public record Budget(int maxSurge, int maxUnavailable, int desiredNumberScheduled) {}

  /**
   * Plans one rolling-update pass.
   *
   * @throws IllegalArgumentException when an int-or-percent field or the rollout selector is
   *     invalid (the schema normally refuses these; the shell reports them as InvalidSpec)
   */
  public static RolloutPlan rollingUpdate(RolloutInput input) {
    NodeDaemonSpec spec = input.daemon().getSpec();
    NodeDaemonUpdateStrategy strategy = spec.getUpdateStrategy();
    if (strategy != null && strategy.getType() == NodeDaemonUpdateStrategy.Type.OnDelete) {
      // OnDelete: pods are replaced only when someone deletes them; manage creates the new ones.
      return RolloutPlan.NONE;
    }
    RollingUpdateNodeDaemon rollingUpdate = strategy == null ? null : strategy.getRollingUpdate();
    if (rollingUpdate != null && Boolean.TRUE.equals(rollingUpdate.getPaused())) {
      // NodeDaemon addition (as Kruise): a paused rollout replaces nothing; manage still fills new nodes.
      return RolloutPlan.NONE;
    }

    // Sorted by node name: the deterministic order every candidate list below inherits.
    Map<String, List<PodFacts>> nodeToDaemonPods = inNodeNameOrder(input.nodeToDaemonPods(), input.desiredNodes());
    Budget budget = updatedDesiredNodeCounts(rollingUpdate, input.desiredNodes(), nodeToDaemonPods);
    Set<String> frozen = nodesNotToUpdate(rollingUpdate, input.desiredNodes());
    int minReadySeconds = spec.getMinReadySeconds() == null ? 0 : spec.getMinReadySeconds();
    Pass pass = new Pass(minReadySeconds, input.now());

    if (budget.maxSurge() == 0) {
      return pass.withoutSurge(nodeToDaemonPods, budget, frozen);
    }
    return pass.withSurge(nodeToDaemonPods, input.desiredNodes(), budget, frozen);
  }

  /**
   * The pods by node in node-name order, with every desired node present. The planner already
   * builds its map that way (and then it is used as is); any other map is copied into a TreeMap.
   */
  static Map<String, List<PodFacts>> inNodeNameOrder(Map<String, List<PodFacts>> nodeToDaemonPods, Map<String, Node> desiredNodes) {
    if (nodeToDaemonPods instanceof LinkedHashMap && ascending(nodeToDaemonPods.keySet())
        && nodeToDaemonPods.keySet().containsAll(desiredNodes.keySet())) {
      return nodeToDaemonPods;
    }
    return new TreeMap<>(nodeToDaemonPods);
  }

  private static boolean ascending(Iterable<String> names) {
    String previous = null;
    for (String name : names) {
      if (previous != null && previous.compareTo(name) >= 0) {
        return false;
      }
      previous = name;
    }
    return true;
  }

  /**
   * Upstream's updatedDesiredNodeCounts: desiredNumberScheduled, maxUnavailable and maxSurge
   * (percentages of desired nodes, rounded up), and an empty pod list for each desired node without
   * pods so that it counts as unavailable.
   */
  static Budget updatedDesiredNodeCounts(
      RollingUpdateNodeDaemon rollingUpdate, Map<String, Node> desiredNodes, Map<String, List<PodFacts>> nodeToDaemonPods) {
    int desiredNumberScheduled = desiredNodes.size();
    for (String nodeName : desiredNodes.keySet()) {
      nodeToDaemonPods.putIfAbsent(nodeName, List.of());
    }
    int maxUnavailable = unavailableCount(rollingUpdate, desiredNumberScheduled);
    int maxSurge = surgeCount(rollingUpdate, desiredNumberScheduled);
    // As upstream: an impossible 0/0 configuration (refused by the schema) falls back to unavailability 1.
    if (desiredNumberScheduled > 0 && maxUnavailable == 0 && maxSurge == 0) {
      maxUnavailable = 1;
    }
    return new Budget(maxSurge, maxUnavailable, desiredNumberScheduled);
  }

  /** maxUnavailable scaled against desired nodes, rounded up; absent means 1, as apps/v1 defaults it. */
  public static int unavailableCount(RollingUpdateNodeDaemon rollingUpdate, int desiredNumberScheduled) {
    IntOrString value = rollingUpdate == null || rollingUpdate.getMaxUnavailable() == null
        ? DEFAULT_MAX_UNAVAILABLE
        : rollingUpdate.getMaxUnavailable();
    return scaledValue(value, desiredNumberScheduled, true);
  }

  /** maxSurge scaled against desired nodes, rounded up; absent means 0. */
  public static int surgeCount(RollingUpdateNodeDaemon rollingUpdate, int desiredNumberScheduled) {
    if (rollingUpdate == null || rollingUpdate.getMaxSurge() == null) {
      return 0;
    }
    return scaledValue(rollingUpdate.getMaxSurge(), desiredNumberScheduled, true);
  }

  /** NodeDaemon addition: the number of desired nodes kept on their old pods; absent means 0. */
  public static int partitionCount(RollingUpdateNodeDaemon rollingUpdate, int desiredNumberScheduled) {
    if (rollingUpdate == null || rollingUpdate.getPartition() == null) {
      return 0;
    }
    return Math.min(desiredNumberScheduled, scaledValue(rollingUpdate.getPartition(), desiredNumberScheduled, true));
  }

  /**
   * Upstream's intstr.GetScaledValueFromIntOrPercent: an int as is, or "N%" of total rounded up
   * (or down). A plain numeric string is read as an int, which the API server would also accept.
   */
  public static int scaledValue(IntOrString value, int total, boolean roundUp) {
    if (value == null) {
      return 0;
    }
    if (value.getIntVal() != null) {
      return value.getIntVal();
    }
    String s = value.getStrVal();
    if (s == null) {
      throw new IllegalArgumentException("int-or-percent value is empty");
    }
    try {
      if (!s.endsWith("%")) {
        return Integer.parseInt(s);
      }
      int percent = Integer.parseInt(s.substring(0, s.length() - 1));
      long scaled = (long) percent * total;
      return (int) (roundUp ? -Math.floorDiv(-scaled, 100L) : Math.floorDiv(scaled, 100L));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("invalid int-or-percent value \"" + s + "\"", e);
    }
  }

  /**
   * NodeDaemon addition, Kruise-style filter in front of the algorithm: the desired nodes that are
   * not candidates for an update. The first {@code partition} desired nodes in node-name order are
   * held back, and so is every desired node the rollout selector does not match. Held-back nodes
   * still count towards the budget (an unavailable pod there is unavailable all the same).
   */
  static Set<String> nodesNotToUpdate(RollingUpdateNodeDaemon rollingUpdate, Map<String, Node> desiredNodes) {
    if (rollingUpdate == null || (rollingUpdate.getPartition() == null && rollingUpdate.getSelector() == null)) {
      return Set.of();
    }
    Set<String> frozen = new HashSet<>();
    int partition = partitionCount(rollingUpdate, desiredNodes.size());
    if (partition > 0) {
      List<String> names = new ArrayList<>(desiredNodes.keySet());
      names.sort(null);
      frozen.addAll(names.subList(0, partition));
    }
    if (rollingUpdate.getSelector() != null) {
      for (Map.Entry<String, Node> e : desiredNodes.entrySet()) {
        Node node = e.getValue();
        Map<String, String> labels = node == null || node.getMetadata() == null ? null : node.getMetadata().getLabels();
        if (!NodeLabelSelector.matches(rollingUpdate.getSelector(), labels)) {
          frozen.add(e.getKey());
        }
      }
    }
    return frozen;
  }

  /** At most one live pod of each kind on a node (upstream's findUpdatedPodsOnNode); ok false means more. */
  record UpdatedPodsOnNode(PodFacts newPod, PodFacts oldPod, boolean ok) {}

  /** Upstream's findUpdatedPodsOnNode: terminating pods are skipped; two of a kind is not ok. */
  static UpdatedPodsOnNode findUpdatedPodsOnNode(List<PodFacts> podsOnNode) {
    PodFacts newPod = null;
    PodFacts oldPod = null;
    for (PodFacts pod : podsOnNode) {
      if (pod.terminating()) {
        continue;
      }
      if (pod.updated()) {
        if (newPod != null) {
          return new UpdatedPodsOnNode(null, null, false);
        }
        newPod = pod;
      } else {
        if (oldPod != null) {
          return new UpdatedPodsOnNode(null, null, false);
        }
        oldPod = pod;
      }
    }
    return new UpdatedPodsOnNode(newPod, oldPod, true);
  }

  /** The state of one pass: the clock, and the earliest moment a ready pod turns available. */
  private static final class Pass {
    private final int minReadySeconds;
    private final Instant now;
    private Instant nextAvailable;
    private boolean sawOldPod;

    Pass(int minReadySeconds, Instant now) {
      this.minReadySeconds = minReadySeconds;
      this.now = now;
    }

    /** Availability at {@code now}; remembers when a ready-not-yet-available pod crosses minReadySeconds. */
    boolean isAvailable(PodFacts pod) {
      if (pod.available(minReadySeconds, now)) {
        return true;
      }
      Instant at = pod.availableAt(minReadySeconds);
      if (at != null && at.isAfter(now) && (nextAvailable == null || at.isBefore(nextAvailable))) {
        nextAvailable = at;
      }
      return false;
    }

    UpdatedPodsOnNode find(List<PodFacts> pods) {
      UpdatedPodsOnNode found = findUpdatedPodsOnNode(pods);
      sawOldPod |= found.oldPod() != null;
      return found;
    }

    /**
     * Requeue only while old pods remain: that is when a pod turning available can unlock more
     * of the rollout. Time alone changes nothing once every pod is updated.
     */
    Duration requeueAfter() {
      return sawOldPod && nextAvailable != null ? Duration.between(now, nextAvailable) : null;
    }

    RolloutPlan withoutSurge(Map<String, List<PodFacts>> nodeToDaemonPods, Budget budget, Set<String> frozen) {
      // When not surging, we delete just enough old pods to stay within maxUnavailable, and let
      // the manage loop create the new pods on the nodes left empty.
      //
      // Assumptions:
      // * The manage loop keeps at most one pod per node, creates the new pods and handles failed pods.
      // * Terminating pods are invisible here: a node whose only pod is terminating is unavailable.
      // Invariants:
      // * Every node without an available pod counts against maxUnavailable, including nodes with
      //   an old pod that is not available (the fix of kubernetes/kubernetes#123232), so a rollout
      //   of a broken template never takes down more than maxUnavailable healthy nodes.
      // * An old unavailable pod is deleted at once: it is already counted, deleting it costs nothing.
      // * An old available pod is deleted only while the remaining budget allows, in node-name order.
      // * NodeDaemon addition: nodes held back by partition or selector are counted, never touched.
      int numUnavailable = 0;
      List<Pod> allowedReplacementPods = new ArrayList<>();
      List<Pod> candidatePodsToDelete = new ArrayList<>();
      for (Map.Entry<String, List<PodFacts>> entry : nodeToDaemonPods.entrySet()) {
        UpdatedPodsOnNode pods = find(entry.getValue());
        if (!pods.ok()) {
          // Excess pods: the manage loop prunes them first; meanwhile the node counts as unavailable.
          numUnavailable++;
          continue;
        }
        PodFacts newPod = pods.newPod();
        PodFacts oldPod = pods.oldPod();
        if ((newPod == null) == (oldPod == null)) {
          // No pod, or one of each: the manage loop creates or deletes; count it as unavailable.
          numUnavailable++;
        } else if (newPod != null) {
          if (!isAvailable(newPod)) {
            numUnavailable++;
          }
        } else if (!isAvailable(oldPod)) {
          numUnavailable++;
          if (!frozen.contains(entry.getKey())) {
            allowedReplacementPods.add(oldPod.pod());
          }
        } else if (!frozen.contains(entry.getKey())) {
          candidatePodsToDelete.add(oldPod.pod());
        }
      }
      int remainingUnavailable = Math.max(0, budget.maxUnavailable() - numUnavailable);
      remainingUnavailable = Math.min(remainingUnavailable, candidatePodsToDelete.size());
      List<Pod> oldPodsToDelete = new ArrayList<>(allowedReplacementPods);
      oldPodsToDelete.addAll(candidatePodsToDelete.subList(0, remainingUnavailable));
      return new RolloutPlan(List.of(), oldPodsToDelete, requeueAfter());
    }

    RolloutPlan withSurge(
        Map<String, List<PodFacts>> nodeToDaemonPods, Map<String, Node> desiredNodes, Budget budget, Set<String> frozen) {
      // When surging, we create a new pod next to an old one and delete the old pod once the new
      // one is available.
      //
      // Assumptions:
      // * The manage loop allows two pods per node (one old, one new), creates a pod on nodes with
      //   none, and handles failed pods.
      // * Terminating pods are invisible here.
      // Invariants:
      // * A node with an unavailable old pod gets a new pod at once, outside the surge budget;
      //   an old pod that is not ready next to a new pod is deleted at once (upstream does this in
      //   its manage loop; doing it here keeps the surge rules in one place).
      // * An old available pod is deleted when the new pod on its node is available.
      // * No more than maxSurge nodes run a new pod that is not yet available next to an old one.
      // * A node that should no longer run the daemon (but may continue) loses its old pod only
      //   while more nodes are available than desired: surge promises no drop in availability.
      // * NodeDaemon addition: held-back nodes never start a surge; one already started finishes.
      List<Pod> oldPodsToDelete = new ArrayList<>();
      List<Pod> shouldNotRunPodsToDelete = new ArrayList<>();
      List<String> candidateNewNodes = new ArrayList<>();
      List<String> allowedNewNodes = new ArrayList<>();
      int numSurge = 0;
      int numAvailable = 0;
      for (Map.Entry<String, List<PodFacts>> entry : nodeToDaemonPods.entrySet()) {
        String nodeName = entry.getKey();
        UpdatedPodsOnNode pods = find(entry.getValue());
        if (!pods.ok()) {
          // Excess pods: the manage loop prunes them first; meanwhile the node counts as surging.
          numSurge++;
          continue;
        }
        PodFacts newPod = pods.newPod();
        PodFacts oldPod = pods.oldPod();
        boolean oldAvailable = oldPod != null && isAvailable(oldPod);
        boolean newAvailable = newPod != null && isAvailable(newPod);
        // Count availability on every node, even those being sunset by scheduling constraints.
        if (oldPod != null ? oldAvailable : newAvailable) {
          numAvailable++;
        }
        if (oldPod == null) {
          continue; // nothing to replace; the manage loop fills an empty node
        }
        boolean shouldRun = desiredNodes.containsKey(nodeName);
        if (newPod == null) {
          if (!shouldRun) {
            if (oldAvailable) {
              shouldNotRunPodsToDelete.add(oldPod.pod());
            } else {
              oldPodsToDelete.add(oldPod.pod());
            }
          } else if (frozen.contains(nodeName)) {
            continue;
          } else if (!oldAvailable) {
            allowedNewNodes.add(nodeName);
          } else {
            candidateNewNodes.add(nodeName);
          }
          continue;
        }
        // Already surged onto this node.
        if (newAvailable || !oldPod.ready()) {
          oldPodsToDelete.add(oldPod.pod());
        }
        if (!newAvailable) {
          numSurge++;
        }
      }

      int deletablePodsNumber = Math.min(numAvailable - budget.desiredNumberScheduled(), shouldNotRunPodsToDelete.size());
      if (deletablePodsNumber > 0) {
        oldPodsToDelete.addAll(shouldNotRunPodsToDelete.subList(0, deletablePodsNumber));
      }
      int remainingSurge = Math.max(0, budget.maxSurge() - numSurge);
      remainingSurge = Math.min(remainingSurge, candidateNewNodes.size());
      List<String> newNodesToCreate = new ArrayList<>(allowedNewNodes);
      newNodesToCreate.addAll(candidateNewNodes.subList(0, remainingSurge));
      return new RolloutPlan(newNodesToCreate, oldPodsToDelete, requeueAfter());
    }
  }
}
