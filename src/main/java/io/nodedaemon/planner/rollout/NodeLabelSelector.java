package io.nodedaemon.planner.rollout;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.nodedaemon.planner.LabelSelectors;
import java.util.List;
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
    if (selector.getMatchExpressions() != null) {
      for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
        if (!List.of("In", "NotIn", "Exists", "DoesNotExist").contains(r.getOperator())) {
          throw new IllegalArgumentException("rollingUpdate.selector: unknown operator " + r.getOperator());
        }
      }
    }
    return LabelSelectors.matches(selector, labels);
  }
}
