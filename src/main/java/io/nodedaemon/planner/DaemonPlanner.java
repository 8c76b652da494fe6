package io.nodedaemon.planner;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.nodedaemon.api.ExcludedNodeGroup;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.planner.rollout.RolloutInput;
import io.nodedaemon.planner.rollout.RolloutPlan;
import io.nodedaemon.planner.rollout.RolloutPlanner;
import java.time.Duration;
import java.time.Instant;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * One planning pass for one NodeDaemon, pure: observed nodes and pods in, a {@link Plan} out. It
 * reads as upstream's updateDaemonSet without its writes: {@link #manage} (with {@link
 * #podsShouldBeOnNode} per node), then {@link RolloutPlanner#rollingUpdate} once manage's writes
 * are observed, with updateDaemonSetStatus's counters tallied on the way. The only state it touches
 * is the failed-pod backoff it is given. O(nodes + pods) plus a sort of the nodes.
 */
public final class DaemonPlanner {

  /** Upstream's BurstReplicas: at most this many creates, and as many deletes, per pass. */
  public static final int BURST_REPLICAS = 250;

  /** When a pass was capped, look again this soon rather than wait for an event. */
  static final Duration CAPPED_REQUEUE = Duration.ofSeconds(1);

  private final FailedPodBackoff backoff;
  private final int burstReplicas;

  public DaemonPlanner(FailedPodBackoff backoff, int burstReplicas) {
    this.backoff = backoff;
    this.burstReplicas = burstReplicas;
  }

  /**
   * Upstream's getNodesToDaemonPods, joined to the sorted nodes: {@code onNode[i]} holds the pods
   * bound or pinned to {@code sortedNodes[i]} (null when none), {@code onMissingNodes} those whose
   * node is not in the list. Terminal pods already being deleted are left out, as they no longer
   * count for anything. Pods on listed nodes are read into {@link PodFacts} here, the one time a
   * pass reads them; node names are hashed once into positions, so each pod costs one lookup.
   */
  record PodsByNode(List<PodFacts>[] onNode, Map<String, List<Pod>> onMissingNodes) {
    @SuppressWarnings("unchecked")
    static PodsByNode group(Node[] sortedNodes, Iterable<Pod> pods, String revision) {
      // Interned as a cached pod's revision is (CachedPod): each pod's comparison is then ==.
      String updateRevision = revision.intern();
      Map<String, Integer> position = new HashMap<>(capacityFor(sortedNodes.length));
      for (int i = 0; i < sortedNodes.length; i++) {
        position.put(sortedNodes[i].getMetadata().getName(), i);
      }
      List<PodFacts>[] onNode = new List[sortedNodes.length];
      Map<String, List<Pod>> onMissingNodes = new HashMap<>();
      for (Pod pod : pods) {
        if (PodStates.isTerminating(pod)
            && (PodStates.isFailed(pod) || PodStates.isSucceeded(pod))) {
          continue;
        }
        String node = DaemonPodFactory.targetNodeName(pod);
        if (node == null) {
          continue;
        }
        Integer i = position.get(node);
        if (i == null) {
          onMissingNodes.computeIfAbsent(node, k -> new ArrayList<>()).add(pod);
        } else {
          if (onNode[i] == null) {
            onNode[i] = new ArrayList<>(1);
          }
          onNode[i].add(PodFacts.of(pod, updateRevision));
        }
      }
      return new PodsByNode(onNode, onMissingNodes);
    }
  }

  /**
   * One node of a pass, visited in node-name order: its placement and the pods pinned to it (oldest
   * first). The rollout and the status walk this array instead of looking nodes up by name again.
   */
  record NodeState(Node node, String name, NodePlacement placement, List<PodFacts> pods) {}

