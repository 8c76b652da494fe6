package io.nodedaemon.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.planner.DaemonPodFactory;
import io.nodedaemon.planner.LabelSelectors;
import io.nodedaemon.planner.PodStates;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The informers a pass reads from (nothing is read from the API server during a pass), with the
 * lean caches of docs/operations.md ("Memory") and the mapping of each event to the NodeDaemons it
 * concerns.
 */
final class Informers {
  static final String PODS = "pods";
  static final String NODES = "nodes";
  static final String REVISIONS = "revisions";

  /**
   * Pods indexed by who controls them: a controller's uid, or {@link #NO_CONTROLLER} and the
   * namespace for a pod nobody controls. A pass reads its own pods and the orphans it could adopt
   * through this index instead of filtering every cached pod (a cluster's other controllers' pods,
   * other NodeDaemons' pods), which at 10 NodeDaemons on 1,000 nodes was 40% of a pass.
   */
  static final String BY_CONTROLLER = "nodedaemon.io/controller";

  static final String NO_CONTROLLER = "none/";

  /**
   * Pods indexed by namespace and the node they are bound or pinned to ("ns/node"): what a pass
   * checks before it creates on a node that just joined ({@link JoinedNodes}).
   */
  static final String BY_NODE = "nodedaemon.io/node";

  /**
   * Informers list in pages of this many objects: an unpaged list of 5,000 full nodes is ~90 MB of
   * JSON held at once, before the lean item stores can slim a single one; a page of 100 real nodes
   * is ~2 MB (500, client-go's default, ran an 80 MiB heap out of memory).
   */
  static final long LIST_PAGE_SIZE = 100;

  private Informers() {}

  /**
   * JOSDK hands one item store to every per-namespace informer; a store shared by several informers
   * would lose items on relist, so the lean stores need a single informer.
   */
  private static boolean oneInformerPerType(EventSourceContext<NodeDaemon> context) {
    return context.getControllerConfiguration().getEffectiveNamespaces().size() == 1;
  }

