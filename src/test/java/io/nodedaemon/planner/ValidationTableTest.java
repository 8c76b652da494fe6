package io.nodedaemon.planner;

import static io.nodedaemon.planner.Fixtures.daemon;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirementBuilder;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonUpdateStrategy;
import io.nodedaemon.api.RollingUpdateNodeDaemon;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** apps/v1 validation rules the operator applies past the CRD schema (SPEC §1), and selectors. */
class ValidationTableTest {

  static Consumer<NodeDaemon> rolling(Consumer<RollingUpdateNodeDaemon> edit) {
    return d -> {
      NodeDaemonUpdateStrategy s = new NodeDaemonUpdateStrategy();
      RollingUpdateNodeDaemon ru = new RollingUpdateNodeDaemon();
      edit.accept(ru);
      s.setRollingUpdate(ru);
      d.getSpec().setUpdateStrategy(s);
    };
  }

  static Stream<Arguments> cases() {
    return Stream.<Arguments>of(
        Arguments.of("valid", (Consumer<NodeDaemon>) d -> { }, null),
        Arguments.of("empty selector", (Consumer<NodeDaemon>) d -> d.getSpec().setSelector(new LabelSelectorBuilder().build()), "spec.selector: empty"),
        Arguments.of("selector not matching the template", (Consumer<NodeDaemon>) d -> d.getSpec().setSelector(
            new LabelSelectorBuilder().withMatchLabels(Map.of("app", "other")).build()), "do not match"),
        Arguments.of("matchExpressions not matching the template", (Consumer<NodeDaemon>) d -> d.getSpec().getSelector().setMatchExpressions(
            java.util.List.of(new LabelSelectorRequirementBuilder().withKey("tier").withOperator("In").withValues("x").build())), "do not match"),
        Arguments.of("restartPolicy Never", (Consumer<NodeDaemon>) d -> d.getSpec().getTemplate().getSpec().setRestartPolicy("Never"), "restartPolicy"),
        Arguments.of("activeDeadlineSeconds", (Consumer<NodeDaemon>) d -> d.getSpec().getTemplate().getSpec().setActiveDeadlineSeconds(5L), "activeDeadlineSeconds"),
        Arguments.of("no containers", (Consumer<NodeDaemon>) d -> d.getSpec().getTemplate().getSpec().setContainers(java.util.List.of()), "containers"),
        Arguments.of("negative minReadySeconds", (Consumer<NodeDaemon>) d -> d.getSpec().setMinReadySeconds(-1), "minReadySeconds"),
        Arguments.of("negative revisionHistoryLimit", (Consumer<NodeDaemon>) d -> d.getSpec().setRevisionHistoryLimit(-1), "revisionHistoryLimit"),
        Arguments.of("percent over 100", rolling(ru -> ru.setMaxUnavailable(new IntOrString("120%"))), "maxUnavailable"),
        Arguments.of("not a percent", rolling(ru -> ru.setMaxSurge(new IntOrString("lots"))), "maxSurge"),
        Arguments.of("negative partition", rolling(ru -> ru.setPartition(new IntOrString(-1))), "partition"),
        Arguments.of("both zero", rolling(ru -> ru.setMaxUnavailable(new IntOrString(0))), "may not be 0"),
        Arguments.of("both zero as percents", rolling(ru -> { ru.setMaxUnavailable(new IntOrString("0%")); ru.setMaxSurge(new IntOrString("0%")); }), "may not be 0"),
        Arguments.of("zero unavailable with surge is fine", rolling(ru -> { ru.setMaxUnavailable(new IntOrString(0)); ru.setMaxSurge(new IntOrString(1)); }), null),
        Arguments.of("percentages are fine", rolling(ru -> { ru.setMaxUnavailable(new IntOrString("25%")); ru.setPartition(new IntOrString("100%")); }), null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void validate(String name, Consumer<NodeDaemon> edit, String problem) {
    NodeDaemon d = daemon();
    edit.accept(d);
    if (problem == null) {
      assertThat(SpecValidation.validate(d)).isEmpty();
    } else {
      assertThat(SpecValidation.validate(d)).anyMatch(p -> p.contains(problem));
    }
  }

  @org.junit.jupiter.api.Test
  void labelSelectorsMatchAndRenderLikeKubectl() {
    var selector = new LabelSelectorBuilder().withMatchLabels(Map.of("name", "fluentd"))
        .withMatchExpressions(new LabelSelectorRequirementBuilder().withKey("tier").withOperator("In").withValues("b", "a").build(),
            new LabelSelectorRequirementBuilder().withKey("debug").withOperator("DoesNotExist").build())
        .build();
    assertThat(LabelSelectors.matches(selector, Map.of("name", "fluentd", "tier", "a"))).isTrue();
    assertThat(LabelSelectors.matches(selector, Map.of("name", "fluentd", "tier", "c"))).isFalse();
    assertThat(LabelSelectors.matches(selector, Map.of("name", "fluentd", "tier", "a", "debug", "1"))).isFalse();
    assertThat(LabelSelectors.matches((io.fabric8.kubernetes.api.model.LabelSelector) null, Map.of())).isFalse();
    assertThat(LabelSelectors.matches(new LabelSelectorBuilder().build(), Map.of("x", "y"))).isTrue();
    assertThat(LabelSelectors.toString(selector)).isEqualTo("name=fluentd,tier in (a,b),!debug");
  }
}