  /**
   * What manage decided, and what it saw on the way: the node states for the rollout, the status
   * counters, and whether any node keeps a pod of an old revision.
   */
  static final class Manage {
    final List<String> nodesNeedingDaemonPods = new ArrayList<>();
    // Not a LinkedHashSet<Pod>: fabric8's Pod.hashCode/equals walk the whole object (spec, status,
    // every map), about 1 µs a pod; pods of one namespace are identified by name.
    final Set<Pod> podsToDelete = new PodsByName();
    final List<PlannedEvent> events = new ArrayList<>();
    final NodeState[] states;
    final StatusTally tally;
    final Set<String> pendingCreates;
    final Set<String> pendingDeletes;

    /** When a failed pod's backoff ends. */
    Instant backoffEnds;

    boolean oldPodsLeft;

    Manage(int nodes, StatusTally tally, InFlight inFlight) {
      this.states = new NodeState[nodes];
      this.tally = tally;
      this.pendingCreates = inFlight.nodesWithPendingCreate();
      this.pendingDeletes = inFlight.podsPendingDelete();
    }

    boolean isPendingDelete(Pod pod) {
      return !pendingDeletes.isEmpty() && pendingDeletes.contains(pod.getMetadata().getName());
    }

    /**
     * Like upstream's syncDaemonSet, the rollout waits until manage's writes have been observed.
     */
    boolean settled() {
      return nodesNeedingDaemonPods.isEmpty()
          && podsToDelete.isEmpty()
          && pendingCreates.isEmpty()
          && pendingDeletes.isEmpty();
    }
  }

  private static final Comparator<Node> BY_NAME =
      Comparator.comparing(n -> n.getMetadata().getName());

  /**
   * Upstream's updateDaemonSet, as a decision: manage, then (RollingUpdate, manage settled, an old
   * pod left) rollingUpdate; both capped at the burst size per pass.
   */
  public Plan updateDaemonSet(PlanInput in) {
    NodeDaemon daemon = in.daemon();
    Instant now = in.now();
    Manage manage = manage(in);
    Status status = manage.tally.status();
    Instant wakeUp = earliest(manage.backoffEnds, status.nextAvailable());

    List<String> needing = manage.nodesNeedingDaemonPods;
    Set<Pod> deletes = manage.podsToDelete;
    int targetUpdated = status.counts().desiredNumberScheduled();
    if (!RolloutPlanner.isOnDelete(daemon)) {
      targetUpdated = targetUpdated(daemon, manage.states);
      // With no old pod on any node the rollout has nothing to replace: skip its walk.
      if (manage.settled() && manage.oldPodsLeft) {
        RolloutPlan rollout =
            RolloutPlanner.rollingUpdate(
                new RolloutInput(
                    daemon,
                    continuing(manage.states),
                    desired(manage.states),
                    in.updateRevision(),
                    now));
        needing.addAll(rollout.nodesNeedingNewPods());
        deletes.addAll(rollout.oldPodsToDelete());
        if (rollout.requeueAfter() != null) {
          wakeUp = earliest(wakeUp, now.plus(rollout.requeueAfter()));
        }
      }
    }

    List<String> creates =
        needing.size() > burstReplicas ? needing.subList(0, burstReplicas) : needing;
    List<Pod> deleteList = new ArrayList<>(deletes);
    if (deleteList.size() > burstReplicas) {
      deleteList = deleteList.subList(0, burstReplicas);
    }
    Duration requeue =
        wakeUp == null
            ? null
            : Duration.between(now, wakeUp).isNegative()
                ? Duration.ZERO
                : Duration.between(now, wakeUp);
    if (needing.size() > burstReplicas || deletes.size() > burstReplicas) {
      requeue = requeue == null || requeue.compareTo(CAPPED_REQUEUE) > 0 ? CAPPED_REQUEUE : requeue;
    }
    return new Plan(
        List.copyOf(creates),
        List.copyOf(deleteList),
        List.copyOf(manage.events),
        status.counts(),
        targetUpdated,
        status.updatedAvailable(),
        requeue,
        status.excludedNodes());
  }

