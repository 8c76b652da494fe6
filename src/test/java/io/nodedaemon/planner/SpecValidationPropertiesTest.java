package io.nodedaemon.planner;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonSpec;
import io.nodedaemon.api.NodeDaemonUpdateStrategy;
import io.nodedaemon.api.RollingUpdateNodeDaemon;
import io.nodedaemon.planner.rollout.RolloutPlanner;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Spec validation is total (issue 10, defect 5): whatever spec deserialises — nulls anywhere, in
 * lists and maps too, odd int-or-strings, empty and huge selectors, requirements without operator —
 * it returns problems and never throws; and a spec it accepts is one the rollout arithmetic and the
 * selector matching can run. Generated objects are JSON-shaped: a map may hold a null value, never
 * a null key. The counterexamples these properties found are named cases in SpecValidationTest.
 */
class SpecValidationPropertiesTest {

  @Property(tries = 1000)
  void validationNeverThrows(@ForAll("anySpec") Sample sample) {
    assertThat(SpecValidation.validate(sample.daemon())).isNotNull();
  }

  @Property(tries = 300)
  void problemsNameTheirFieldAndStayShort(@ForAll("anySpec") Sample sample) {
    List<String> problems = SpecValidation.validate(sample.daemon());

    // They end up in one condition message and one event.
    assertThat(problems).hasSizeLessThanOrEqualTo(SpecValidation.MAX_PROBLEMS + 1);
    assertThat(problems)
        .allSatisfy(
            p -> {
              assertThat(p).matches("(spec|and \\d+ more problems)[\\s\\S]*");
              assertThat(p.length()).isLessThan(1000);
            });
  }

  @Property(tries = 1000)
  void anAcceptedSpecCanBePlanned(@ForAll("nearlyValidSpec") Sample sample) {
    boolean accepted = SpecValidation.validate(sample.daemon()).isEmpty();
    Statistics.collect(accepted);
    // Not a vacuous property: a good share of the nearly valid specs must be accepted.
    Statistics.coverage(coverage -> coverage.check(true).percentage(p -> p >= 20));
    if (!accepted) {
      return;
    }
    NodeDaemonSpec spec = sample.daemon().getSpec();
    // What the planner does with a valid spec, none of which may throw.
    assertThat(
            LabelSelectors.matches(
                spec.getSelector(), spec.getTemplate().getMetadata().getLabels()))
        .isTrue();
    assertThat(LabelSelectors.toString(spec.getSelector())).isNotEmpty();
    RollingUpdateNodeDaemon ru =
        spec.getUpdateStrategy() == null ? null : spec.getUpdateStrategy().getRollingUpdate();
    for (int desired : new int[] {0, 1, 7, 5000}) {
      assertThat(RolloutPlanner.unavailableCount(ru, desired)).isNotNegative();
      assertThat(RolloutPlanner.surgeCount(ru, desired)).isNotNegative();
      assertThat(RolloutPlanner.partitionCount(ru, desired)).isBetween(0, desired);
    }
    if (ru != null && ru.getSelector() != null) {
      LabelSelectors.matches(ru.getSelector(), Map.of("zone", "a", "app", "foo"));
      LabelSelectors.toString(ru.getSelector());
    }
  }

  /**
   * A generated NodeDaemon, shown as YAML (long strings cut) when jqwik reports a counterexample.
   */
  record Sample(NodeDaemon daemon) {
    @Override
    public String toString() {
      String yaml = Serialization.asYaml(daemon);
      StringBuilder out = new StringBuilder("\n");
      for (String line : yaml.split("\n")) {
        out.append(
                line.length() <= 160
                    ? line
                    : line.substring(0, 160) + "... (" + line.length() + " chars)")
            .append('\n');
      }
      return out.toString();
    }
  }

  // ---- arbitrary specs: any shape, any value
  // ------------------------------------------------------

