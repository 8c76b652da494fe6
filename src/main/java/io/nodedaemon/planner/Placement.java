package io.nodedaemon.planner;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelector;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import io.nodedaemon.api.NodeDaemon;
import java.util.List;
import java.util.Map;

/**
 * Upstream's NodeShouldRunDaemonPod: whether a NodeDaemon's pod should be placed on a node and
 * whether one already there may stay. Only what the DaemonSet controller checks: the template's
 * nodeName, its required node affinity (nodeSelector and required terms) and taints against its
 * tolerations plus the default daemon tolerations. Resources and readiness are the scheduler's.
 */
public final class Placement {
  private Placement() {}

  private static final List<Toleration> DEFAULTS = List.copyOf(DaemonPodFactory.defaultDaemonTolerations(false));
  private static final List<Toleration> DEFAULTS_HOST_NETWORK = List.copyOf(DaemonPodFactory.defaultDaemonTolerations(true));

  private static boolean tolerated(List<Toleration> tolerations, Taint taint) {
    for (Toleration t : tolerations) {
      if (tolerates(t, taint)) {
        return true;
      }
    }
    return false;
  }

  public static NodePlacement nodeShouldRunDaemonPod(Node node, NodeDaemon daemon) {
    PodSpec spec = daemon.getSpec().getTemplate().getSpec();
    String nodeName = node.getMetadata().getName();
    if (spec.getNodeName() != null && !spec.getNodeName().isEmpty() && !spec.getNodeName().equals(nodeName)) {
      return NodePlacement.NEITHER;
    }
    if (!matchesRequiredAffinity(spec, node)) {
      return NodePlacement.NEITHER;
    }
    // The default tolerations are read-only here, so they are built once, not for every node of every pass.
    List<Toleration> own = spec.getTolerations() == null ? List.of() : spec.getTolerations();
    List<Toleration> defaults = Boolean.TRUE.equals(spec.getHostNetwork()) ? DEFAULTS_HOST_NETWORK : DEFAULTS;
    List<Taint> taints = node.getSpec() == null || node.getSpec().getTaints() == null ? List.of() : node.getSpec().getTaints();
    boolean shouldRun = true;
    boolean shouldContinueRunning = true;
    for (Taint taint : taints) {
      String effect = taint.getEffect();
      if (!"NoSchedule".equals(effect) && !"NoExecute".equals(effect)) {
        continue; // PreferNoSchedule never keeps a daemon pod away
      }
      if (tolerated(own, taint) || tolerated(defaults, taint)) {
        continue;
      }
      shouldRun = false;
      if ("NoExecute".equals(effect)) {
        shouldContinueRunning = false;
      }
    }
    return new NodePlacement(shouldRun, shouldContinueRunning);
  }

  /** The template's nodeSelector and its required node affinity terms (ORed) must both match. */
  static boolean matchesRequiredAffinity(PodSpec spec, Node node) {
    Map<String, String> labels = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
    if (spec.getNodeSelector() != null) {
      for (var e : spec.getNodeSelector().entrySet()) {
        if (!e.getValue().equals(labels.get(e.getKey()))) {
          return false;
        }
      }
    }
    NodeSelector required = spec.getAffinity() == null || spec.getAffinity().getNodeAffinity() == null
        ? null
        : spec.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution();
    if (required == null || required.getNodeSelectorTerms() == null) {
      return true;
    }
    for (NodeSelectorTerm term : required.getNodeSelectorTerms()) {
      if (termMatches(term, labels, node.getMetadata().getName())) {
        return true;
      }
    }
    return false;
  }

  /** A term matches when all its expressions and fields match; an empty term matches nothing. */
  static boolean termMatches(NodeSelectorTerm term, Map<String, String> labels, String nodeName) {
    List<NodeSelectorRequirement> expressions = term.getMatchExpressions() == null ? List.of() : term.getMatchExpressions();
    List<NodeSelectorRequirement> fields = term.getMatchFields() == null ? List.of() : term.getMatchFields();
    if (expressions.isEmpty() && fields.isEmpty()) {
      return false;
    }
    for (NodeSelectorRequirement r : expressions) {
      if (!requirementMatches(r, labels.get(r.getKey()), labels.containsKey(r.getKey()))) {
        return false;
      }
    }
    for (NodeSelectorRequirement r : fields) {
      // Only metadata.name is a supported field, with In and NotIn (as upstream).
      if (!"metadata.name".equals(r.getKey()) || !("In".equals(r.getOperator()) || "NotIn".equals(r.getOperator()))) {
        return false;
      }
      if (!requirementMatches(r, nodeName, true)) {
        return false;
      }
    }
    return true;
  }

  static boolean requirementMatches(NodeSelectorRequirement r, String value, boolean present) {
    List<String> values = r.getValues() == null ? List.of() : r.getValues();
    return switch (r.getOperator() == null ? "" : r.getOperator()) {
      case "In" -> present && values.contains(value);
      case "NotIn" -> !present || !values.contains(value);
      case "Exists" -> present;
      case "DoesNotExist" -> !present;
      case "Gt" -> present && values.size() == 1 && compare(value, values.get(0)) > 0;
      case "Lt" -> present && values.size() == 1 && compare(value, values.get(0)) < 0;
      default -> false;
    };
  }

  /** Integer comparison for Gt/Lt; an unparseable side makes the requirement fail (0 is neither > nor <). */
  private static int compare(String actual, String wanted) {
    try {
      return Long.compare(Long.parseLong(actual), Long.parseLong(wanted));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** Upstream's Toleration.ToleratesTaint. */
  public static boolean tolerates(Toleration t, Taint taint) {
    if (t.getEffect() != null && !t.getEffect().isEmpty() && !t.getEffect().equals(taint.getEffect())) {
      return false;
    }
    if (t.getKey() != null && !t.getKey().isEmpty() && !t.getKey().equals(taint.getKey())) {
      return false;
    }
    String operator = t.getOperator() == null || t.getOperator().isEmpty() ? "Equal" : t.getOperator();
    return switch (operator) {
      // An empty key with Exists tolerates every taint.
      case "Exists" -> true;
      case "Equal" -> java.util.Objects.equals(emptyToNull(t.getValue()), emptyToNull(taint.getValue()));
      default -> false;
    };
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