  /**
   * The pods, each delivered pod shown to the {@link InFlightTracker} before the pass it starts, as
   * upstream's pod handlers observe expectations; a pod's progress may defer its pass ({@link
   * PodEventBatching}).
   */
  static InformerEventSource<Pod, NodeDaemon> pods(
      EventSourceContext<NodeDaemon> context, InFlightTracker inFlight, PodEventBatching batching) {
    InformerEventSource<Pod, NodeDaemon> pods =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Pod.class, NodeDaemon.class)
                .withName(PODS)
                .withNamespacesInheritedFromController()
                .withItemStore(
                    oneInformerPerType(context) ? LeanCaches.storing(LeanCaches::slimPod) : null)
                .withInformerListLimit(LIST_PAGE_SIZE)
                .withSecondaryToPrimaryMapper(pod -> daemonsConcerning(pod, context))
                .withOnUpdateFilter(batching.filter())
                .build(),
            context) {
          @Override
          public void onAdd(Pod pod) {
            inFlight.seen(pod);
            super.onAdd(pod);
          }

          @Override
          public void onUpdate(Pod oldPod, Pod newPod) {
            inFlight.seen(newPod);
            super.onUpdate(oldPod, newPod);
          }
        };
    pods.addIndexers(
        Map.of(
            BY_CONTROLLER,
            pod -> List.of(controllerKey(pod)),
            BY_NODE,
            pod -> {
              String node = DaemonPodFactory.targetNodeName(pod);
              return node == null
                  ? List.of()
                  : List.of(nodeKey(pod.getMetadata().getNamespace(), node));
            }));
    return pods;
  }

  /** The {@link #BY_NODE} key of a namespace's pods on a node. */
  static String nodeKey(String namespace, String node) {
    return namespace + "/" + node;
  }

  /**
   * Whether a pod a NodeDaemon controls, or one nobody controls that it might adopt, is bound or
   * pinned to {@code node}.
   */
  static boolean claimableOn(
      InformerEventSource<Pod, NodeDaemon> pods, NodeDaemon daemon, String node) {
    String uid = daemon.getMetadata().getUid();
    for (Pod pod : pods.byIndex(BY_NODE, nodeKey(daemon.getMetadata().getNamespace(), node))) {
      OwnerReference controller = PodStates.controllerOf(pod);
      if (controller == null || uid.equals(controller.getUid())) {
        return true;
      }
    }
    return false;
  }

  /** The {@link #BY_CONTROLLER} key of a pod (or any namespaced object). */
  static String controllerKey(HasMetadata object) {
    OwnerReference controller = PodStates.controllerOf(object);
    return controller == null
        ? NO_CONTROLLER + object.getMetadata().getNamespace()
        : controller.getUid();
  }

  /**
   * The pods a NodeDaemon's claim looks at (upstream lists its namespace): those it controls and
   * those nobody controls in its namespace. Pods of other controllers are left out, as the claim
   * would skip them.
   */
  static List<Pod> claimable(InformerEventSource<Pod, NodeDaemon> pods, NodeDaemon daemon) {
    List<Pod> controlled = pods.byIndex(BY_CONTROLLER, daemon.getMetadata().getUid());
    List<Pod> orphans =
        pods.byIndex(BY_CONTROLLER, NO_CONTROLLER + daemon.getMetadata().getNamespace());
    if (orphans.isEmpty()) {
      return controlled;
    }
    List<Pod> all = new ArrayList<>(controlled.size() + orphans.size());
    all.addAll(controlled);
    all.addAll(orphans);
    return all;
  }

  /**
   * The nodes, each event that can change placement shown to {@code sorted}, and each added node or
   * change placement reads to {@code joined}, before its pass.
   */
  static InformerEventSource<Node, NodeDaemon> nodes(
      EventSourceContext<NodeDaemon> context, SortedNodes sorted, JoinedNodes joined) {
    return new InformerEventSource<>(
        InformerEventSourceConfiguration.from(Node.class, NodeDaemon.class)
            .withName(NODES)
            .withWatchAllNamespaces()
            .withItemStore(LeanCaches.storing(LeanCaches::slimNode))
            .withInformerListLimit(LIST_PAGE_SIZE)
            // Every NodeDaemon may care about any node; heartbeats are filtered out.
            .withSecondaryToPrimaryMapper(
                node ->
                    context
                        .getPrimaryCache()
                        .list()
                        .map(ResourceID::fromResource)
                        .collect(Collectors.toSet()))
            .withOnUpdateFilter(NodeChanges::affectsPlacement)
            .build(),
        context) {
      @Override
      public void onAdd(Node node) {
        sorted.changed();
        joined.joined(node.getMetadata().getName());
        super.onAdd(node);
      }

      @Override
      public void onUpdate(Node oldNode, Node newNode) {
        if (NodeChanges.affectsPlacement(newNode, oldNode)) {
          sorted.changed();
          joined.joined(newNode.getMetadata().getName());
        }
        super.onUpdate(oldNode, newNode);
      }

      @Override
      public void onDelete(Node node, boolean deletedFinalStateUnknown) {
        sorted.changed();
        super.onDelete(node, deletedFinalStateUnknown);
      }
    };
  }

  static InformerEventSource<ControllerRevision, NodeDaemon> revisions(
      EventSourceContext<NodeDaemon> context) {
    return new InformerEventSource<>(
        InformerEventSourceConfiguration.from(ControllerRevision.class, NodeDaemon.class)
            .withName(REVISIONS)
            .withNamespacesInheritedFromController()
            .withItemStore(
                oneInformerPerType(context) ? LeanCaches.storing(LeanCaches::slimRevision) : null)
            .withInformerListLimit(LIST_PAGE_SIZE)
            .build(),
        context);
  }

  /**
   * A pod concerns its controlling NodeDaemon or, if nobody controls it, those that would adopt it.
   */
  static Set<ResourceID> daemonsConcerning(Pod pod, EventSourceContext<NodeDaemon> context) {
    String namespace = pod.getMetadata().getNamespace();
    OwnerReference controller = PodStates.controllerOf(pod);
    if (controller != null) {
      return PodStates.isNodeDaemon(controller)
          ? Set.of(new ResourceID(controller.getName(), namespace))
          : Set.of();
    }
    Map<String, String> labels =
        pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
    return context
        .getPrimaryCache()
        .list(namespace)
        .filter(
            d -> d.getSpec() != null && LabelSelectors.matches(d.getSpec().getSelector(), labels))
        .map(ResourceID::fromResource)
        .collect(Collectors.toSet());
  }
}
