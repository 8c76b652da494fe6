package io.nodedaemon.planner;

import static io.nodedaemon.planner.PlannerFixtures.daemon;
import static io.nodedaemon.planner.PlannerFixtures.expressions;
import static io.nodedaemon.planner.PlannerFixtures.fields;
import static io.nodedaemon.planner.PlannerFixtures.node;
import static io.nodedaemon.planner.PlannerFixtures.req;
import static io.nodedaemon.planner.PlannerFixtures.taint;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.PreferredSchedulingTermBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.nodedaemon.api.NodeDaemon;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Table cases for upstream's NodeShouldRunDaemonPod (SPEC §4). */
class PlacementTest {

  private static final NodePlacement BOTH = new NodePlacement(true, true, null);
  private static final NodePlacement STAY_ONLY = new NodePlacement(false, true, null);
  private static final NodePlacement NEITHER = new NodePlacement(false, false, null);

  /** The two decisions alone (the exclusion's wording has its own table below). */
  private static NodePlacement decide(Node node, NodeDaemon daemon) {
    NodePlacement p = Placement.nodeShouldRunDaemonPod(node, daemon);
    assertThat(p.exclusion() == null)
        .as("an exclusion exactly when no new pod should be placed")
        .isEqualTo(p.shouldRun());
    return new NodePlacement(p.shouldRun(), p.shouldContinueRunning(), null);
  }

  private static NodeDaemon withRequired(NodeSelectorTerm... terms) {
    NodeDaemon d = daemon();
    d.getSpec()
        .getTemplate()
        .getSpec()
        .setAffinity(
            new AffinityBuilder()
                .withNewNodeAffinity()
                .withNewRequiredDuringSchedulingIgnoredDuringExecution()
                .withNodeSelectorTerms(terms)
                .endRequiredDuringSchedulingIgnoredDuringExecution()
                .endNodeAffinity()
                .build());
    return d;
  }

  private static NodeDaemon withTolerations(boolean hostNetwork, Toleration... tolerations) {
    NodeDaemon d = daemon();
    d.getSpec().getTemplate().getSpec().setTolerations(List.of(tolerations));
    d.getSpec().getTemplate().getSpec().setHostNetwork(hostNetwork);
    return d;
  }

