package io.nodedaemon.planner;

import static io.nodedaemon.planner.PlannerFixtures.daemon;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonUpdateStrategy;
import io.nodedaemon.api.RollingUpdateNodeDaemon;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each apps/v1 validation rule the operator enforces, with a passing and a failing case. */
class SpecValidationTest {

  private static Consumer<NodeDaemon> rolling(Consumer<RollingUpdateNodeDaemon> change) {
    return d -> {
      RollingUpdateNodeDaemon ru = new RollingUpdateNodeDaemon();
      change.accept(ru);
      NodeDaemonUpdateStrategy s = new NodeDaemonUpdateStrategy();
      s.setRollingUpdate(ru);
      d.getSpec().setUpdateStrategy(s);
    };
  }

  private static Arguments ok(String name, Consumer<NodeDaemon> change) {
    return Arguments.of(name, change, null);
  }

  private static Arguments bad(String name, Consumer<NodeDaemon> change, String problem) {
    return Arguments.of(name, change, problem);
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        ok("the fixture is valid", d -> {}),
        bad("spec missing", d -> d.setSpec(null), "spec: required"),
        bad("selector missing", d -> d.getSpec().setSelector(null), SpecValidation.EMPTY_SELECTOR),
        bad(
            "selector empty",
            d -> d.getSpec().setSelector(new LabelSelector()),
            SpecValidation.EMPTY_SELECTOR),
        bad(
            "template spec missing",
            d -> d.getSpec().getTemplate().setSpec(null),
            "spec.template.spec: required"),
        bad(
            "selector does not match template labels",
            d -> d.getSpec().setSelector(new LabelSelector(null, Map.of("app", "bar"))),
            "do not match spec.selector `app=bar`"),
        bad(
            "template without labels",
            d -> d.getSpec().getTemplate().getMetadata().setLabels(null),
            "do not match spec.selector"),
        ok(
            "matchExpressions selector matching the template",
            d ->
                d.getSpec()
                    .setSelector(
                        new LabelSelectorBuilder()
                            .addNewMatchExpression()
                            .withKey("app")
                            .withOperator("In")
                            .withValues("foo", "bar")
                            .endMatchExpression()
                            .build())),
        bad(
            "matchExpressions selector not matching the template",
            d ->
                d.getSpec()
                    .setSelector(
                        new LabelSelectorBuilder()
                            .addNewMatchExpression()
                            .withKey("app")
                            .withOperator("NotIn")
                            .withValues("foo")
                            .endMatchExpression()
                            .build()),
            "do not match spec.selector"),
        bad(
            "selector expression without operator is reported, not thrown",
            d ->
                d.getSpec()
                    .setSelector(
                        new LabelSelectorBuilder()
                            .addNewMatchExpression()
                            .withKey("app")
                            .withValues("foo")
                            .endMatchExpression()
                            .build()),
            "spec.selector.matchExpressions[0].operator: required"),
        bad(
            "selector expression with an unknown operator",
            d ->
                d.getSpec()
                    .setSelector(
                        new LabelSelectorBuilder()
                            .addNewMatchExpression()
                            .withKey("app")
                            .withOperator("Gt")
                            .withValues("1")
                            .endMatchExpression()
                            .build()),
            "spec.selector.matchExpressions[0].operator: unknown operator \"Gt\""),
        bad(
            "selector expression without key",
            d ->
                d.getSpec()
                    .setSelector(
                        new LabelSelectorBuilder()
                            .addNewMatchExpression()
                            .withOperator("Exists")
                            .endMatchExpression()
                            .build()),
            "spec.selector.matchExpressions[0].key: required"),
        bad(
            "selector expression with an invalid key",
            d ->
                d.getSpec()
                    .setSelector(
                        new LabelSelectorBuilder()
                            .addNewMatchExpression()
                            .withKey("-app")
                            .withOperator("Exists")
                            .endMatchExpression()
                            .build()),
            "spec.selector.matchExpressions[0].key: invalid label key \"-app\""),
        bad(
            "selector In without values",
            d ->
                d.getSpec()
                    .setSelector(
                        new LabelSelectorBuilder()
                            .addNewMatchExpression()
                            .withKey("app")
                            .withOperator("In")
                            .endMatchExpression()
                            .build()),
            "spec.selector.matchExpressions[0].values: must be non-empty when operator is In"),
        bad(
            "selector NotIn with empty values",
            d ->
                d.getSpec()
                    .setSelector(
                        new LabelSelectorBuilder()
                            .addNewMatchExpression()
                            .withKey("tier")
                            .withOperator("NotIn")
                            .withValues(List.of())
                            .endMatchExpression()
                            .build()),
            "spec.selector.matchExpressions[0].values: must be non-empty when operator is NotIn"),
        bad(
            "selector Exists with values",
            d ->
                d.getSpec()
                    .setSelector(
                        new LabelSelectorBuilder()
                            .addNewMatchExpression()
                            .withKey("app")
                            .withOperator("Exists")
                            .withValues("foo")
                            .endMatchExpression()
                            .build()),
            "spec.selector.matchExpressions[0].values: must be empty when operator is Exists"),
        bad(
            "selector matchLabels using controller-revision-hash",
            d -> {
              d.getSpec()
                  .setSelector(
                      new LabelSelector(
                          null, Map.of("app", "foo", "controller-revision-hash", "abc")));
              d.getSpec()
                  .getTemplate()
                  .getMetadata()
                  .setLabels(Map.of("app", "foo", "controller-revision-hash", "abc"));
            },
            "spec.selector.matchLabels: controller-revision-hash is set by the operator on every pod and may not be used"),
        bad(
            "selector expression using controller-revision-hash",
            d ->
                d.getSpec()
                    .setSelector(
                        new LabelSelectorBuilder()
                            .withMatchLabels(Map.of("app", "foo"))
                            .addNewMatchExpression()
                            .withKey("controller-revision-hash")
                            .withOperator("DoesNotExist")
                            .endMatchExpression()
                            .build()),
            "spec.selector.matchExpressions[0].key: controller-revision-hash is set by the operator"),
        bad(
            "template labels using controller-revision-hash",
            d ->
                d.getSpec()
                    .getTemplate()
                    .getMetadata()
                    .setLabels(Map.of("app", "foo", "controller-revision-hash", "abc")),
            "spec.template.metadata.labels: controller-revision-hash is set by the operator"),
        bad(
            "template label value too long for a pod",
            d ->
                d.getSpec()
                    .getTemplate()
                    .getMetadata()
                    .setLabels(Map.of("app", "foo", "tier", "x".repeat(64))),
            "spec.template.metadata.labels[\"tier\"]: invalid label value"),
        bad(
            "selector label key with an invalid prefix",
            d -> d.getSpec().setSelector(new LabelSelector(null, Map.of("Example.com/app", "foo"))),
            "spec.selector.matchLabels: invalid label key \"Example.com/app\": prefix part must be a lowercase DNS subdomain"),
        ok(
            "selector label key with a prefix",
            d -> {
              d.getSpec().setSelector(new LabelSelector(null, Map.of("example.com/app", "foo")));
              d.getSpec().getTemplate().getMetadata().setLabels(Map.of("example.com/app", "foo"));
            }),
        bad("template missing", d -> d.getSpec().setTemplate(null), "spec.template: required"),
        bad(
            "null container",
            d ->
                d.getSpec()
                    .getTemplate()
                    .getSpec()
                    .setContainers(
                        java.util.Arrays.asList(
                            d.getSpec().getTemplate().getSpec().getContainers().get(0), null)),
            "spec.template.spec.containers[1]: must not be null"),
        bad(
            "no containers",
            d -> d.getSpec().getTemplate().getSpec().setContainers(List.of()),
            "at least one container"),
        ok(
            "restartPolicy Always",
            d -> d.getSpec().getTemplate().getSpec().setRestartPolicy("Always")),
        bad(
            "restartPolicy OnFailure",
            d -> d.getSpec().getTemplate().getSpec().setRestartPolicy("OnFailure"),
            "only Always is supported"),
        bad(
            "restartPolicy Never",
            d -> d.getSpec().getTemplate().getSpec().setRestartPolicy("Never"),
            "only Always is supported"),
        bad(
            "activeDeadlineSeconds set",
            d -> d.getSpec().getTemplate().getSpec().setActiveDeadlineSeconds(30L),
            "activeDeadlineSeconds"),
        ok("minReadySeconds 0", d -> d.getSpec().setMinReadySeconds(0)),
        bad(
            "minReadySeconds negative",
            d -> d.getSpec().setMinReadySeconds(-1),
            "spec.minReadySeconds: must be >= 0"),
        ok("revisionHistoryLimit 0", d -> d.getSpec().setRevisionHistoryLimit(0)),
        bad(
            "revisionHistoryLimit negative",
            d -> d.getSpec().setRevisionHistoryLimit(-1),
            "spec.revisionHistoryLimit: must be >= 0"),
        ok("progressDeadlineSeconds 1", d -> d.getSpec().setProgressDeadlineSeconds(1)),
        bad(
            "progressDeadlineSeconds 0",
            d -> d.getSpec().setProgressDeadlineSeconds(0),
            "spec.progressDeadlineSeconds: must be >= 1"),
        ok("maxUnavailable 100%", rolling(ru -> ru.setMaxUnavailable(new IntOrString("100%")))),
        ok(
            "maxUnavailable 0% with maxSurge 1",
            rolling(
                ru -> {
                  ru.setMaxUnavailable(new IntOrString("0%"));
                  ru.setMaxSurge(new IntOrString(1));
                })),
        bad(
            "maxUnavailable negative",
            rolling(ru -> ru.setMaxUnavailable(new IntOrString(-1))),
            "maxUnavailable: must be >= 0"),
        bad(
            "maxUnavailable 101%",
            rolling(ru -> ru.setMaxUnavailable(new IntOrString("101%"))),
            "maxUnavailable: must be an integer or a percentage"),
        bad(
            "maxUnavailable not a number",
            rolling(ru -> ru.setMaxUnavailable(new IntOrString("abc"))),
            "maxUnavailable: must be an integer or a percentage"),
        bad(
            "maxSurge negative",
            rolling(ru -> ru.setMaxSurge(new IntOrString(-2))),
            "maxSurge: must be >= 0"),
        bad(
            "maxSurge 150%",
            rolling(ru -> ru.setMaxSurge(new IntOrString("150%"))),
            "maxSurge: must be an integer or a percentage"),
        ok("partition 50%", rolling(ru -> ru.setPartition(new IntOrString("50%")))),
        bad(
            "partition negative",
            rolling(ru -> ru.setPartition(new IntOrString(-1))),
            "partition: must be >= 0"),
        bad(
            "maxUnavailable 0 and maxSurge absent",
            rolling(ru -> ru.setMaxUnavailable(new IntOrString(0))),
            "may not be 0 when maxSurge is 0"),
        bad(
            "maxUnavailable 0% and maxSurge 0%",
            rolling(
                ru -> {
                  ru.setMaxUnavailable(new IntOrString("0%"));
                  ru.setMaxSurge(new IntOrString("0%"));
                }),
            "may not be 0 when maxSurge is 0"),
        ok(
            "maxUnavailable absent and maxSurge 0 (default maxUnavailable 1)",
            rolling(ru -> ru.setMaxSurge(new IntOrString(0)))),
        ok(
            "rollout selector with a known operator",
            rolling(
                ru ->
                    ru.setSelector(
                        new LabelSelectorBuilder()
                            .addNewMatchExpression()
                            .withKey("zone")
                            .withOperator("Exists")
                            .endMatchExpression()
                            .build()))),
        bad(
            "rollout selector with an unknown operator",
            rolling(
                ru ->
                    ru.setSelector(
                        new LabelSelectorBuilder()
                            .addNewMatchExpression()
                            .withKey("zone")
                            .withOperator("Gt")
                            .withValues("1")
                            .endMatchExpression()
                            .build())),
            "spec.updateStrategy.rollingUpdate.selector.matchExpressions[0].operator: unknown operator \"Gt\""),
        bad(
            "rollout selector expression without operator (issue 10, defect 5: threw on every pass)",
            rolling(
                ru ->
                    ru.setSelector(
                        new LabelSelectorBuilder()
                            .addNewMatchExpression()
                            .withKey("zone")
                            .withValues("a")
                            .endMatchExpression()
                            .build())),
            "spec.updateStrategy.rollingUpdate.selector.matchExpressions[0].operator: required"),
        bad(
            "rollout selector DoesNotExist with values",
            rolling(
                ru ->
                    ru.setSelector(
                        new LabelSelectorBuilder()
                            .addNewMatchExpression()
                            .withKey("zone")
                            .withOperator("DoesNotExist")
                            .withValues("a")
                            .endMatchExpression()
                            .build())),
            "spec.updateStrategy.rollingUpdate.selector.matchExpressions[0].values: must be empty when operator is DoesNotExist"),
        ok(
            "rollout selector may use controller-revision-hash (a node label, not a pod's)",
            rolling(
                ru ->
                    ru.setSelector(
                        new LabelSelector(null, Map.of("controller-revision-hash", "x"))))),
        ok(
            "empty rollout selector (every node)",
            rolling(ru -> ru.setSelector(new LabelSelector()))),
        // Counterexamples SpecValidationPropertiesTest found in the validation as it was (each
        // threw).
        bad(
            "property: rollout selector with a null requirement",
            rolling(
                ru ->
                    ru.setSelector(
                        new LabelSelector(
                            java.util.Arrays.asList((LabelSelectorRequirement) null), null))),
            "spec.updateStrategy.rollingUpdate.selector.matchExpressions[0]: must not be null"),
        bad(
            "property: selector with a null requirement",
            d ->
                d.getSpec()
                    .setSelector(
                        new LabelSelector(
                            java.util.Arrays.asList((LabelSelectorRequirement) null),
                            Map.of("app", "foo"))),
            "spec.selector.matchExpressions[0]: must not be null"),
        bad(
            "property: selector matchLabels with a null value",
            d -> d.getSpec().setSelector(new LabelSelector(null, nullValued("app"))),
            "spec.selector.matchLabels[\"app\"]: invalid label value null"),
        bad(
            "property: selector requirement with a null key against immutable template labels",
            d ->
                d.getSpec()
                    .setSelector(
                        new LabelSelector(
                            List.of(new LabelSelectorRequirement(null, "DoesNotExist", null)),
                            null)),
            "spec.selector.matchExpressions[0].key: required"),
        bad(
            "property: a selector with a null value that does not match the template",
            d ->
                d.getSpec()
                    .setSelector(
                        new LabelSelector(
                            List.of(
                                new LabelSelectorRequirement(
                                    "app", "In", java.util.Arrays.asList("bar", null))),
                            null)),
            "spec.selector.matchExpressions[0].values[1]: invalid label value null"),
        bad(
            "property: a megabyte restartPolicy is cut in the message",
            d -> d.getSpec().getTemplate().getSpec().setRestartPolicy("x".repeat(1_000_000)),
            "only Always is supported, not \"" + "x".repeat(64) + "...\""));
  }

  private static Map<String, String> nullValued(String key) {
    Map<String, String> m = new java.util.HashMap<>();
    m.put(key, null);
    return m;
  }

  @Test
  void manyProblemsAreCappedSoTheConditionMessageStaysShort() {
    NodeDaemon d = daemon();
    Map<String, String> bad = new java.util.HashMap<>();
    for (int i = 0; i < 500; i++) {
      bad.put("-bad" + i, "v");
    }
    d.getSpec().getTemplate().getMetadata().setLabels(bad);

    List<String> problems = SpecValidation.validate(d);

    assertThat(problems).hasSize(SpecValidation.MAX_PROBLEMS + 1);
    assertThat(problems.get(SpecValidation.MAX_PROBLEMS)).matches("and \\d+ more problems");
  }

  /**
   * Every object of invalid-nodedaemons.yaml (the table the API server is tested with) that could
   * get past the API server — stored before a rule existed — is refused by the operator as well.
   * Not: an update (the operator never sees the old object) and a count over a schema bound (the
   * bounds exist for the CEL cost estimate; the operator runs such an object fine).
   */
  @TestFactory
  Stream<DynamicTest> everyObjectTheApiServerRefusesTheOperatorRefusesToo() throws Exception {
    List<DynamicTest> tests = new ArrayList<>();
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    try (var in = SpecValidationTest.class.getResourceAsStream("/invalid-nodedaemons.yaml");
        YAMLParser parser = new YAMLFactory().createParser(in)) {
      var docs = yaml.readValues(parser, Map.class);
      while (docs.hasNext()) {
        Map<?, ?> doc = docs.next();
        Map<?, ?> metadata = (Map<?, ?>) doc.get("metadata");
        Map<?, ?> annotations = (Map<?, ?>) metadata.get("annotations");
        String expected = (String) annotations.get("test.nodedaemon.io/expect-message");
        String name = metadata.get("name") + (expected == null ? " (valid)" : ": " + expected);
        tests.add(
            DynamicTest.dynamicTest(
                name,
                () -> {
                  NodeDaemon daemon;
                  try {
                    daemon = Serialization.jsonMapper().convertValue(doc, NodeDaemon.class);
                  } catch (IllegalArgumentException e) {
                    // Nor could the informer: only values beyond the Java types (an int64, an
                    // unknown enum) do this.
                    assertThat(name).containsAnyOf("beyond-int32", "unknown-type");
                    return;
                  }
                  List<String> problems = SpecValidation.validate(daemon);
                  if (expected == null
                      || "update".equals(annotations.get("test.nodedaemon.io/operation"))
                      || expected.contains("Too many")) {
                    assertThat(problems).isEmpty();
                  } else {
                    assertThat(problems).isNotEmpty();
                  }
                }));
      }
    }
    assertThat(tests).hasSizeGreaterThan(40);
    return tests.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void validate(String name, Consumer<NodeDaemon> change, String expectedProblem) {
    NodeDaemon d = daemon();
    change.accept(d);

    List<String> problems = SpecValidation.validate(d);

    if (expectedProblem == null) {
      assertThat(problems).isEmpty();
    } else {
      assertThat(problems).anySatisfy(p -> assertThat(p).contains(expectedProblem));
    }
  }
}
