package io.nodedaemon.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The committed CRD (both copies: k8s/generated and the OLM bundle) carries SPEC §1's validation
 * and stays acceptable to a real API server: every CEL rule present, and every map, list and string
 * a rule walks bounded, because kube-apiserver estimates a rule's cost from those bounds and
 * refuses the CRD when a rule could exceed its budget (issue 10, defects 3, 4, 5 and 12). What the
 * rules do with objects is the API server's to show: src/test/resources/invalid-nodedaemons.yaml
 * lists one object per rule with the message expected.
 */
class CrdContentTest {

  static Stream<Path> crds() {
    return Stream.of(
        Manifests.PROJECT.resolve("k8s/generated/nodedaemons.nodedaemon.io-crd.yaml"),
        Manifests.PROJECT.resolve("olm-bundle/manifests/nodedaemons.nodedaemon.io-v1.crd.yml"));
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> schema(Path crd) throws IOException {
    Map<String, Object> doc = ManifestSync.YAML.readValue(crd.toFile(), Map.class);
    Map<String, Object> version =
        ((List<Map<String, Object>>) ((Map<String, Object>) doc.get("spec")).get("versions"))
            .get(0);
    return (Map<String, Object>)
        ((Map<String, Object>) version.get("schema")).get("openAPIV3Schema");
  }

  /** The schema node at a dotted path of property names, e.g. {@code spec.selector}. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> at(Map<String, Object> schema, String path) {
    Map<String, Object> node = schema;
    for (String name : path.split("\\.")) {
      if (name.equals("[]")) {
        node = (Map<String, Object>) node.get("items");
      } else {
        node = (Map<String, Object>) ((Map<String, Object>) node.get("properties")).get(name);
      }
      assertThat(node).as(path + " (at " + name + ")").isNotNull();
    }
    return node;
  }

  /** A CEL rule, where it sits in the schema, and its message. */
  record Rule(String path, Map<String, Object> node, String rule, String message) {
    @Override
    public String toString() {
      return path + ": " + rule;
    }
  }

  @SuppressWarnings("unchecked")
  static List<Rule> rules(Map<String, Object> node, String path) {
    List<Rule> out = new ArrayList<>();
    for (Map<String, Object> v :
        (List<Map<String, Object>>) node.getOrDefault("x-kubernetes-validations", List.of())) {
      out.add(new Rule(path, node, (String) v.get("rule"), (String) v.get("message")));
    }
    Map<String, Object> properties =
        (Map<String, Object>) node.getOrDefault("properties", Map.of());
    properties.forEach(
        (name, child) ->
            out.addAll(
                rules((Map<String, Object>) child, path.isEmpty() ? name : path + "." + name)));
    if (node.get("items") instanceof Map<?, ?> items) {
      out.addAll(rules((Map<String, Object>) items, path + ".[]"));
    }
    if (node.get("additionalProperties") instanceof Map<?, ?> values) {
      out.addAll(rules((Map<String, Object>) values, path + ".{}"));
    }
    return out;
  }

  static List<String> messages(Map<String, Object> schema, String path) {
    return rules(schema, "").stream()
        .filter(r -> r.path().equals(path))
        .map(Rule::message)
        .toList();
  }

  // ---- the rules of SPEC §1 ---------------------------------------------------------------------

  @ParameterizedTest
  @MethodSource("crds")
  void selectorIsImmutable(Path crd) throws IOException {
    assertThat(rules(schema(crd), ""))
        .anySatisfy(
            r -> {
              assertThat(r.path()).isEqualTo("spec.selector");
              assertThat(r.rule()).isEqualTo("self == oldSelf");
              assertThat(r.message()).isEqualTo("spec.selector is immutable");
            });
  }

  @ParameterizedTest
  @MethodSource("crds")
  void selectorAndTemplateMayNotUseTheRevisionHashLabel(Path crd) throws IOException {
    Map<String, Object> schema = schema(crd);
    List<Rule> all = rules(schema, "");
    assertThat(all)
        .filteredOn(
            r ->
                r.path().equals("spec.selector")
                    && r.rule().contains("'controller-revision-hash' in self.matchLabels")
                    && r.rule().contains("r.key != 'controller-revision-hash'"))
        .hasSize(1);
    assertThat(all)
        .filteredOn(
            r ->
                r.path().equals("spec.template")
                    && r.rule().contains("'controller-revision-hash' in self.metadata.labels"))
        .hasSize(1);
  }

  @ParameterizedTest
  @MethodSource("crds")
  @SuppressWarnings("unchecked")
  void labelSelectorRequirementsAreWellFormedInBothSelectors(Path crd) throws IOException {
    Map<String, Object> schema = schema(crd);
    for (String selector : List.of("spec.selector", "spec.updateStrategy.rollingUpdate.selector")) {
      Map<String, Object> requirement = at(schema, selector + ".matchExpressions.[]");
      assertThat((List<String>) requirement.get("required"))
          .as(selector)
          .containsExactlyInAnyOrder("key", "operator");
      assertThat((List<String>) at(requirement, "operator").get("enum"))
          .as(selector)
          .containsExactlyInAnyOrder("In", "NotIn", "Exists", "DoesNotExist");
      assertThat(messages(schema, selector + ".matchExpressions.[]"))
          .as(selector)
          .containsExactly(
              "values must be non-empty when operator is In or NotIn, and empty when operator is Exists or DoesNotExist");
    }
  }

  @ParameterizedTest
  @MethodSource("crds")
  void theOtherSpecRulesArePresent(Path crd) throws IOException {
    Map<String, Object> schema = schema(crd);
    assertThat(messages(schema, "spec"))
        .containsExactlyInAnyOrder(
            "spec.selector must not be empty: a NodeDaemon selecting all pods is refused",
            "spec.selector does not match spec.template.metadata.labels",
            "spec.selector.matchExpressions do not match spec.template.metadata.labels",
            "spec.template.spec.restartPolicy: only Always is supported",
            "spec.template.spec.activeDeadlineSeconds is forbidden for daemon pods");
    assertThat(messages(schema, "spec.updateStrategy.rollingUpdate"))
        .containsExactly("maxUnavailable and maxSurge may not both be zero");
    for (String field : List.of("maxUnavailable", "maxSurge", "partition")) {
      assertThat(messages(schema, "spec.updateStrategy.rollingUpdate." + field))
          .containsExactly("must be a non-negative integer or a percentage between 0% and 100%");
    }
    assertThat(at(schema, "spec.minReadySeconds").get("minimum")).isEqualTo(0.0);
    assertThat(at(schema, "spec.revisionHistoryLimit").get("minimum")).isEqualTo(0.0);
    assertThat(at(schema, "spec.progressDeadlineSeconds").get("minimum")).isEqualTo(1.0);
  }

  // ---- bounds: what a rule walks has a size
  // ------------------------------------------------------

  @ParameterizedTest
  @MethodSource("crds")
  void boundsAreKubernetesOwnLimits(Path crd) throws IOException {
    Map<String, Object> schema = schema(crd);
    for (String selector : List.of("spec.selector", "spec.updateStrategy.rollingUpdate.selector")) {
      assertThat(at(schema, selector + ".matchExpressions.[].key")).containsEntry("maxLength", 317);
      assertThat(at(schema, selector + ".matchExpressions.[].values.[]"))
          .containsEntry("maxLength", 63);
      assertThat(at(schema, selector + ".matchLabels")).containsEntry("maxProperties", 64);
      assertThat(at(schema, selector + ".matchExpressions")).containsEntry("maxItems", 64);
      assertThat(at(schema, selector + ".matchExpressions.[].values"))
          .containsEntry("maxItems", 256);
      assertThat(valuesOf(at(schema, selector + ".matchLabels"))).containsEntry("maxLength", 63);
    }
    Map<String, Object> templateLabels = at(schema, "spec.template.metadata.labels");
    assertThat(templateLabels).containsEntry("maxProperties", 64);
    assertThat(valuesOf(templateLabels)).containsEntry("maxLength", 63);
    // The swap that bounds the template labels keeps every other field of the pod template's
    // metadata.
    assertThat(propertiesOf(at(schema, "spec.template.metadata")))
        .containsKeys(
            "annotations", "finalizers", "generateName", "name", "namespace", "ownerReferences");
  }

  @ParameterizedTest
  @MethodSource("crds")
  void everyMapListAndStringACelRuleWalksIsBounded(Path crd) throws IOException {
    List<Rule> rules = rules(schema(crd), "");
    List<String> unbounded = new ArrayList<>();
    for (Rule r : rules) {
      unbounded.addAll(unboundedWalks(r));
    }
    assertThat(unbounded).isEmpty();
    assertThat(rules).hasSizeGreaterThanOrEqualTo(12);
  }

  @Test
  void theBoundsCheckCatchesAnUnboundedMap() {
    // The committed CRD before the fix: matchLabels without maxProperties, values without
    // maxLength.
    Map<String, Object> matchLabels =
        new LinkedHashMap<>(
            Map.of("type", "object", "additionalProperties", Map.of("type", "string")));
    Map<String, Object> selector =
        Map.of("type", "object", "properties", Map.of("matchLabels", matchLabels));
    Map<String, Object> spec =
        Map.of(
            "type",
            "object",
            "properties",
            Map.of("selector", selector),
            "x-kubernetes-validations",
            List.of(Map.of("rule", "self.selector.matchLabels.all(k, k != 'x')", "message", "m")));

    List<String> unbounded =
        rules(spec, "spec").stream().flatMap(r -> unboundedWalks(r).stream()).toList();

    assertThat(unbounded)
        .containsExactly(
            "spec: `self.selector.matchLabels` walks a map without maxProperties",
            "spec: `self.selector.matchLabels` walks a string without maxLength (map values)");
  }

  /**
   * A path in a rule: self or oldSelf followed by field names, e.g. {@code
   * self.template.metadata.labels}.
   */
  private static final Pattern WALK =
      Pattern.compile("\\b(?:self|oldSelf)((?:\\.[A-Za-z_][A-Za-z0-9_]*)*)");

  /**
   * Every schema node the rule walks that has no bound: for each path the rule names, the node it
   * reaches and everything under it must have maxItems, maxProperties, maxLength (or an enum). Not
   * walked, so exempt: a path only tested with has(); a path compared with a string literal (CEL's
   * cost of == is that of the shorter side); an int-or-string (the estimator ignores its maxLength
   * anyway: a single regex over it stays well within the budget).
   */
  static List<String> unboundedWalks(Rule r) {
    List<String> out = new ArrayList<>();
    Matcher m = WALK.matcher(r.rule());
    while (m.find()) {
      String before = r.rule().substring(0, m.start());
      String after = r.rule().substring(m.end());
      if (before.endsWith("has(") || after.matches("^\\s*[=!]=\\s*'[^']*'[\\s\\S]*")) {
        continue;
      }
      List<String> names =
          new ArrayList<>(
              m.group(1).isEmpty() ? List.of() : List.of(m.group(1).substring(1).split("\\.")));
      String walked = m.group();
      if (after.startsWith("(") && !names.isEmpty()) {
        // self.x.all(...), self.x.matches(...): the last name is a function, the path ends before
        // it.
        names.remove(names.size() - 1);
        walked = walked.substring(0, walked.lastIndexOf('.'));
      }
      Map<String, Object> node = r.node();
      for (String name : names) {
        node = propertiesOf(node).get(name) instanceof Map<?, ?> child ? cast(child) : null;
        if (node == null) {
          out.add(r.path() + ": `" + walked + "` names no field of the schema");
          break;
        }
      }
      if (node != null) {
        unbounded(node, "", out, r.path() + ": `" + walked + "`");
      }
    }
    return out;
  }

  private static void unbounded(
      Map<String, Object> node, String where, List<String> out, String rule) {
    if (Boolean.TRUE.equals(node.get("x-kubernetes-int-or-string"))) {
      return;
    }
    String type = String.valueOf(node.get("type"));
    if (type.equals("string") && !node.containsKey("maxLength") && !node.containsKey("enum")) {
      out.add(rule + " walks a string without maxLength" + where);
    }
    if (type.equals("array")) {
      if (!node.containsKey("maxItems")) {
        out.add(rule + " walks a list without maxItems" + where);
      }
      unbounded(cast(node.get("items")), " (list items)", out, rule);
    }
    if (type.equals("object") && node.get("additionalProperties") instanceof Map<?, ?> values) {
      if (!node.containsKey("maxProperties")) {
        out.add(rule + " walks a map without maxProperties" + where);
      }
      unbounded(cast(values), " (map values)", out, rule);
    }
    propertiesOf(node)
        .forEach((name, child) -> unbounded(cast(child), " (" + name + ")", out, rule));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> cast(Object o) {
    return (Map<String, Object>) o;
  }

  private static Map<String, Object> propertiesOf(Map<String, Object> node) {
    return node.get("properties") == null ? Map.of() : cast(node.get("properties"));
  }

  private static Map<String, Object> valuesOf(Map<String, Object> node) {
    return cast(node.get("additionalProperties"));
  }

  // ---- issue 11: conditions as a map, defaults shown
  // -----------------------------------------------

  @ParameterizedTest
  @MethodSource("crds")
  @SuppressWarnings("unchecked")
  void conditionsAreAListMapKeyedByType(Path crd) throws IOException {
    Map<String, Object> conditions = at(schema(crd), "status.conditions");
    assertThat(conditions)
        .containsEntry("x-kubernetes-list-type", "map")
        .containsEntry("x-kubernetes-list-map-keys", List.of("type"));
    // A map key must be required (or defaulted), or the API server refuses the CRD.
    assertThat((List<String>) cast(conditions.get("items")).get("required")).contains("type");
  }

  @ParameterizedTest
  @MethodSource("crds")
  void defaultedFieldsCarryTheirDefaultsInTheSchema(Path crd) throws IOException {
    Map<String, Object> schema = schema(crd);
    // The values themselves are checked against the planner's in SchemaDefaultsTest.
    assertThat(at(schema, "spec.updateStrategy")).containsEntry("default", Map.of());
    assertThat(at(schema, "spec.updateStrategy.type")).containsEntry("default", "RollingUpdate");
    assertThat(at(schema, "spec.updateStrategy.rollingUpdate")).containsEntry("default", Map.of());
    assertThat(at(schema, "spec.updateStrategy.rollingUpdate.maxUnavailable"))
        .containsEntry("default", 1);
    assertThat(at(schema, "spec.updateStrategy.rollingUpdate.maxSurge"))
        .containsEntry("default", 0);
    assertThat(at(schema, "spec.revisionHistoryLimit")).containsEntry("default", 10);
    assertThat(at(schema, "spec.progressDeadlineSeconds")).containsEntry("default", 600);
  }

  // ---- issue 11: kubectl explain ---------------------------------------------------------------

  /** Every field of the schema, by dotted path ({@code []} for list items). */
  static Map<String, Map<String, Object>> fields(Map<String, Object> node, String path) {
    Map<String, Map<String, Object>> out = new LinkedHashMap<>();
    propertiesOf(node)
        .forEach(
            (name, child) -> {
              String p = path.isEmpty() ? name : path + "." + name;
              out.put(p, cast(child));
              out.putAll(fields(cast(child), p));
            });
    if (node.get("items") instanceof Map<?, ?> items) {
      out.putAll(fields(cast(items), path + ".[]"));
    }
    if (node.get("additionalProperties") instanceof Map<?, ?> values) {
      out.putAll(fields(cast(values), path + ".{}"));
    }
    return out;
  }

  /**
   * {@code kubectl explain nd}, {@code nd.spec.template.spec.containers}, {@code nd.status}: every
   * field says what it is, as for a DaemonSet. The pod template's descriptions come from
   * Kubernetes' OpenAPI document (KubernetesDescriptions); before, 48 of the 1,323 schema nodes had
   * one and the pod template none.
   */
  @ParameterizedTest
  @MethodSource("crds")
  void everyFieldHasADescription(Path crd) throws IOException {
    Map<String, Object> schema = schema(crd);
    assertThat(schema.get("description")).as("kubectl explain nd").isNotNull();
    Map<String, Map<String, Object>> fields = fields(schema, "");
    assertThat(fields.keySet())
        .contains(
            "spec.template.spec.containers",
            "spec.template.spec.containers.[].image",
            "spec.template.spec.volumes.[].hostPath.path",
            "spec.template.metadata.annotations",
            "status.conditions.[].reason");
    assertThat(
            fields.entrySet().stream()
                // list items and map values of plain strings have none upstream either
                .filter(f -> !f.getKey().endsWith(".[]") && !f.getKey().endsWith(".{}"))
                .filter(f -> !f.getValue().containsKey("description"))
                .map(Map.Entry::getKey)
                .toList())
        .isEmpty();
    assertThat(at(schema, "spec.template.spec.containers").get("description"))
        .asString()
        .startsWith("List of containers belonging to the pod.");
    assertThat(at(schema, "spec.template.spec.containers.[]").get("description"))
        .asString()
        .startsWith("A single application container");
    assertThat(at(schema, "status").get("description")).as("kubectl explain nd.status").isNotNull();
    assertThat(at(schema, "spec").get("description")).as("kubectl explain nd.spec").isNotNull();
  }

  /** The API's own descriptions are not replaced by upstream's. */
  @ParameterizedTest
  @MethodSource("crds")
  void theApisOwnDescriptionsWin(Path crd) throws IOException {
    Map<String, Object> schema = schema(crd);
    assertThat(at(schema, "spec.template.metadata.labels").get("description"))
        .asString()
        .contains("spec.selector");
  }

  /**
   * {@code kubectl apply} (client side, as {@code kubectl apply -k k8s/}) stores the whole object
   * in its last-applied-configuration annotation, and the API server refuses annotations above 256
   * KiB in total: the CRD must stay well below that (KubectlRealTest applies it for real). The pod
   * template's descriptions are shortened for this (KubernetesDescriptions.shorten).
   */
  @ParameterizedTest
  @MethodSource("crds")
  void fitsInKubectlsLastAppliedAnnotation(Path crd) throws IOException {
    Map<?, ?> doc = ManifestSync.YAML.readValue(crd.toFile(), Map.class);
    int bytes = ManifestSync.JSON.writeValueAsBytes(doc).length;
    assertThat(bytes).isLessThan(240 * 1024);
  }
}