  /**
   * Upstream's manage: for every node in name order, placement ({@link
   * Placement#nodeShouldRunDaemonPod}) and {@link #podsShouldBeOnNode}; then the pods pinned to
   * nodes that no longer exist. The status counters are tallied in the same walk, while a node's
   * pods are still in the CPU cache.
   */
  Manage manage(PlanInput in) {
    NodeDaemon daemon = in.daemon();
    int minReadySeconds =
        daemon.getSpec().getMinReadySeconds() == null ? 0 : daemon.getSpec().getMinReadySeconds();
    Node[] sortedNodes = in.nodes().toArray(new Node[0]);
    Arrays.sort(sortedNodes, BY_NAME);
    PodsByNode podsByNode = PodsByNode.group(sortedNodes, in.pods(), in.updateRevision());
    Manage manage =
        new Manage(
            sortedNodes.length,
            new StatusTally(new Availability(minReadySeconds, in.now())),
            in.inFlight());
    boolean surge = RolloutPlanner.allowsSurge(daemon);

    for (int i = 0; i < sortedNodes.length; i++) {
      Node node = sortedNodes[i];
      NodePlacement placement = Placement.nodeShouldRunDaemonPod(node, daemon);
      List<PodFacts> daemonPods =
          podsByNode.onNode()[i] == null ? List.of() : podsByNode.onNode()[i];
      if (daemonPods.size() > 1) {
        daemonPods.sort(PodFacts.OLDEST_FIRST);
      }
      NodeState state = new NodeState(node, node.getMetadata().getName(), placement, daemonPods);
      manage.states[i] = state;
      manage.tally.add(state.name(), placement, daemonPods);
      manage.oldPodsLeft |= placement.shouldContinueRunning() && hasOldPod(daemonPods);
      podsShouldBeOnNode(daemon, state, surge, minReadySeconds, in.now(), manage);
    }
    // Upstream's getUnscheduledPodsWithoutNode: pinned to a node that no longer exists, never
    // bound.
    podsByNode
        .onMissingNodes()
        .forEach(
            (node, pods) -> {
              for (Pod pod : pods) {
                boolean unbound =
                    pod.getSpec().getNodeName() == null || pod.getSpec().getNodeName().isEmpty();
                if (unbound && !PodStates.isTerminating(pod) && !manage.isPendingDelete(pod)) {
                  manage.podsToDelete.add(pod);
                }
              }
            });
    return manage;
  }

  /**
   * Upstream's podsShouldBeOnNode: whether the node needs a daemon pod, and which of its pods go
   * (failed ones, with per-node backoff; succeeded ones; duplicates but the oldest, or with surge
   * the oldest of each revision; all of them where the daemon may not continue running). A pod we
   * just created counts as present even if the cache does not show it yet.
   */
  void podsShouldBeOnNode(
      NodeDaemon daemon,
      NodeState node,
      boolean surge,
      int minReadySeconds,
      Instant now,
      Manage out) {
    NodePlacement placement = node.placement();
    List<PodFacts> daemonPods = node.pods();
    boolean exists = !daemonPods.isEmpty() || out.pendingCreates.contains(node.name());
    if (needsDaemonPod(placement, exists)) {
      out.nodesNeedingDaemonPods.add(node.name());
    } else if (placement.shouldContinueRunning()) {
      // Duplicates need two pods: the usual node has one and gets no list.
      List<PodFacts> running = daemonPods.size() > 1 ? new ArrayList<>(daemonPods.size()) : null;
      for (PodFacts facts : daemonPods) {
        Pod pod = facts.pod();
        // Terminating pods, and pods we already asked to delete, are on their way out.
        if (facts.terminating() || out.isPendingDelete(pod)) {
          continue;
        }
        if (facts.failed()) {
          // Upstream fights kubelets that reject pods here: back off per node, do not hot-loop.
          String key = FailedPodBackoff.key(daemon.getMetadata().getUid(), node.name());
          Instant until = backoff.inBackoffUntil(key, now);
          if (until != null) {
            out.backoffEnds = earliest(out.backoffEnds, until);
            continue;
          }
          backoff.next(key, now);
          out.events.add(
              PlannedEvent.warning(
                  PlannedEvent.FAILED_DAEMON_POD,
                  String.format(
                      "Found failed daemon pod %s/%s on node %s, will try to kill it",
                      pod.getMetadata().getNamespace(), pod.getMetadata().getName(), node.name())));
          out.podsToDelete.add(pod);
        } else if (facts.succeeded()) {
          out.podsToDelete.add(
              pod); // a daemon pod must not exit; the next pass creates its replacement
        } else if (running != null) {
          running.add(facts);
        }
      }
      if (running != null) {
        keepOldest(running, surge, minReadySeconds, now, out.podsToDelete);
      }
    } else if (!daemonPods.isEmpty()) {
      for (PodFacts facts : daemonPods) {
        if (!facts.terminating() && !out.isPendingDelete(facts.pod())) {
          out.podsToDelete.add(facts.pod());
        }
      }
    }
  }

