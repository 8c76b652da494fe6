package io.nodedaemon.planner;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** metav1.LabelSelectorAsSelector semantics and kubectl rendering. */
class LabelSelectorsTest {

  private static LabelSelector expr(String key, String op, String... values) {
    return new LabelSelectorBuilder()
        .addNewMatchExpression()
        .withKey(key)
        .withOperator(op)
        .withValues(values)
        .endMatchExpression()
        .build();
  }

  static Stream<Arguments> cases() {
    Map<String, String> labels = Map.of("app", "foo", "tier", "web");
    return Stream.of(
        Arguments.of("null selector matches nothing", null, labels, false),
        Arguments.of("empty selector matches everything", new LabelSelector(), labels, true),
        Arguments.of("empty selector matches unlabelled", new LabelSelector(), null, true),
        Arguments.of(
            "matchLabels equal", new LabelSelector(null, Map.of("app", "foo")), labels, true),
        Arguments.of(
            "matchLabels other value",
            new LabelSelector(null, Map.of("app", "bar")),
            labels,
            false),
        Arguments.of(
            "matchLabels missing key", new LabelSelector(null, Map.of("zone", "a")), labels, false),
        Arguments.of(
            "matchLabels against null labels",
            new LabelSelector(null, Map.of("app", "foo")),
            null,
            false),
        Arguments.of("In listed", expr("tier", "In", "web", "db"), labels, true),
        Arguments.of("In unlisted", expr("tier", "In", "db"), labels, false),
        Arguments.of("In missing key", expr("zone", "In", "a"), labels, false),
        Arguments.of("NotIn unlisted", expr("tier", "NotIn", "db"), labels, true),
        Arguments.of("NotIn listed", expr("tier", "NotIn", "web"), labels, false),
        Arguments.of("NotIn missing key", expr("zone", "NotIn", "a"), labels, true),
        Arguments.of("Exists present", expr("tier", "Exists"), labels, true),
        Arguments.of("Exists missing", expr("zone", "Exists"), labels, false),
        Arguments.of("DoesNotExist missing", expr("zone", "DoesNotExist"), labels, true),
        Arguments.of("DoesNotExist present", expr("tier", "DoesNotExist"), labels, false),
        Arguments.of("unknown operator matches nothing", expr("tier", "Gt", "1"), labels, false),
        Arguments.of(
            "matchLabels and expressions are ANDed",
            new LabelSelectorBuilder()
                .withMatchLabels(Map.of("app", "foo"))
                .addNewMatchExpression()
                .withKey("tier")
                .withOperator("In")
                .withValues("db")
                .endMatchExpression()
                .build(),
            labels,
            false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void matches(String name, LabelSelector selector, Map<String, String> labels, boolean expected) {
    assertThat(LabelSelectors.matches(selector, labels)).isEqualTo(expected);
  }

  @Test
  void isEmptyForNullAndForSelectorsWithoutLabelsOrExpressions() {
    assertThat(LabelSelectors.isEmpty(null)).isTrue();
    assertThat(LabelSelectors.isEmpty(new LabelSelector())).isTrue();
    assertThat(LabelSelectors.isEmpty(new LabelSelector(java.util.List.of(), Map.of()))).isTrue();
    assertThat(LabelSelectors.isEmpty(new LabelSelector(null, Map.of("a", "b")))).isFalse();
    assertThat(LabelSelectors.isEmpty(expr("a", "Exists"))).isFalse();
  }

  @Test
  void rendersLikeKubectlWithSortedLabelsAndValues() {
    LabelSelector s =
        new LabelSelectorBuilder()
            .withMatchLabels(Map.of("name", "fluentd", "app", "x"))
            .addNewMatchExpression()
            .withKey("tier")
            .withOperator("In")
            .withValues("b", "a")
            .endMatchExpression()
            .addNewMatchExpression()
            .withKey("env")
            .withOperator("NotIn")
            .withValues("dev")
            .endMatchExpression()
            .addNewMatchExpression()
            .withKey("gpu")
            .withOperator("Exists")
            .endMatchExpression()
            .addNewMatchExpression()
            .withKey("debug")
            .withOperator("DoesNotExist")
            .endMatchExpression()
            .build();

    assertThat(LabelSelectors.toString(s))
        .isEqualTo("app=x,name=fluentd,tier in (a,b),env notin (dev),gpu,!debug");
    assertThat(LabelSelectors.toString(null)).isEmpty();
  }

  @Test
  void anExpressionWithoutOperatorMatchesNothingAndStillRenders() {
    LabelSelector s =
        new LabelSelectorBuilder()
            .addNewMatchExpression()
            .withKey("tier")
            .withValues("a")
            .endMatchExpression()
            .build();

    assertThat(LabelSelectors.matches(s, Map.of("tier", "a"))).isFalse();
    assertThat(LabelSelectors.toString(s)).startsWith("tier ").endsWith("(a)");
  }
}
