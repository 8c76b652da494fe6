package io.nodedaemon.sim;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A parsed {@code labelSelector} or {@code fieldSelector} query parameter, tested against stored
 * objects the way the API server filters lists and watches.
 *
 * <p>Labels support every operator of the API's selector syntax ({@code =}, {@code ==}, {@code !=},
 * {@code in}, {@code notin}, {@code key}, {@code !key}); fields support {@code =}, {@code ==} and
 * {@code !=} on any dotted path (a missing field reads as the empty string, so {@code
 * spec.nodeName=} selects unbound pods as on a real cluster).
 */
final class SimSelector implements Predicate<JsonNode> {

  /** Selects everything: no selector given. */
  static final SimSelector ALL = new SimSelector(List.of());

  private final List<Predicate<JsonNode>> requirements;

  private SimSelector(List<Predicate<JsonNode>> requirements) {
    this.requirements = requirements;
  }

  @Override
  public boolean test(JsonNode object) {
    for (Predicate<JsonNode> r : requirements) {
      if (!r.test(object)) {
        return false;
      }
    }
    return true;
  }

  boolean selectsEverything() {
    return requirements.isEmpty();
  }

  /**
   * Parses a label selector; throws IllegalArgumentException on a malformed one (the server answers
   * 400).
   */
  static SimSelector labels(String selector) {
    if (selector == null || selector.isBlank()) {
      return ALL;
    }
    List<Predicate<JsonNode>> requirements = new ArrayList<>();
    for (String term : splitTerms(selector)) {
      requirements.add(labelRequirement(term.trim()));
    }
    return new SimSelector(requirements);
  }

  /**
   * Parses a field selector ({@code path=value}, {@code path==value}, {@code path!=value},
   * comma-joined).
   */
  static SimSelector fields(String selector) {
    if (selector == null || selector.isBlank()) {
      return ALL;
    }
    List<Predicate<JsonNode>> requirements = new ArrayList<>();
    for (String term : selector.split(",")) {
      term = term.trim();
      int neq = term.indexOf("!=");
      int eq = term.indexOf('=');
      if (eq < 0) {
        throw new IllegalArgumentException("invalid field selector term: " + term);
      }
      boolean negated = neq >= 0 && neq < eq;
      String path = term.substring(0, negated ? neq : eq).trim();
      int valueStart = negated ? neq + 2 : term.startsWith("==", eq) ? eq + 2 : eq + 1;
      String value = term.substring(valueStart).trim();
      String[] segments = path.split("\\.");
      requirements.add(object -> value.equals(fieldValue(object, segments)) != negated);
    }
    return new SimSelector(requirements);
  }

  /** The name a {@code metadata.name=x} term pins, or null: lets a watch or list skip the scan. */
  static String pinnedName(String fieldSelector) {
    if (fieldSelector == null) {
      return null;
    }
    for (String term : fieldSelector.split(",")) {
      term = term.trim();
      if (term.startsWith("metadata.name==")) {
        return term.substring("metadata.name==".length());
      }
      if (term.startsWith("metadata.name=")) {
        return term.substring("metadata.name=".length());
      }
    }
    return null;
  }

  private static String fieldValue(JsonNode object, String[] segments) {
    JsonNode node = object;
    for (String s : segments) {
      node = node.path(s);
    }
    return node.isValueNode() ? node.asText() : "";
  }

  /** Splits on the commas between terms, not those inside {@code in (a,b)}. */
  private static List<String> splitTerms(String selector) {
    List<String> terms = new ArrayList<>();
    int depth = 0;
    int start = 0;
    for (int i = 0; i < selector.length(); i++) {
      char c = selector.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == ',' && depth == 0) {
        terms.add(selector.substring(start, i));
        start = i + 1;
      }
    }
    terms.add(selector.substring(start));
    return terms;
  }

  private static Predicate<JsonNode> labelRequirement(String term) {
    if (term.isEmpty()) {
      throw new IllegalArgumentException("empty label selector term");
    }
    if (term.startsWith("!")) {
      String key = term.substring(1).trim();
      return object -> labels(object).path(key).isMissingNode();
    }
    int neq = term.indexOf("!=");
    if (neq > 0) {
      String key = term.substring(0, neq).trim();
      String value = term.substring(neq + 2).trim();
      // As in Kubernetes: an object without the label satisfies key!=value.
      return object -> !value.equals(labelValue(object, key));
    }
    int eq = term.indexOf('=');
    if (eq > 0) {
      String key = term.substring(0, eq).trim();
      String value = term.substring(term.startsWith("==", eq) ? eq + 2 : eq + 1).trim();
      return object -> value.equals(labelValue(object, key));
    }
    int open = term.indexOf('(');
    if (open > 0) {
      if (!term.endsWith(")")) {
        throw new IllegalArgumentException("invalid label selector term: " + term);
      }
      String[] keyAndOp = term.substring(0, open).trim().split("\\s+");
      if (keyAndOp.length != 2) {
        throw new IllegalArgumentException("invalid label selector term: " + term);
      }
      String key = keyAndOp[0];
      Set<String> values = new java.util.HashSet<>();
      for (String v : term.substring(open + 1, term.length() - 1).split(",")) {
        values.add(v.trim());
      }
      return switch (keyAndOp[1]) {
        case "in" -> object -> values.contains(labelValue(object, key));
        // notin, like !=, is satisfied by an object without the label.
        case "notin" ->
            object -> {
              String v = labelValue(object, key);
              return v == null || !values.contains(v);
            };
        default -> throw new IllegalArgumentException("invalid label selector operator: " + term);
      };
    }
    String key = term;
    return object -> !labels(object).path(key).isMissingNode();
  }

  private static JsonNode labels(JsonNode object) {
    return object.path("metadata").path("labels");
  }

  private static String labelValue(JsonNode object, String key) {
    JsonNode v = labels(object).get(key);
    return v == null || v.isNull() ? null : v.asText();
  }
}