  /** Upstream's first case of podsShouldBeOnNode: the daemon should run here and has no pod. */
  private static boolean needsDaemonPod(NodePlacement placement, boolean exists) {
    return placement.shouldRun() && !exists;
  }

  /**
   * Manage's creates for nodes that just joined, read from those nodes alone: a node needs a pod
   * where the daemon should run and {@code hasPod} says none is there (pinned to it, or in flight).
   * A pass of a converged NodeDaemon asks this before its full walk, which then finds the creates
   * in flight; whatever else a joined node brings (status, an excluded-node group) is the walk's.
   */
  public static List<String> joinedNodesNeedingDaemonPods(
      NodeDaemon daemon, List<Node> joined, Predicate<String> hasPod) {
    List<String> needing = new ArrayList<>();
    for (Node node : joined) {
      String name = node.getMetadata().getName();
      if (needsDaemonPod(Placement.nodeShouldRunDaemonPod(node, daemon), hasPod.test(name))) {
        needing.add(name);
      }
    }
    return needing;
  }

  /**
   * A live pod of another revision than the update revision: something for the rollout to replace.
   */
  private static boolean hasOldPod(List<PodFacts> pods) {
    for (PodFacts facts : pods) {
      if (!facts.terminating() && !facts.updated()) {
        return true;
      }
    }
    return false;
  }

  /**
   * More than one running pod on a node: without surge keep the oldest; with surge keep the oldest
   * pod of the update revision and the oldest old one, and drop the old one once it is not ready or
   * the new one is available (upstream's podsShouldBeOnNode).
   */
  private static void keepOldest(
      List<PodFacts> running, boolean surge, int minReadySeconds, Instant now, Set<Pod> deletes) {
    if (running.size() <= 1) {
      return;
    }
    if (!surge) {
      for (PodFacts extra : running.subList(1, running.size())) {
        deletes.add(extra.pod());
      }
      return;
    }
    PodFacts oldestNew = null;
    PodFacts oldestOld = null;
    for (PodFacts facts : running) {
      if (facts.updated()) {
        if (oldestNew == null) {
          oldestNew = facts;
          continue;
        }
      } else if (oldestOld == null) {
        oldestOld = facts;
        continue;
      }
      deletes.add(facts.pod());
    }
    if (oldestNew != null
        && oldestOld != null
        && RolloutPlanner.oldPodReplaced(oldestOld, oldestNew.available(minReadySeconds, now))) {
      deletes.add(oldestOld.pod());
    }
  }

  /**
   * The status figures of one pass (upstream's updateDaemonSetStatus), from the oldest pod per
   * node.
   */
  record Status(
      DaemonCounts counts,
      int updatedAvailable,
      Instant nextAvailable,
      List<ExcludedNodeGroup> excludedNodes) {}

  /** Tallies the status figures node by node, fed from the manage walk. */
  static final class StatusTally {
    private final Availability availability;
    private int desired, current, misscheduled, ready, updated, available, updatedAvailable;
    private final ExcludedNodeTally excluded = new ExcludedNodeTally();

