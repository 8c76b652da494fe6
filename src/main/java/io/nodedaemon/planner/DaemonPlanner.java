package io.nodedaemon.planner;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.nodedaemon.api.ExcludedNodeGroup;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonUpdateStrategy;
import io.nodedaemon.api.RollingUpdateNodeDaemon;
import io.nodedaemon.planner.rollout.RolloutInput;
import io.nodedaemon.planner.rollout.RolloutPlan;
import io.nodedaemon.planner.rollout.RolloutPlanner;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One planning pass for one NodeDaemon (upstream's manage + podsShouldBeOnNode + rollingUpdate +
 * updateDaemonSetStatus), pure: observed nodes and pods in, a {@link Plan} out. The only state it
 * touches is the failed-pod backoff it is given. O(nodes + pods) plus a sort of the nodes.
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

  public DaemonPlanner(FailedPodBackoff backoff) {
    this(backoff, BURST_REPLICAS);
  }

  /**
   * Upstream's getNodesToDaemonPods, joined to the sorted nodes: {@code onNode[i]} holds the pods
   * bound or pinned to {@code sortedNodes[i]} (null when none), {@code onMissingNodes} those whose
   * node is not in the list. Terminal pods already being deleted are left out, as they no longer
   * count for anything. Pods on listed nodes are read into {@link PodFacts} right here, the one
   * time a pass reads them. The node names are hashed once into positions, so each pod costs one
   * lookup against keys already in cache (the sort just read them) instead of an insert into and a
   * later lookup from a map of 20,000 cold entries.
   */
  record PodsByNode(List<PodFacts>[] onNode, Map<String, List<Pod>> onMissingNodes) {
    @SuppressWarnings("unchecked")
    static PodsByNode group(Node[] sortedNodes, Iterable<Pod> pods, String updateRevision) {
      Map<String, Integer> position = new HashMap<>(capacityFor(sortedNodes.length));
      for (int i = 0; i < sortedNodes.length; i++) {
        position.put(sortedNodes[i].getMetadata().getName(), i);
      }
      List<PodFacts>[] onNode = new List[sortedNodes.length];
      Map<String, List<Pod>> onMissingNodes = new HashMap<>();
      for (Pod pod : pods) {
        if (PodStates.isTerminating(pod) && (PodStates.isFailed(pod) || PodStates.isSucceeded(pod))) {
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
   * One node of a pass, visited in node-name order: its placement and the pods pinned to it
   * (oldest first). Every later step walks this array instead of looking nodes up by name again:
   * at 20,000 nodes those hash lookups, each a cache miss, were most of a pass.
   */
  record NodeState(Node node, String name, NodePlacement placement, List<PodFacts> pods) {}

  private static final Comparator<Node> BY_NAME = Comparator.comparing(n -> n.getMetadata().getName());

  public Plan plan(PlanInput in) {
    NodeDaemon daemon = in.daemon();
    Instant now = in.now();
    int minReadySeconds = daemon.getSpec().getMinReadySeconds() == null ? 0 : daemon.getSpec().getMinReadySeconds();
    Node[] sortedNodes = in.nodes().toArray(new Node[0]);
    Arrays.sort(sortedNodes, BY_NAME);
    PodsByNode podsByNode = PodsByNode.group(sortedNodes, in.pods(), in.updateRevision());
    Set<String> pendingDeletes = in.inFlight().podsPendingDelete();
    Set<String> pendingCreates = in.inFlight().nodesWithPendingCreate();
    boolean surge = allowsSurge(daemon);

    List<String> needing = new ArrayList<>();
    // Not a LinkedHashSet<Pod>: fabric8's Pod.hashCode/equals walk the whole object (spec, status,
    // every map), which cost ~1 µs a pod; pods of one namespace are identified by name.
    Set<Pod> deletes = new PodsByName();
    List<PlannedEvent> events = new ArrayList<>();
    Instant wakeUp = null;
    NodeState[] states = new NodeState[sortedNodes.length];
    StatusTally tally = new StatusTally(minReadySeconds, now);
    boolean oldPodsLeft = false;

    for (int i = 0; i < sortedNodes.length; i++) {
      Node node = sortedNodes[i];
      String name = node.getMetadata().getName();
      NodePlacement placement = Placement.nodeShouldRunDaemonPod(node, daemon);
      List<PodFacts> daemonPods = podsByNode.onNode()[i] == null ? List.of() : podsByNode.onNode()[i];
      if (daemonPods.size() > 1) {
        daemonPods.sort(PodFacts.OLDEST_FIRST);
      }
      states[i] = new NodeState(node, name, placement, daemonPods);
      tally.add(name, placement, daemonPods);
      oldPodsLeft |= placement.shouldContinueRunning() && hasOldPod(daemonPods);
      // A pod we just created counts as present even if the cache does not show it yet.
      boolean exists = !daemonPods.isEmpty() || pendingCreates.contains(name);

      if (placement.shouldRun() && !exists) {
        needing.add(name);
      } else if (placement.shouldContinueRunning()) {
        // Duplicates need two pods: the usual node has one and gets no list (20,000 lists a pass saved).
        List<PodFacts> running = daemonPods.size() > 1 ? new ArrayList<>(daemonPods.size()) : null;
        for (PodFacts facts : daemonPods) {
          Pod pod = facts.pod();
          // Terminating pods, and pods we already asked to delete, are on their way out.
          if (facts.terminating() || isPendingDelete(pendingDeletes, pod)) {
            continue;
          }
          if (facts.failed()) {
            // Upstream fights kubelets that reject pods here: back off per node, do not hot-loop.
            String key = FailedPodBackoff.key(daemon.getMetadata().getUid(), name);
            Instant until = backoff.inBackoffUntil(key, now);
            if (until != null) {
              wakeUp = earliest(wakeUp, until);
              continue;
            }
            backoff.next(key, now);
            events.add(PlannedEvent.warning("FailedDaemonPod", String.format(
                "Found failed daemon pod %s/%s on node %s, will try to kill it",
                pod.getMetadata().getNamespace(), pod.getMetadata().getName(), name)));
            deletes.add(pod);
          } else if (facts.succeeded()) {
            deletes.add(pod); // a daemon pod must not exit; the next pass creates its replacement
          } else if (running != null) {
            running.add(facts);
          }
        }
        if (running != null) {
          keepOldest(running, surge, minReadySeconds, now, deletes);
        }
      } else if (!placement.shouldContinueRunning() && !daemonPods.isEmpty()) {
        for (PodFacts facts : daemonPods) {
          if (!facts.terminating() && !isPendingDelete(pendingDeletes, facts.pod())) {
            deletes.add(facts.pod());
          }
        }
      }
    }
    // Upstream's getUnscheduledPodsWithoutNode: pinned to a node that no longer exists, never bound.
    podsByNode.onMissingNodes().forEach((node, pods) -> {
      for (Pod pod : pods) {
        boolean unbound = pod.getSpec().getNodeName() == null || pod.getSpec().getNodeName().isEmpty();
        if (unbound && !PodStates.isTerminating(pod) && !isPendingDelete(pendingDeletes, pod)) {
          deletes.add(pod);
        }
      }
    });

    Status status = tally.status();
    wakeUp = earliest(wakeUp, status.nextAvailable());

    // Like upstream's syncDaemonSet, the rollout waits until manage's writes have been observed.
    boolean settled = needing.isEmpty() && deletes.isEmpty() && pendingCreates.isEmpty() && pendingDeletes.isEmpty();
    int targetUpdated = status.counts().desiredNumberScheduled();
    if (daemon.getSpec().getUpdateStrategy() == null
        || daemon.getSpec().getUpdateStrategy().getType() != NodeDaemonUpdateStrategy.Type.OnDelete) {
      targetUpdated = targetUpdated(daemon, states);
      // With no old pod on any node the rollout has nothing to replace: skip its walk.
      if (settled && oldPodsLeft) {
        RolloutPlan rollout = RolloutPlanner.rollingUpdate(new RolloutInput(daemon,
            continuing(states), desired(states), in.updateRevision(), now));
        needing.addAll(rollout.nodesNeedingNewPods());
        deletes.addAll(rollout.oldPodsToDelete());
        if (rollout.requeueAfter() != null) {
          wakeUp = earliest(wakeUp, now.plus(rollout.requeueAfter()));
        }
      }
    }

    List<String> creates = needing.size() > burstReplicas ? needing.subList(0, burstReplicas) : needing;
    List<Pod> deleteList = new ArrayList<>(deletes);
    if (deleteList.size() > burstReplicas) {
      deleteList = deleteList.subList(0, burstReplicas);
    }
    Duration requeue = wakeUp == null ? null : Duration.between(now, wakeUp).isNegative() ? Duration.ZERO : Duration.between(now, wakeUp);
    if (needing.size() > burstReplicas || deletes.size() > burstReplicas) {
      requeue = requeue == null || requeue.compareTo(CAPPED_REQUEUE) > 0 ? CAPPED_REQUEUE : requeue;
    }
    return new Plan(List.copyOf(creates), List.copyOf(deleteList), List.copyOf(events), status.counts(),
        targetUpdated, status.updatedAvailable(), requeue, status.excludedNodes());
  }

  /** A live pod of another revision than the update revision: something for the rollout to replace. */
  private static boolean hasOldPod(List<PodFacts> pods) {
    for (PodFacts facts : pods) {
      if (!facts.terminating() && !facts.updated()) {
        return true;
      }
    }
    return false;
  }

  private static boolean isPendingDelete(Set<String> pendingDeletes, Pod pod) {
    return !pendingDeletes.isEmpty() && pendingDeletes.contains(pod.getMetadata().getName());
  }


  /**
   * More than one running pod on a node: without surge keep the oldest; with surge keep the oldest
   * pod of the update revision and the oldest old one, and drop the old one once it is not ready
   * or the new one is available (upstream's podsShouldBeOnNode).
   */
  private static void keepOldest(List<PodFacts> running, boolean surge, int minReadySeconds, Instant now, Set<Pod> deletes) {
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
    if (oldestNew != null && oldestOld != null && (!oldestOld.ready() || oldestNew.available(minReadySeconds, now))) {
      deletes.add(oldestOld.pod());
    }
  }

  /** The status figures of one pass (upstream's updateDaemonSetStatus), from the oldest pod per node. */
  record Status(DaemonCounts counts, int updatedAvailable, Instant nextAvailable, List<ExcludedNodeGroup> excludedNodes) {}

  /**
   * Tallies the status figures node by node, fed from the manage walk while the node's pods are
   * still in the CPU cache (a separate walk over 20,000 pods costs a cache miss per field read).
   */
  static final class StatusTally {
    private final int minReadySeconds;
    private final Instant now;
    private int desired, current, misscheduled, ready, updated, available, updatedAvailable;
    private Instant nextAvailable;
    private final ExcludedNodeTally excluded = new ExcludedNodeTally();

    StatusTally(int minReadySeconds, Instant now) {
      this.minReadySeconds = minReadySeconds;
      this.now = now;
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
        isAvailable = oldest.available(minReadySeconds, now);
        if (isAvailable) {
          available++;
        } else {
          nextAvailable = earliest(nextAvailable, oldest.availableAt(minReadySeconds));
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
      return new Status(new DaemonCounts(desired, current, misscheduled, ready, updated, available, desired - available),
          updatedAvailable, nextAvailable, excluded.groups());
    }
  }

  /** NodeDaemon addition: desired nodes the rollout may update (past the partition, matching the selector). */
  static int targetUpdated(NodeDaemon daemon, NodeState[] states) {
    RollingUpdateNodeDaemon ru = daemon.getSpec().getUpdateStrategy() == null ? null : daemon.getSpec().getUpdateStrategy().getRollingUpdate();
    List<NodeState> desired = new ArrayList<>(states.length);
    for (NodeState state : states) {
      if (state.placement().shouldRun()) {
        desired.add(state);
      }
    }
    if (ru == null) {
      return desired.size();
    }
    int partition = RolloutPlanner.partitionCount(ru, desired.size());
    int target = 0;
    for (int i = partition; i < desired.size(); i++) {
      if (ru.getSelector() == null || LabelSelectors.matches(ru.getSelector(), desired.get(i).node().getMetadata().getLabels())) {
        target++;
      }
    }
    return target;
  }

  static boolean allowsSurge(NodeDaemon daemon) {
    var strategy = daemon.getSpec().getUpdateStrategy();
    if (strategy != null && strategy.getType() == NodeDaemonUpdateStrategy.Type.OnDelete) {
      return false;
    }
    return RolloutPlanner.surgeCount(strategy == null ? null : strategy.getRollingUpdate(), 1) > 0;
  }

  /**
   * The rollout's view, in node-name order: pods on nodes where they may continue running, and an
   * empty list for every desired node without pods (shouldRun implies shouldContinueRunning).
   */
  private static Map<String, List<PodFacts>> continuing(NodeState[] states) {
    Map<String, List<PodFacts>> out = new LinkedHashMap<>(capacityFor(states.length));
    for (NodeState state : states) {
      if (state.placement().shouldContinueRunning() && (!state.pods().isEmpty() || state.placement().shouldRun())) {
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

  /** An insertion-ordered set of pods of one namespace, keyed by name (see the delete set in {@link #plan}). */
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

  private static Instant earliest(Instant a, Instant b) {
    if (a == null) {
      return b;
    }
    return b == null || a.isBefore(b) ? a : b;
  }
}
