package io.nodedaemon.planner.rollout;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonUpdateStrategy;
import io.nodedaemon.api.RollingUpdateNodeDaemon;
import io.nodedaemon.planner.Availability;
import io.nodedaemon.planner.LabelSelectors;
import io.nodedaemon.planner.PodFacts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Upstream's rollingUpdate (pkg/controller/daemon/update.go) as a pure function: which old pods to
 * delete and which nodes get a surge pod, within maxUnavailable / maxSurge. NodeDaemon's partition
 * and rollout selector are a filter in front of the unchanged algorithm ({@link
 * #filterDaemonPodsToUpdate}, as Kruise's), pause a check before it.
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

  /** OnDelete: pods are replaced only when someone deletes them; manage creates the new ones. */
  public static boolean isOnDelete(NodeDaemon daemon) {
    NodeDaemonUpdateStrategy strategy = daemon.getSpec().getUpdateStrategy();
    return strategy != null && strategy.getType() == NodeDaemonUpdateStrategy.Type.OnDelete;
  }

  /**
   * spec.updateStrategy.rollingUpdate, or null when absent (every field then takes its default).
   */
  public static RollingUpdateNodeDaemon rollingUpdateOf(NodeDaemon daemon) {
    NodeDaemonUpdateStrategy strategy = daemon.getSpec().getUpdateStrategy();
    return strategy == null ? null : strategy.getRollingUpdate();
  }

  /** NodeDaemon addition (as Kruise): spec.updateStrategy.rollingUpdate.paused. */
  public static boolean isPaused(NodeDaemon daemon) {
    RollingUpdateNodeDaemon rollingUpdate = rollingUpdateOf(daemon);
    return rollingUpdate != null && Boolean.TRUE.equals(rollingUpdate.getPaused());
  }

  /**
   * Whether two pods of one NodeDaemon may share a node during an update (a rolling update with
   * maxSurge).
   */
  public static boolean allowsSurge(NodeDaemon daemon) {
    return !isOnDelete(daemon) && surgeCount(rollingUpdateOf(daemon), 1) > 0;
  }

  /**
   * The surge rule for a node running an old and a new pod: the old one goes once the new one is
   * available, or at once when the old one is not ready (nothing is lost by deleting it). Upstream
   * applies it both in podsShouldBeOnNode and in rollingUpdate; here both call this.
   */
  public static boolean oldPodReplaced(PodFacts oldPod, boolean newPodAvailable) {
    return newPodAvailable || !oldPod.ready();
  }

  /**
   * Plans one rolling-update pass.
   *
   * @throws IllegalArgumentException when an int-or-percent field or the rollout selector is
   *     invalid (the schema normally refuses these; the shell reports them as InvalidSpec)
   */
  public static RolloutPlan rollingUpdate(RolloutInput input) {
    if (isOnDelete(input.daemon()) || isPaused(input.daemon())) {
      // A paused rollout replaces nothing; manage still fills new nodes.
      return RolloutPlan.NONE;
    }
    RollingUpdateNodeDaemon rollingUpdate = rollingUpdateOf(input.daemon());
    Integer minReady = input.daemon().getSpec().getMinReadySeconds();

    // Sorted by node name: the deterministic order every candidate list below inherits.
    Map<String, List<PodFacts>> nodeToDaemonPods =
        inNodeNameOrder(input.nodeToDaemonPods(), input.desiredNodes());
    Budget budget = updatedDesiredNodeCounts(rollingUpdate, input.desiredNodes(), nodeToDaemonPods);
    boolean heldBackOldPods =
        filterDaemonPodsToUpdate(rollingUpdate, input.desiredNodes(), nodeToDaemonPods);
    Pass pass =
        new Pass(new Availability(minReady == null ? 0 : minReady, input.now()), heldBackOldPods);

    if (budget.maxSurge() == 0) {
      return pass.withoutSurge(nodeToDaemonPods, budget);
    }
    return pass.withSurge(nodeToDaemonPods, input.desiredNodes(), budget);
  }

  /**
   * The pods by node in node-name order, with every desired node present. The planner already
   * builds its map that way (and then it is used as is); any other map is copied into a TreeMap.
   */
  static Map<String, List<PodFacts>> inNodeNameOrder(
      Map<String, List<PodFacts>> nodeToDaemonPods, Map<String, Node> desiredNodes) {
    if (nodeToDaemonPods instanceof LinkedHashMap
        && ascending(nodeToDaemonPods.keySet())
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
      RollingUpdateNodeDaemon rollingUpdate,
      Map<String, Node> desiredNodes,
      Map<String, List<PodFacts>> nodeToDaemonPods) {
    int desiredNumberScheduled = desiredNodes.size();
    for (String nodeName : desiredNodes.keySet()) {
      nodeToDaemonPods.putIfAbsent(nodeName, List.of());
    }
    int maxUnavailable = unavailableCount(rollingUpdate, desiredNumberScheduled);
    int maxSurge = surgeCount(rollingUpdate, desiredNumberScheduled);
    // As upstream: an impossible 0/0 configuration (refused by the schema) falls back to
    // unavailability 1.
    if (desiredNumberScheduled > 0 && maxUnavailable == 0 && maxSurge == 0) {
      maxUnavailable = 1;
    }
    return new Budget(maxSurge, maxUnavailable, desiredNumberScheduled);
  }

  /**
   * maxUnavailable scaled against desired nodes, rounded up; absent means 1, as apps/v1 defaults
   * it.
   */
  public static int unavailableCount(
      RollingUpdateNodeDaemon rollingUpdate, int desiredNumberScheduled) {
    IntOrString value =
        rollingUpdate == null || rollingUpdate.getMaxUnavailable() == null
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
  public static int partitionCount(
      RollingUpdateNodeDaemon rollingUpdate, int desiredNumberScheduled) {
    if (rollingUpdate == null || rollingUpdate.getPartition() == null) {
      return 0;
    }
    return Math.min(
        desiredNumberScheduled,
        scaledValue(rollingUpdate.getPartition(), desiredNumberScheduled, true));
  }

  /**
   * Upstream's intstr.GetScaledValueFromIntOrPercent: an int as is, or "N%" of total rounded up (or
   * down). A plain numeric string is read as an int, which the API server would also accept.
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
   * NodeDaemon addition (Kruise's partition and rollout selector): which desired nodes the rollout
   * may not update. The first {@code partition} desired nodes in node-name order are held back, and
   * so is every desired node the rollout selector does not match (no selector: none).
   */
  public record HeldBack(int partition, LabelSelector selector) {
    public static final HeldBack NONE = new HeldBack(0, null);

    /**
     * @throws IllegalArgumentException on an invalid partition or a selector operator upstream
     *     would refuse, so that an invalid spec is reported rather than silently matching nothing
     */
    public static HeldBack of(RollingUpdateNodeDaemon rollingUpdate, int desiredNumberScheduled) {
      if (rollingUpdate == null
          || (rollingUpdate.getPartition() == null && rollingUpdate.getSelector() == null)) {
        return NONE;
      }
      if (!LabelSelectors.hasKnownOperators(rollingUpdate.getSelector())) {
        throw new IllegalArgumentException(
            "rollingUpdate.selector: unknown operator in " + rollingUpdate.getSelector());
      }
      return new HeldBack(
          partitionCount(rollingUpdate, desiredNumberScheduled), rollingUpdate.getSelector());
    }

    /**
     * @param position the node's place among the desired nodes in node-name order, from 0
     */
    public boolean isHeldBack(int position, Node node) {
      if (position < partition) {
        return true;
      }
      Map<String, String> labels =
          node == null || node.getMetadata() == null ? null : node.getMetadata().getLabels();
      return selector != null && !LabelSelectors.matches(selector, labels);
    }

    boolean holdsAny() {
      return partition > 0 || selector != null;
    }
  }

  /**
   * NodeDaemon addition in front of the algorithm, as Kruise's filterDaemonPodsToUpdate: a
   * held-back node whose live pods are all old is shown to the algorithm with those pods counted as
   * updated, since the old revision is that node's target. So the algorithm never starts replacing
   * there, and still counts the node towards the budget (an unavailable pod is unavailable all the
   * same); a node with a live updated pod is left as it is, so a surge already started finishes.
   *
   * @return whether a held-back node keeps exactly one live old pod (the rollout then still has old
   *     pods and looks again when a pod turns available, as it did before the filter existed)
   */
  static boolean filterDaemonPodsToUpdate(
      RollingUpdateNodeDaemon rollingUpdate,
      Map<String, Node> desiredNodes,
      Map<String, List<PodFacts>> nodeToDaemonPods) {
    HeldBack heldBack = HeldBack.of(rollingUpdate, desiredNodes.size());
    if (!heldBack.holdsAny()) {
      return false;
    }
    List<String> names = new ArrayList<>(desiredNodes.keySet());
    names.sort(null);
    boolean heldBackOldPods = false;
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      List<PodFacts> pods = nodeToDaemonPods.get(name);
      if (pods == null
          || pods.isEmpty()
          || !heldBack.isHeldBack(i, desiredNodes.get(name))
          || hasLiveUpdatedPod(pods)) {
        continue;
      }
      UpdatedPodsOnNode found = findUpdatedPodsOnNode(pods);
      heldBackOldPods |= found.ok() && found.oldPod() != null;
      List<PodFacts> asTarget = new ArrayList<>(pods.size());
      for (PodFacts pod : pods) {
        asTarget.add(pod.asUpdated());
      }
      nodeToDaemonPods.put(name, asTarget);
    }
    return heldBackOldPods;
  }

  private static boolean hasLiveUpdatedPod(List<PodFacts> pods) {
    for (PodFacts pod : pods) {
      if (!pod.terminating() && pod.updated()) {
        return true;
      }
    }
    return false;
  }

  /**
   * At most one live pod of each kind on a node (upstream's findUpdatedPodsOnNode); ok false means
   * more.
   */
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

  /** The state of one pass: availability at its instant, and whether an old pod was seen. */
  private static final class Pass {
    private final Availability availability;
    private boolean sawOldPod;

    Pass(Availability availability, boolean heldBackOldPods) {
      this.availability = availability;
      this.sawOldPod = heldBackOldPods;
    }

    boolean isAvailable(PodFacts pod) {
      return availability.isAvailable(pod);
    }

    UpdatedPodsOnNode find(List<PodFacts> pods) {
      UpdatedPodsOnNode found = findUpdatedPodsOnNode(pods);
      sawOldPod |= found.oldPod() != null;
      return found;
    }

    /**
     * Requeue only while old pods remain: that is when a pod turning available can unlock more of
     * the rollout. Time alone changes nothing once every pod is updated.
     */
    Duration requeueAfter() {
      return sawOldPod && availability.next() != null
          ? Duration.between(availability.now(), availability.next())
          : null;
    }

    RolloutPlan withoutSurge(Map<String, List<PodFacts>> nodeToDaemonPods, Budget budget) {
      // When not surging, we delete just enough old pods to stay within maxUnavailable, and let
      // the manage loop create the new pods on the nodes left empty.
      //
      // Assumptions:
      // * The manage loop keeps at most one pod per node, creates the new pods and handles failed
      // pods.
      // * Terminating pods are invisible here: a node whose only pod is terminating is unavailable.
      // Invariants:
      // * Every node without an available pod counts against maxUnavailable, including nodes with
      //   an old pod that is not available (the fix of kubernetes/kubernetes#123232), so a rollout
      //   of a broken template never takes down more than maxUnavailable healthy nodes.
      // * An old unavailable pod is deleted at once: it is already counted, deleting it costs
      // nothing.
      // * An old available pod is deleted only while the remaining budget allows, in node-name
      // order.
      // * NodeDaemon addition: nodes held back by partition or selector show their old pods as
      //   updated (filterDaemonPodsToUpdate), so they are counted and never touched.
      int numUnavailable = 0;
      List<Pod> allowedReplacementPods = new ArrayList<>();
      List<Pod> candidatePodsToDelete = new ArrayList<>();
      for (Map.Entry<String, List<PodFacts>> entry : nodeToDaemonPods.entrySet()) {
        UpdatedPodsOnNode pods = find(entry.getValue());
        if (!pods.ok()) {
          // Excess pods: the manage loop prunes them first; meanwhile the node counts as
          // unavailable.
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
          allowedReplacementPods.add(oldPod.pod());
        } else {
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
        Map<String, List<PodFacts>> nodeToDaemonPods,
        Map<String, Node> desiredNodes,
        Budget budget) {
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
      // * NodeDaemon addition: held-back nodes never start a surge (their old pods show as
      //   updated); one already started finishes.
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
          } else if (!oldAvailable) {
            allowedNewNodes.add(nodeName);
          } else {
            candidateNewNodes.add(nodeName);
          }
          continue;
        }
        // Already surged onto this node.
        if (oldPodReplaced(oldPod, newAvailable)) {
          oldPodsToDelete.add(oldPod.pod());
        }
        if (!newAvailable) {
          numSurge++;
        }
      }

      int deletablePodsNumber =
          Math.min(numAvailable - budget.desiredNumberScheduled(), shouldNotRunPodsToDelete.size());
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