    StatusTally(Availability availability) {
      this.availability = availability;
    }

    void add(String nodeName, NodePlacement placement, List<PodFacts> podsOldestFirst) {
      if (placement.excludes(!podsOldestFirst.isEmpty())) {
        excluded.add(nodeName, placement.exclusion());
      }
      if (!placement.shouldRun()) {
        if (!podsOldestFirst.isEmpty()) {
          misscheduled++;
        }
        return;
      }
      desired++;
      if (podsOldestFirst.isEmpty()) {
        return;
      }
      current++;
      PodFacts oldest = podsOldestFirst.get(0);
      boolean isAvailable = false;
      if (oldest.ready()) {
        ready++;
        isAvailable = availability.isAvailable(oldest);
        if (isAvailable) {
          available++;
        }
      }
      if (oldest.updated()) {
        updated++;
        if (isAvailable) {
          updatedAvailable++;
        }
      }
    }

    Status status() {
      return new Status(
          new DaemonCounts(
              desired, current, misscheduled, ready, updated, available, desired - available),
          updatedAvailable,
          availability.next(),
          excluded.groups());
    }
  }

  /**
   * NodeDaemon addition: desired nodes the rollout may update (not held back by partition or
   * selector).
   */
  static int targetUpdated(NodeDaemon daemon, NodeState[] states) {
    int desired = 0;
    for (NodeState state : states) {
      if (state.placement().shouldRun()) {
        desired++;
      }
    }
    RolloutPlanner.HeldBack heldBack =
        RolloutPlanner.HeldBack.of(RolloutPlanner.rollingUpdateOf(daemon), desired);
    if (heldBack == RolloutPlanner.HeldBack.NONE) {
      return desired;
    }
    int position = 0;
    int target = 0;
    for (NodeState state : states) {
      if (state.placement().shouldRun() && !heldBack.isHeldBack(position++, state.node())) {
        target++;
      }
    }
    return target;
  }

  /**
   * The rollout's view, in node-name order: pods on nodes where they may continue running, and an
   * empty list for every desired node without pods (shouldRun implies shouldContinueRunning).
   */
  private static Map<String, List<PodFacts>> continuing(NodeState[] states) {
    Map<String, List<PodFacts>> out = new LinkedHashMap<>(capacityFor(states.length));
    for (NodeState state : states) {
      if (state.placement().shouldContinueRunning()
          && (!state.pods().isEmpty() || state.placement().shouldRun())) {
        out.put(state.name(), state.pods());
      }
    }
    return out;
  }

  private static Map<String, Node> desired(NodeState[] states) {
    Map<String, Node> out = new LinkedHashMap<>(capacityFor(states.length));
    for (NodeState state : states) {
      if (state.placement().shouldRun()) {
        out.put(state.name(), state.node());
      }
    }
    return out;
  }

  private static int capacityFor(int entries) {
    return (int) (entries / 0.75f) + 1;
  }

  /**
   * An insertion-ordered set of pods of one namespace, keyed by name (see {@link
   * Manage#podsToDelete}).
   */
  static final class PodsByName extends AbstractSet<Pod> {
    private final Map<String, Pod> byName = new LinkedHashMap<>();

    @Override
    public boolean add(Pod pod) {
      return byName.putIfAbsent(pod.getMetadata().getName(), pod) == null;
    }

    @Override
    public boolean contains(Object o) {
      return o instanceof Pod p && byName.containsKey(p.getMetadata().getName());
    }

    @Override
    public Iterator<Pod> iterator() {
      return byName.values().iterator();
    }

    @Override
    public int size() {
      return byName.size();
    }
  }

  /** The earlier of two times or delays, either of which may be null (never). */
  public static <T extends Comparable<? super T>> T earliest(T a, T b) {
    if (a == null) {
      return b;
    }
    return b == null || a.compareTo(b) <= 0 ? a : b;
  }
}
