package io.nodedaemon.planner.rollout;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.List;
import java.util.Map;

/**
 * A pure matcher of a metav1 LabelSelector against a label map, with upstream's
 * LabelSelectorAsSelector semantics: a null or empty selector matches everything.
 */
final class NodeLabelSelector {

  private NodeLabelSelector() {}

  /**
   * Whether {@code labels} satisfy {@code selector}.
   *
   * @throws IllegalArgumentException on an operator upstream would refuse, so that an invalid
   *     spec is reported rather than silently matching nothing
   */
  static boolean matches(LabelSelector selector, Map<String, String> labels) {
    if (selector == null) {
      return true;
    }
    Map<String, String> actual = labels == null ? Map.of() : labels;
    if (selector.getMatchLabels() != null) {
      for (Map.Entry<String, String> e : selector.getMatchLabels().entrySet()) {
        if (!e.getValue().equals(actual.get(e.getKey()))) {
          return false;
        }
      }
    }
    if (selector.getMatchExpressions() != null) {
      for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
        if (!matches(r, actual)) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean matches(LabelSelectorRequirement r, Map<String, String> labels) {
    String value = labels.get(r.getKey());
    List<String> values = r.getValues() == null ? List.of() : r.getValues();
    String operator = r.getOperator() == null ? "" : r.getOperator();
    return switch (operator) {
      case "In" -> value != null && values.contains(value);
      // As upstream: NotIn also matches when the key is absent.
      case "NotIn" -> value == null || !values.contains(value);
      case "Exists" -> labels.containsKey(r.getKey());
      case "DoesNotExist" -> !labels.containsKey(r.getKey());
      default -> throw new IllegalArgumentException(
          "invalid label selector operator " + operator + " for key " + r.getKey());
    };
  }
}
