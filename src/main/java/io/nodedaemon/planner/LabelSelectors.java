package io.nodedaemon.planner;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Label selector matching and rendering as metav1.LabelSelectorAsSelector does it: a null selector
 * matches nothing, an empty one everything; an unknown operator matches nothing. Total: a malformed
 * selector (nulls in it, SpecValidation reports them) matches nothing rather than throwing.
 */
public final class LabelSelectors {
  /** The operators of a metav1 LabelSelectorRequirement. */
  public static final List<String> OPERATORS = List.of("In", "NotIn", "Exists", "DoesNotExist");

  private LabelSelectors() {}

  /** Whether every requirement of the selector names one of {@link #OPERATORS}. */
  public static boolean hasKnownOperators(LabelSelector selector) {
    if (selector == null || selector.getMatchExpressions() == null) {
      return true;
    }
    for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
      if (r != null && !OPERATORS.contains(r.getOperator())) {
        return false;
      }
    }
    return true;
  }

  public static boolean matches(LabelSelector selector, Map<String, String> labels) {
    if (selector == null) {
      return false;
    }
    Map<String, String> l = labels == null ? Map.of() : labels;
    if (selector.getMatchLabels() != null) {
      for (var e : selector.getMatchLabels().entrySet()) {
        if (e.getKey() == null || e.getValue() == null || !e.getValue().equals(l.get(e.getKey()))) {
          return false;
        }
      }
    }
    if (selector.getMatchExpressions() != null) {
      for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
        if (r == null || r.getKey() == null || !matches(r, l)) {
          return false;
        }
      }
    }
    return true;
  }

  /** {@code r.getKey()} is not null (an immutable map throws on a null lookup). */
  static boolean matches(LabelSelectorRequirement r, Map<String, String> labels) {
    List<String> values = r.getValues() == null ? List.of() : r.getValues();
    String value = labels.get(r.getKey());
    return switch (r.getOperator() == null ? "" : r.getOperator()) {
      case "In" -> value != null && values.contains(value);
      case "NotIn" -> value == null || !values.contains(value);
      case "Exists" -> labels.containsKey(r.getKey());
      case "DoesNotExist" -> !labels.containsKey(r.getKey());
      default -> false;
    };
  }

  /** True when the selector selects everything (upstream refuses such a DaemonSet). */
  public static boolean isEmpty(LabelSelector selector) {
    return selector == null
        || (selector.getMatchLabels() == null || selector.getMatchLabels().isEmpty())
            && (selector.getMatchExpressions() == null || selector.getMatchExpressions().isEmpty());
  }

  /** Renders like kubectl: {@code name=fluentd,tier in (a,b),!debug}. */
  public static String toString(LabelSelector selector) {
    if (selector == null) {
      return "";
    }
    List<String> parts = new ArrayList<>();
    if (selector.getMatchLabels() != null) {
      new TreeMap<>(selector.getMatchLabels()).forEach((k, v) -> parts.add(k + "=" + v));
    }
    if (selector.getMatchExpressions() != null) {
      for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
        if (r == null) {
          continue;
        }
        // String.valueOf: a null value would make the sort throw.
        String values =
            r.getValues() == null
                ? ""
                : String.join(",", r.getValues().stream().map(String::valueOf).sorted().toList());
        // A missing operator is rendered like an unknown one: SpecValidation reports it with this
        // text.
        switch (r.getOperator() == null ? "" : r.getOperator()) {
          case "In" -> parts.add(r.getKey() + " in (" + values + ")");
          case "NotIn" -> parts.add(r.getKey() + " notin (" + values + ")");
          case "Exists" -> parts.add(r.getKey());
          case "DoesNotExist" -> parts.add("!" + r.getKey());
          default -> parts.add(r.getKey() + " " + r.getOperator() + " (" + values + ")");
        }
      }
    }
    return String.join(",", parts);
  }
}
