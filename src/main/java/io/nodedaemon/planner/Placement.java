package io.nodedaemon.planner;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelector;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.planner.NodePlacement.Exclusion;
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

  private static final List<Toleration> DEFAULTS =
      List.copyOf(DaemonPodFactory.defaultDaemonTolerations(false));
  private static final List<Toleration> DEFAULTS_HOST_NETWORK =
      List.copyOf(DaemonPodFactory.defaultDaemonTolerations(true));

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
    if (spec.getNodeName() != null
        && !spec.getNodeName().isEmpty()
        && !spec.getNodeName().equals(nodeName)) {
      return NodePlacement.neither(
          Exclusion.NODE_NAME_MISMATCH, "template.spec.nodeName is " + spec.getNodeName());
    }
    Map<String, String> labels =
        node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
    String unmatched = unmatchedNodeSelector(spec, labels);
    if (unmatched != null) {
      return NodePlacement.neither(
          Exclusion.NODE_SELECTOR_MISMATCH, "nodeSelector " + unmatched + " not matched");
    }
    if (!matchesRequiredTerms(spec, labels, nodeName)) {
      return NodePlacement.neither(
          Exclusion.NODE_AFFINITY_MISMATCH, "required node affinity not matched");
    }
    // The default tolerations are read-only here, so they are built once, not for every node of
    // every pass.
    List<Toleration> own = spec.getTolerations() == null ? List.of() : spec.getTolerations();
    List<Toleration> defaults =
        Boolean.TRUE.equals(spec.getHostNetwork()) ? DEFAULTS_HOST_NETWORK : DEFAULTS;
    List<Taint> taints =
        node.getSpec() == null || node.getSpec().getTaints() == null
            ? List.of()
            : node.getSpec().getTaints();
    Taint firstUntolerated = null;
    boolean shouldContinueRunning = true;
    for (Taint taint : taints) {
      String effect = taint.getEffect();
      if (!"NoSchedule".equals(effect) && !"NoExecute".equals(effect)) {
        continue; // PreferNoSchedule never keeps a daemon pod away
      }
      if (tolerated(own, taint) || tolerated(defaults, taint)) {
        continue;
      }
      if (firstUntolerated == null) {
        firstUntolerated = taint;
      }
      if ("NoExecute".equals(effect)) {
        shouldContinueRunning = false;
      }
    }
    if (firstUntolerated == null) {
      return NodePlacement.BOTH;
    }
    return new NodePlacement(
        false,
        shouldContinueRunning,
        new Exclusion(
            Exclusion.UNTOLERATED_TAINT, "taint " + describe(firstUntolerated) + " not tolerated"));
  }

  /**
   * A taint as kubectl prints it: {@code key=value:Effect}, or {@code key:Effect} without a value.
   */
  static String describe(Taint taint) {
    String value =
        taint.getValue() == null || taint.getValue().isEmpty() ? "" : "=" + taint.getValue();
    return taint.getKey() + value + ":" + taint.getEffect();
  }

  /**
   * The unmatched nodeSelector entry with the smallest key, as {@code key=value}; null when all
   * match. By key, not map order: the same node must be named the same way whichever order the
   * spec's map arrived in (kube-apiserver sorts map keys; a client may not).
   */
  private static String unmatchedNodeSelector(PodSpec spec, Map<String, String> labels) {
    String firstKey = null;
    if (spec.getNodeSelector() != null) {
      for (var e : spec.getNodeSelector().entrySet()) {
        if (!e.getValue().equals(labels.get(e.getKey()))
            && (firstKey == null || e.getKey().compareTo(firstKey) < 0)) {
          firstKey = e.getKey();
        }
      }
    }
    return firstKey == null ? null : firstKey + "=" + spec.getNodeSelector().get(firstKey);
  }

  /** The required node affinity terms, ORed; none means no constraint. */
  private static boolean matchesRequiredTerms(
      PodSpec spec, Map<String, String> labels, String nodeName) {
    NodeSelector required =
        spec.getAffinity() == null || spec.getAffinity().getNodeAffinity() == null
            ? null
            : spec.getAffinity()
                .getNodeAffinity()
                .getRequiredDuringSchedulingIgnoredDuringExecution();
    if (required == null || required.getNodeSelectorTerms() == null) {
      return true;
    }
    for (NodeSelectorTerm term : required.getNodeSelectorTerms()) {
      if (termMatches(term, labels, nodeName)) {
        return true;
      }
    }
    return false;
  }

  /** A term matches when all its expressions and fields match; an empty term matches nothing. */
  static boolean termMatches(NodeSelectorTerm term, Map<String, String> labels, String nodeName) {
    List<NodeSelectorRequirement> expressions =
        term.getMatchExpressions() == null ? List.of() : term.getMatchExpressions();
    List<NodeSelectorRequirement> fields =
        term.getMatchFields() == null ? List.of() : term.getMatchFields();
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
      if (!"metadata.name".equals(r.getKey())
          || !("In".equals(r.getOperator()) || "NotIn".equals(r.getOperator()))) {
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

  /**
   * Integer comparison for Gt/Lt; an unparseable side makes the requirement fail (0 is neither >
   * nor <).
   */
  private static int compare(String actual, String wanted) {
    try {
      return Long.compare(Long.parseLong(actual), Long.parseLong(wanted));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** Upstream's Toleration.ToleratesTaint. */
  public static boolean tolerates(Toleration t, Taint taint) {
    if (t.getEffect() != null
        && !t.getEffect().isEmpty()
        && !t.getEffect().equals(taint.getEffect())) {
      return false;
    }
    if (t.getKey() != null && !t.getKey().isEmpty() && !t.getKey().equals(taint.getKey())) {
      return false;
    }
    String operator =
        t.getOperator() == null || t.getOperator().isEmpty() ? "Equal" : t.getOperator();
    return switch (operator) {
      // An empty key with Exists tolerates every taint.
      case "Exists" -> true;
      case "Equal" ->
          java.util.Objects.equals(emptyToNull(t.getValue()), emptyToNull(taint.getValue()));
      default -> false;
    };
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