  static Stream<Arguments> affinityCases() {
    Node zoneA = node("n1", Map.of("zone", "a", "cpus", "8", "gpu", "yes"));
    Node bare = node("n1");
    return Stream.of(
        Arguments.of(
            "In matches a listed value",
            withRequired(expressions(req("zone", "In", "a", "b"))),
            zoneA,
            true),
        Arguments.of(
            "In fails on an unlisted value",
            withRequired(expressions(req("zone", "In", "b"))),
            zoneA,
            false),
        Arguments.of(
            "In fails on a missing label",
            withRequired(expressions(req("zone", "In", "a"))),
            bare,
            false),
        Arguments.of(
            "NotIn matches an unlisted value",
            withRequired(expressions(req("zone", "NotIn", "b"))),
            zoneA,
            true),
        Arguments.of(
            "NotIn fails on a listed value",
            withRequired(expressions(req("zone", "NotIn", "a"))),
            zoneA,
            false),
        Arguments.of(
            "NotIn matches a missing label",
            withRequired(expressions(req("zone", "NotIn", "a"))),
            bare,
            true),
        Arguments.of(
            "Exists matches a present label",
            withRequired(expressions(req("gpu", "Exists"))),
            zoneA,
            true),
        Arguments.of(
            "Exists fails on a missing label",
            withRequired(expressions(req("gpu", "Exists"))),
            bare,
            false),
        Arguments.of(
            "DoesNotExist matches a missing label",
            withRequired(expressions(req("gpu", "DoesNotExist"))),
            bare,
            true),
        Arguments.of(
            "DoesNotExist fails on a present label",
            withRequired(expressions(req("gpu", "DoesNotExist"))),
            zoneA,
            false),
        Arguments.of(
            "Gt matches a greater number",
            withRequired(expressions(req("cpus", "Gt", "4"))),
            zoneA,
            true),
        Arguments.of(
            "Gt fails on an equal number",
            withRequired(expressions(req("cpus", "Gt", "8"))),
            zoneA,
            false),
        Arguments.of(
            "Gt fails on a smaller number",
            withRequired(expressions(req("cpus", "Gt", "16"))),
            zoneA,
            false),
        Arguments.of(
            "Gt fails on a non-numeric label",
            withRequired(expressions(req("zone", "Gt", "1"))),
            zoneA,
            false),
        Arguments.of(
            "Gt fails on a non-numeric value",
            withRequired(expressions(req("cpus", "Gt", "four"))),
            zoneA,
            false),
        Arguments.of(
            "Gt fails on a missing label",
            withRequired(expressions(req("cpus", "Gt", "1"))),
            bare,
            false),
        Arguments.of(
            "Gt fails with two values",
            withRequired(expressions(req("cpus", "Gt", "1", "2"))),
            zoneA,
            false),
        Arguments.of(
            "Lt matches a smaller number",
            withRequired(expressions(req("cpus", "Lt", "16"))),
            zoneA,
            true),
        Arguments.of(
            "Lt fails on an equal number",
            withRequired(expressions(req("cpus", "Lt", "8"))),
            zoneA,
            false),
        Arguments.of(
            "Lt fails on a non-numeric label",
            withRequired(expressions(req("zone", "Lt", "100"))),
            zoneA,
            false),
        Arguments.of(
            "Lt fails on a non-numeric value",
            withRequired(expressions(req("cpus", "Lt", "many"))),
            zoneA,
            false),
        Arguments.of(
            "an unknown operator matches nothing",
            withRequired(expressions(req("zone", "Like", "a"))),
            zoneA,
            false),
        Arguments.of(
            "matchFields In on the node name",
            withRequired(fields(req("metadata.name", "In", "n1"))),
            zoneA,
            true),
        Arguments.of(
            "matchFields In on another name",
            withRequired(fields(req("metadata.name", "In", "n2"))),
            zoneA,
            false),
        Arguments.of(
            "matchFields NotIn on another name",
            withRequired(fields(req("metadata.name", "NotIn", "n2"))),
            zoneA,
            true),
        Arguments.of(
            "matchFields NotIn on the node name",
            withRequired(fields(req("metadata.name", "NotIn", "n1"))),
            zoneA,
            false),
        Arguments.of(
            "matchFields on an unsupported field",
            withRequired(fields(req("metadata.uid", "In", "n1"))),
            zoneA,
            false),
        Arguments.of(
            "matchFields with Exists is unsupported",
            withRequired(fields(req("metadata.name", "Exists"))),
            zoneA,
            false),
        Arguments.of(
            "expressions in one term are ANDed: one fails",
            withRequired(expressions(req("zone", "In", "a"), req("gpu", "DoesNotExist"))),
            zoneA,
            false),
        Arguments.of(
            "expressions in one term are ANDed: all match",
            withRequired(
                expressions(req("zone", "In", "a"), req("gpu", "Exists"), req("cpus", "Gt", "2"))),
            zoneA,
            true),
        Arguments.of(
            "expressions and fields in one term are ANDed",
            withRequired(
                new io.fabric8.kubernetes.api.model.NodeSelectorTermBuilder()
                    .withMatchExpressions(req("zone", "In", "a"))
                    .withMatchFields(req("metadata.name", "In", "n2"))
                    .build()),
            zoneA,
            false),
        Arguments.of(
            "terms are ORed: second matches",
            withRequired(expressions(req("zone", "In", "b")), expressions(req("gpu", "Exists"))),
            zoneA,
            true),
        Arguments.of(
            "terms are ORed: none matches",
            withRequired(
                expressions(req("zone", "In", "b")), fields(req("metadata.name", "In", "n2"))),
            zoneA,
            false),
        Arguments.of(
            "an empty term matches nothing", withRequired(new NodeSelectorTerm()), zoneA, false),
        Arguments.of("no affinity matches every node", daemon(), bare, true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("affinityCases")
  void requiredNodeAffinityDecidesBothShouldRunAndShouldContinueRunning(
      String name, NodeDaemon daemon, Node node, boolean matches) {
    NodePlacement placement = decide(node, daemon);

    assertThat(placement).isEqualTo(matches ? BOTH : NEITHER);
  }

  static Stream<Arguments> nodeSelectorCases() {
    return Stream.of(
        Arguments.of(
            "all selector labels present",
            Map.of("disk", "ssd", "zone", "a"),
            Map.of("disk", "ssd", "zone", "a", "x", "y"),
            true),
        Arguments.of(
            "one label has another value",
            Map.of("disk", "ssd", "zone", "a"),
            Map.of("disk", "ssd", "zone", "b"),
            false),
        Arguments.of(
            "one label is missing",
            Map.of("disk", "ssd", "zone", "a"),
            Map.of("disk", "ssd"),
            false),
        Arguments.of("an empty nodeSelector selects all", Map.of(), Map.of(), true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("nodeSelectorCases")
  void nodeSelectorMustMatchNodeLabels(
      String name, Map<String, String> selector, Map<String, String> labels, boolean matches) {
    NodeDaemon d = daemon();
    d.getSpec().getTemplate().getSpec().setNodeSelector(selector);

    assertThat(decide(node("n1", labels), d)).isEqualTo(matches ? BOTH : NEITHER);
  }

  @Test
  void nodeSelectorAndRequiredAffinityMustBothMatch() {
    NodeDaemon d = withRequired(expressions(req("zone", "In", "a")));
    d.getSpec().getTemplate().getSpec().setNodeSelector(Map.of("disk", "ssd"));

    assertThat(decide(node("n1", Map.of("zone", "a")), d)).isEqualTo(NEITHER);
    assertThat(decide(node("n1", Map.of("disk", "ssd")), d)).isEqualTo(NEITHER);
    assertThat(decide(node("n1", Map.of("zone", "a", "disk", "ssd")), d)).isEqualTo(BOTH);
  }

  @Test
  void preferredAffinityDoesNotKeepAPodAway() {
    NodeDaemon d = daemon();
    d.getSpec()
        .getTemplate()
        .getSpec()
        .setAffinity(
            new AffinityBuilder()
                .withNewNodeAffinity()
                .withPreferredDuringSchedulingIgnoredDuringExecution(
                    new PreferredSchedulingTermBuilder()
                        .withWeight(1)
                        .withPreference(expressions(req("zone", "In", "nowhere")))
                        .build())
                .endNodeAffinity()
                .build());

    assertThat(decide(node("n1"), d)).isEqualTo(BOTH);
  }

  static Toleration toleration(String key, String operator, String value, String effect) {
    return new TolerationBuilder()
        .withKey(key)
        .withOperator(operator)
        .withValue(value)
        .withEffect(effect)
        .build();
  }

  static Stream<Arguments> taintCases() {
    return Stream.of(
        Arguments.of("no taint", daemon(), List.of(), BOTH),
        Arguments.of(
            "untolerated NoSchedule: not placed, may stay",
            daemon(),
            List.of(taint("k", "v", "NoSchedule")),
            STAY_ONLY),
        Arguments.of(
            "untolerated NoExecute: neither",
            daemon(),
            List.of(taint("k", "v", "NoExecute")),
            NEITHER),
        Arguments.of(
            "PreferNoSchedule never keeps a daemon away",
            daemon(),
            List.of(taint("k", "v", "PreferNoSchedule")),
            BOTH),
        Arguments.of(
            "NoSchedule and NoExecute together: neither",
            daemon(),
            List.of(taint("a", "v", "NoSchedule"), taint("b", "v", "NoExecute")),
            NEITHER),
        Arguments.of(
            "Equal toleration with the same value",
            withTolerations(false, toleration("k", "Equal", "v", "NoExecute")),
            List.of(taint("k", "v", "NoExecute")),
            BOTH),
        Arguments.of(
            "Equal toleration with another value",
            withTolerations(false, toleration("k", "Equal", "w", "NoExecute")),
            List.of(taint("k", "v", "NoExecute")),
            NEITHER),
        Arguments.of(
            "empty operator means Equal",
            withTolerations(false, toleration("k", null, "v", "NoSchedule")),
            List.of(taint("k", "v", "NoSchedule")),
            BOTH),
        Arguments.of(
            "Exists toleration ignores the value",
            withTolerations(false, toleration("k", "Exists", null, "NoExecute")),
            List.of(taint("k", "anything", "NoExecute")),
            BOTH),
        Arguments.of(
            "Exists toleration of another key",
            withTolerations(false, toleration("other", "Exists", null, null)),
            List.of(taint("k", "v", "NoSchedule")),
            STAY_ONLY),
        Arguments.of(
            "toleration of another effect",
            withTolerations(false, toleration("k", "Exists", null, "NoSchedule")),
            List.of(taint("k", "v", "NoExecute")),
            NEITHER),
        Arguments.of(
            "empty effect tolerates every effect",
            withTolerations(false, toleration("k", "Exists", null, null)),
            List.of(taint("k", "v", "NoExecute"), taint("k", "v", "NoSchedule")),
            BOTH),
        Arguments.of(
            "empty key with Exists tolerates all",
            withTolerations(false, toleration(null, "Exists", null, null)),
            List.of(taint("a", "1", "NoExecute"), taint("b", "2", "NoSchedule")),
            BOTH),
        Arguments.of(
            "default: not-ready NoExecute",
            daemon(),
            List.of(taint("node.kubernetes.io/not-ready", null, "NoExecute")),
            BOTH),
        Arguments.of(
            "default: unreachable NoExecute",
            daemon(),
            List.of(taint("node.kubernetes.io/unreachable", null, "NoExecute")),
            BOTH),
        Arguments.of(
            "default: disk-pressure NoSchedule",
            daemon(),
            List.of(taint("node.kubernetes.io/disk-pressure", null, "NoSchedule")),
            BOTH),
        Arguments.of(
            "default: memory-pressure NoSchedule",
            daemon(),
            List.of(taint("node.kubernetes.io/memory-pressure", null, "NoSchedule")),
            BOTH),
        Arguments.of(
            "default: pid-pressure NoSchedule",
            daemon(),
            List.of(taint("node.kubernetes.io/pid-pressure", null, "NoSchedule")),
            BOTH),
        Arguments.of(
            "default: unschedulable NoSchedule",
            daemon(),
            List.of(taint("node.kubernetes.io/unschedulable", null, "NoSchedule")),
            BOTH),
        Arguments.of(
            "default tolerations do not cover disk-pressure NoExecute",
            daemon(),
            List.of(taint("node.kubernetes.io/disk-pressure", null, "NoExecute")),
            NEITHER),
        Arguments.of(
            "network-unavailable without hostNetwork is not tolerated",
            withTolerations(false),
            List.of(taint("node.kubernetes.io/network-unavailable", null, "NoSchedule")),
            STAY_ONLY),
        Arguments.of(
            "network-unavailable with hostNetwork is tolerated",
            withTolerations(true),
            List.of(taint("node.kubernetes.io/network-unavailable", null, "NoSchedule")),
            BOTH));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("taintCases")
  void taintsAgainstTemplateAndDefaultTolerations(
      String name, NodeDaemon daemon, List<Taint> taints, NodePlacement expected) {
    Node node = node("n1", Map.of(), taints.toArray(Taint[]::new));

    assertThat(decide(node, daemon)).isEqualTo(expected);
  }

  @Test
  void templateNodeNameOfAnotherNodeMeansNeither() {
    NodeDaemon d = daemon();
    d.getSpec().getTemplate().getSpec().setNodeName("n2");

    assertThat(decide(node("n1"), d)).isEqualTo(NEITHER);
    assertThat(decide(node("n2"), d)).isEqualTo(BOTH);
  }

  @Test
  void templateNodeNameDoesNotOverrideAnUntoleratedTaint() {
    NodeDaemon d = daemon();
    d.getSpec().getTemplate().getSpec().setNodeName("n1");

    assertThat(decide(node("n1", Map.of(), taint("k", "v", "NoExecute")), d)).isEqualTo(NEITHER);
  }

  private static NodeDaemon twoKeys() {
    NodeDaemon d = daemon();
    Map<String, String> selector = new java.util.LinkedHashMap<>();
    selector.put("z-disk", "ssd");
    selector.put("a-zone", "1");
    d.getSpec().getTemplate().getSpec().setNodeSelector(selector);
    return d;
  }

  static Stream<Arguments> exclusionCases() {
    NodeDaemon named = daemon();
    named.getSpec().getTemplate().getSpec().setNodeName("worker-7");
    NodeDaemon selector = daemon();
    selector.getSpec().getTemplate().getSpec().setNodeSelector(Map.of("disktype", "ssd"));
    NodeDaemon selectorAndAffinity = withRequired(expressions(req("zone", "In", "a")));
    selectorAndAffinity
        .getSpec()
        .getTemplate()
        .getSpec()
        .setNodeSelector(Map.of("disktype", "ssd"));
    NodeDaemon namedAndSelector = daemon();
    namedAndSelector.getSpec().getTemplate().getSpec().setNodeName("worker-7");
    namedAndSelector.getSpec().getTemplate().getSpec().setNodeSelector(Map.of("disktype", "ssd"));
    Taint controlPlane = taint("node-role.kubernetes.io/control-plane", null, "NoSchedule");
    return Stream.of(
        Arguments.of(
            "template nodeName of another node",
            named,
            node("n1"),
            "NodeNameMismatch",
            "template.spec.nodeName is worker-7"),
        Arguments.of(
            "nodeSelector label missing",
            selector,
            node("n1"),
            "NodeSelectorMismatch",
            "nodeSelector disktype=ssd not matched"),
        Arguments.of(
            "nodeSelector label of another value",
            selector,
            node("n1", Map.of("disktype", "hdd")),
            "NodeSelectorMismatch",
            "nodeSelector disktype=ssd not matched"),
        Arguments.of(
            "of two unmatched nodeSelector entries, the smallest key is named",
            twoKeys(),
            node("n1"),
            "NodeSelectorMismatch",
            "nodeSelector a-zone=1 not matched"),
        Arguments.of(
            "required affinity",
            withRequired(expressions(req("zone", "In", "a"))),
            node("n1", Map.of("zone", "b")),
            "NodeAffinityMismatch",
            "required node affinity not matched"),
        Arguments.of(
            "taint without a value",
            daemon(),
            node("n1", Map.of(), controlPlane),
            "UntoleratedTaint",
            "taint node-role.kubernetes.io/control-plane:NoSchedule not tolerated"),
        Arguments.of(
            "taint with a value",
            daemon(),
            node("n1", Map.of(), taint("dedicated", "gpu", "NoExecute")),
            "UntoleratedTaint",
            "taint dedicated=gpu:NoExecute not tolerated"),
        Arguments.of(
            "the first untolerated taint is named, tolerated ones are skipped",
            daemon(),
            node(
                "n1",
                Map.of(),
                taint("node.kubernetes.io/not-ready", null, "NoExecute"),
                taint("a", "1", "PreferNoSchedule"),
                taint("b", "2", "NoSchedule"),
                taint("c", "3", "NoExecute")),
            "UntoleratedTaint",
            "taint b=2:NoSchedule not tolerated"),
        Arguments.of(
            "nodeName is checked before the nodeSelector",
            namedAndSelector,
            node("n1"),
            "NodeNameMismatch",
            "template.spec.nodeName is worker-7"),
        Arguments.of(
            "nodeSelector is checked before affinity",
            selectorAndAffinity,
            node("n1", Map.of("zone", "b")),
            "NodeSelectorMismatch",
            "nodeSelector disktype=ssd not matched"),
        Arguments.of(
            "selector and affinity are checked before taints",
            selector,
            node("n1", Map.of(), controlPlane),
            "NodeSelectorMismatch",
            "nodeSelector disktype=ssd not matched"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("exclusionCases")
  void aNodeThatGetsNoPodNamesTheFirstRuleThatKeepsItAway(
      String name, NodeDaemon daemon, Node node, String reason, String message) {
    NodePlacement placement = Placement.nodeShouldRunDaemonPod(node, daemon);

    assertThat(placement.shouldRun()).isFalse();
    assertThat(placement.exclusion()).isEqualTo(new NodePlacement.Exclusion(reason, message));
  }

  @Test
  void aPodThatMayStayKeepsItsNodeOutOfTheExcludedList() {
    NodePlacement noSchedule =
        Placement.nodeShouldRunDaemonPod(
            node("n1", Map.of(), taint("k", "v", "NoSchedule")), daemon());
    NodePlacement noExecute =
        Placement.nodeShouldRunDaemonPod(
            node("n1", Map.of(), taint("k", "v", "NoExecute")), daemon());

    assertThat(noSchedule.excludes(true)).as("its pod stays").isFalse();
    assertThat(noSchedule.excludes(false)).as("no pod, none placed").isTrue();
    assertThat(noExecute.excludes(true)).as("its pod is evicted").isTrue();
    assertThat(BOTH.excludes(false)).isFalse();
  }

  @Test
  void placementDoesNotMutateTheTemplateTolerations() {
    NodeDaemon d = withTolerations(false, toleration("k", "Exists", null, null));

    decide(node("n1", Map.of(), taint("x", "y", "NoSchedule")), d);

    assertThat(d.getSpec().getTemplate().getSpec().getTolerations()).hasSize(1);
  }
}
