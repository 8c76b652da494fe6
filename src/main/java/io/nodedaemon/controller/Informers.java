package io.nodedaemon.controller;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.planner.LabelSelectors;
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
   * upstream's pod handlers observe expectations.
   */
  static InformerEventSource<Pod, NodeDaemon> pods(
      EventSourceContext<NodeDaemon> context, InFlightTracker inFlight) {
    return new InformerEventSource<>(
        InformerEventSourceConfiguration.from(Pod.class, NodeDaemon.class)
            .withName(PODS)
            .withNamespacesInheritedFromController()
            .withItemStore(
                oneInformerPerType(context) ? LeanCaches.storing(LeanCaches::slimPod) : null)
            .withInformerListLimit(LIST_PAGE_SIZE)
            .withSecondaryToPrimaryMapper(pod -> daemonsConcerning(pod, context))
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
  }

  static InformerEventSource<Node, NodeDaemon> nodes(EventSourceContext<NodeDaemon> context) {
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
        context);
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
    OwnerReference controller = PodClaims.controllerOf(pod);
    if (controller != null) {
      return NodeDaemon.KIND.equals(controller.getKind())
              && controller.getApiVersion().startsWith(NodeDaemon.GROUP + "/")
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
