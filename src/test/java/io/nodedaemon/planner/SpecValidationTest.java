package io.nodedaemon.planner;

import static io.nodedaemon.planner.PlannerFixtures.daemon;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonUpdateStrategy;
import io.nodedaemon.api.RollingUpdateNodeDaemon;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
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
        bad("selector empty", d -> d.getSpec().setSelector(new LabelSelector()), SpecValidation.EMPTY_SELECTOR),
        bad("template spec missing", d -> d.getSpec().getTemplate().setSpec(null), "spec.template.spec: required"),
        bad("selector does not match template labels", d -> d.getSpec().setSelector(new LabelSelector(null, Map.of("app", "bar"))),
            "do not match spec.selector `app=bar`"),
        bad("template without labels", d -> d.getSpec().getTemplate().getMetadata().setLabels(null), "do not match spec.selector"),
        ok("matchExpressions selector matching the template", d -> d.getSpec().setSelector(new LabelSelectorBuilder()
            .addNewMatchExpression().withKey("app").withOperator("In").withValues("foo", "bar").endMatchExpression().build())),
        bad("matchExpressions selector not matching the template", d -> d.getSpec().setSelector(new LabelSelectorBuilder()
            .addNewMatchExpression().withKey("app").withOperator("NotIn").withValues("foo").endMatchExpression().build()),
            "do not match spec.selector"),
        bad("selector expression without operator is reported, not thrown", d -> d.getSpec().setSelector(new LabelSelectorBuilder()
            .addNewMatchExpression().withKey("app").withValues("foo").endMatchExpression().build()), "do not match spec.selector"),
        bad("no containers", d -> d.getSpec().getTemplate().getSpec().setContainers(List.of()), "at least one container"),
        ok("restartPolicy Always", d -> d.getSpec().getTemplate().getSpec().setRestartPolicy("Always")),
        bad("restartPolicy OnFailure", d -> d.getSpec().getTemplate().getSpec().setRestartPolicy("OnFailure"), "only Always is supported"),
        bad("restartPolicy Never", d -> d.getSpec().getTemplate().getSpec().setRestartPolicy("Never"), "only Always is supported"),
        bad("activeDeadlineSeconds set", d -> d.getSpec().getTemplate().getSpec().setActiveDeadlineSeconds(30L), "activeDeadlineSeconds"),
        ok("minReadySeconds 0", d -> d.getSpec().setMinReadySeconds(0)),
        bad("minReadySeconds negative", d -> d.getSpec().setMinReadySeconds(-1), "spec.minReadySeconds: must be >= 0"),
        ok("revisionHistoryLimit 0", d -> d.getSpec().setRevisionHistoryLimit(0)),
        bad("revisionHistoryLimit negative", d -> d.getSpec().setRevisionHistoryLimit(-1), "spec.revisionHistoryLimit: must be >= 0"),
        ok("progressDeadlineSeconds 1", d -> d.getSpec().setProgressDeadlineSeconds(1)),
        bad("progressDeadlineSeconds 0", d -> d.getSpec().setProgressDeadlineSeconds(0), "spec.progressDeadlineSeconds: must be >= 1"),
        ok("maxUnavailable 100%", rolling(ru -> ru.setMaxUnavailable(new IntOrString("100%")))),
        ok("maxUnavailable 0% with maxSurge 1", rolling(ru -> {
          ru.setMaxUnavailable(new IntOrString("0%"));
          ru.setMaxSurge(new IntOrString(1));
        })),
        bad("maxUnavailable negative", rolling(ru -> ru.setMaxUnavailable(new IntOrString(-1))), "maxUnavailable: must be >= 0"),
        bad("maxUnavailable 101%", rolling(ru -> ru.setMaxUnavailable(new IntOrString("101%"))), "maxUnavailable: must be an integer or a percentage"),
        bad("maxUnavailable not a number", rolling(ru -> ru.setMaxUnavailable(new IntOrString("abc"))), "maxUnavailable: must be an integer or a percentage"),
        bad("maxSurge negative", rolling(ru -> ru.setMaxSurge(new IntOrString(-2))), "maxSurge: must be >= 0"),
        bad("maxSurge 150%", rolling(ru -> ru.setMaxSurge(new IntOrString("150%"))), "maxSurge: must be an integer or a percentage"),
        ok("partition 50%", rolling(ru -> ru.setPartition(new IntOrString("50%")))),
        bad("partition negative", rolling(ru -> ru.setPartition(new IntOrString(-1))), "partition: must be >= 0"),
        bad("maxUnavailable 0 and maxSurge absent", rolling(ru -> ru.setMaxUnavailable(new IntOrString(0))), "may not be 0 when maxSurge is 0"),
        bad("maxUnavailable 0% and maxSurge 0%", rolling(ru -> {
          ru.setMaxUnavailable(new IntOrString("0%"));
          ru.setMaxSurge(new IntOrString("0%"));
        }), "may not be 0 when maxSurge is 0"),
        ok("maxUnavailable absent and maxSurge 0 (default maxUnavailable 1)", rolling(ru -> ru.setMaxSurge(new IntOrString(0)))),
        ok("rollout selector with a known operator", rolling(ru -> ru.setSelector(new LabelSelectorBuilder()
            .addNewMatchExpression().withKey("zone").withOperator("Exists").endMatchExpression().build()))),
        bad("rollout selector with an unknown operator", rolling(ru -> ru.setSelector(new LabelSelectorBuilder()
            .addNewMatchExpression().withKey("zone").withOperator("Gt").withValues("1").endMatchExpression().build())),
            "selector: unknown operator Gt"));
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