  @Provide
  Arbitrary<Sample> anySpec() {
    Arbitrary<NodeDaemonSpec> spec =
        Combinators.combine(selectors(), templates(), strategies(), ints(), ints(), ints())
            .as(
                (selector, template, strategy, minReady, history, deadline) -> {
                  NodeDaemonSpec s = new NodeDaemonSpec();
                  s.setSelector(selector);
                  s.setTemplate(template);
                  s.setUpdateStrategy(strategy);
                  s.setMinReadySeconds(minReady);
                  s.setRevisionHistoryLimit(history);
                  s.setProgressDeadlineSeconds(deadline);
                  return s;
                });
    return spec.injectNull(0.05)
        .map(
            s -> {
              NodeDaemon d = new NodeDaemon();
              d.setMetadata(new ObjectMeta());
              d.setSpec(s);
              return new Sample(d);
            });
  }

  /** Mostly the words a spec is made of, sometimes anything, sometimes megabytes. */
  static Arbitrary<String> strings() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(
            6,
            Arbitraries.of(
                "",
                "app",
                "foo",
                "zone",
                "a",
                "controller-revision-hash",
                "example.com/app",
                "Example.com/app",
                "-x",
                "x/",
                "/x",
                "a/b/c",
                "In",
                "NotIn",
                "Exists",
                "DoesNotExist",
                "Gt",
                "Always",
                "Never",
                "0",
                "0%",
                "1",
                "100%",
                "101%",
                "-1",
                "%",
                "5",
                "1e3",
                "2147483648%",
                " ",
                "ümlaut")),
        net.jqwik.api.Tuple.of(3, Arbitraries.strings().ofMaxLength(80)),
        net.jqwik.api.Tuple.of(
            1,
            Arbitraries.strings()
                .withChars('a', 'b', '.', '-', '/')
                .ofMinLength(60)
                .ofMaxLength(400)),
        net.jqwik.api.Tuple.of(
            1,
            Arbitraries.strings().withCharRange('a', 'z').ofMinLength(10_000).ofMaxLength(20_000)));
  }

  static Arbitrary<Integer> ints() {
    return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(-3, 700)),
            net.jqwik.api.Tuple.of(1, Arbitraries.integers()))
        .injectNull(0.4);
  }

  static Arbitrary<Map<String, String>> labels() {
    Arbitrary<Map<String, String>> small =
        Arbitraries.maps(strings(), strings().injectNull(0.05)).ofMaxSize(5);
    Arbitrary<Map<String, String>> huge =
        Arbitraries.maps(
                Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(20),
                Arbitraries.strings().withCharRange('a', 'z').ofMaxLength(10))
            .ofMinSize(100)
            .ofMaxSize(2000);
    return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(9, small), net.jqwik.api.Tuple.of(1, huge))
        .injectNull(0.2);
  }

  static Arbitrary<LabelSelectorRequirement> requirements() {
    Arbitrary<List<String>> values = strings().injectNull(0.05).list().ofMaxSize(4).injectNull(0.3);
    return Combinators.combine(strings().injectNull(0.1), strings().injectNull(0.2), values)
        .as((key, operator, v) -> new LabelSelectorRequirement(key, operator, v));
  }

  static Arbitrary<LabelSelector> selectors() {
    Arbitrary<List<LabelSelectorRequirement>> expressions =
        Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(9, requirements().injectNull(0.05).list().ofMaxSize(4)),
                net.jqwik.api.Tuple.of(1, requirements().list().ofMinSize(100).ofMaxSize(500)))
            .injectNull(0.4);
    return Combinators.combine(expressions, labels()).as(LabelSelector::new).injectNull(0.1);
  }

  static Arbitrary<PodTemplateSpec> templates() {
    Arbitrary<List<Container>> containers =
        Arbitraries.of(
                List.<Container>of(),
                java.util.Arrays.asList((Container) null),
                List.of(new ContainerBuilder().withName("c").withImage("image:1").build()))
            .injectNull(0.25);
    Arbitrary<PodSpec> podSpec =
        Combinators.combine(
                containers, strings().injectNull(0.5), Arbitraries.longs().injectNull(0.8))
            .as(
                (c, restartPolicy, deadline) -> {
                  PodSpec s = new PodSpec();
                  s.setContainers(c);
                  s.setRestartPolicy(restartPolicy);
                  s.setActiveDeadlineSeconds(deadline);
                  return s;
                })
            .injectNull(0.1);
    Arbitrary<ObjectMeta> metadata =
        labels()
            .map(
                l -> {
                  ObjectMeta m = new ObjectMeta();
                  m.setLabels(l);
                  return m;
                })
            .injectNull(0.1);
    return Combinators.combine(metadata, podSpec).as(PodTemplateSpec::new).injectNull(0.1);
  }

  static Arbitrary<IntOrString> intOrStrings() {
    return Arbitraries.oneOf(
            Arbitraries.just(new IntOrString()),
            Arbitraries.integers().map(IntOrString::new),
            strings().map(IntOrString::new))
        .injectNull(0.25);
  }

  static Arbitrary<NodeDaemonUpdateStrategy> strategies() {
    Arbitrary<RollingUpdateNodeDaemon> rollingUpdate =
        Combinators.combine(
                intOrStrings(),
                intOrStrings(),
                intOrStrings(),
                selectors(),
                Arbitraries.of(true, false).injectNull(0.5))
            .as(
                (maxUnavailable, maxSurge, partition, selector, paused) -> {
                  RollingUpdateNodeDaemon ru = new RollingUpdateNodeDaemon();
                  ru.setMaxUnavailable(maxUnavailable);
                  ru.setMaxSurge(maxSurge);
                  ru.setPartition(partition);
                  ru.setSelector(selector);
                  ru.setPaused(paused);
                  return ru;
                })
            .injectNull(0.2);
    return Combinators.combine(
            Arbitraries.of(NodeDaemonUpdateStrategy.Type.class).injectNull(0.3), rollingUpdate)
        .as(
            (type, ru) -> {
              NodeDaemonUpdateStrategy s = new NodeDaemonUpdateStrategy();
              s.setType(type);
              s.setRollingUpdate(ru);
              return s;
            })
        .injectNull(0.3);
  }

  // ---- nearly valid specs: the fixture with a few changes, so that many are accepted
  // ---------------

  @Provide
  Arbitrary<Sample> nearlyValidSpec() {
    Arbitrary<Consumer<NodeDaemon>> change =
        Arbitraries.oneOf(
            ints().map(i -> d -> d.getSpec().setMinReadySeconds(i)),
            ints().map(i -> d -> d.getSpec().setRevisionHistoryLimit(i)),
            ints().map(i -> d -> d.getSpec().setProgressDeadlineSeconds(i)),
            intOrStrings().map(v -> d -> rollingUpdate(d).setMaxUnavailable(v)),
            intOrStrings().map(v -> d -> rollingUpdate(d).setMaxSurge(v)),
            intOrStrings().map(v -> d -> rollingUpdate(d).setPartition(v)),
            selectors().map(s -> d -> rollingUpdate(d).setSelector(s)),
            requirements()
                .map(
                    r ->
                        d -> {
                          LabelSelector s = d.getSpec().getSelector();
                          List<LabelSelectorRequirement> all =
                              s.getMatchExpressions() == null
                                  ? new ArrayList<>()
                                  : new ArrayList<>(s.getMatchExpressions());
                          all.add(r);
                          s.setMatchExpressions(all);
                        }),
            Combinators.combine(strings(), strings())
                .as(
                    (k, v) ->
                        d -> {
                          var labels =
                              new java.util.HashMap<>(
                                  d.getSpec().getTemplate().getMetadata().getLabels());
                          labels.put(k, v);
                          d.getSpec().getTemplate().getMetadata().setLabels(labels);
                        }),
            Arbitraries.of(NodeDaemonUpdateStrategy.Type.class)
                .map(t -> d -> strategy(d).setType(t)));
    return change
        .list()
        .ofMaxSize(4)
        .map(
            changes -> {
              NodeDaemon d = PlannerFixtures.daemon();
              changes.forEach(c -> c.accept(d));
              return new Sample(d);
            });
  }

  private static NodeDaemonUpdateStrategy strategy(NodeDaemon d) {
    if (d.getSpec().getUpdateStrategy() == null) {
      d.getSpec().setUpdateStrategy(new NodeDaemonUpdateStrategy());
    }
    return d.getSpec().getUpdateStrategy();
  }

  private static RollingUpdateNodeDaemon rollingUpdate(NodeDaemon d) {
    if (strategy(d).getRollingUpdate() == null) {
      strategy(d).setRollingUpdate(new RollingUpdateNodeDaemon());
    }
    return strategy(d).getRollingUpdate();
  }
}
