package io.nodedaemon.planner;

import static io.nodedaemon.planner.Fixtures.daemon;
import static io.nodedaemon.planner.Fixtures.node;
import static io.nodedaemon.planner.Fixtures.taint;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.AffinityBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorTermBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.nodedaemon.api.NodeDaemon;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Upstream's NodeShouldRunDaemonPod as named table cases (SPEC §4). */
class PlacementTableTest {

  static NodeDaemon withTerms(NodeSelectorTermBuilder... terms) {
    NodeDaemon d = daemon();
    d.getSpec().getTemplate().getSpec().setAffinity(new AffinityBuilder().withNewNodeAffinity()
        .withNewRequiredDuringSchedulingIgnoredDuringExecution()
        .withNodeSelectorTerms(Stream.of(terms).map(NodeSelectorTermBuilder::build).toList())
        .endRequiredDuringSchedulingIgnoredDuringExecution().endNodeAffinity().build());
    return d;
  }

  static NodeSelectorTermBuilder expr(String key, String op, String... values) {
    return new NodeSelectorTermBuilder().withMatchExpressions(new NodeSelectorRequirementBuilder()
        .withKey(key).withOperator(op).withValues(values).build());
  }

  static NodeSelectorTermBuilder field(String op, String... values) {
    return new NodeSelectorTermBuilder().withMatchFields(new NodeSelectorRequirementBuilder()
        .withKey("metadata.name").withOperator(op).withValues(values).build());
  }

  static NodeDaemon withNodeSelector(Map<String, String> selector) {
    NodeDaemon d = daemon();
    d.getSpec().getTemplate().getSpec().setNodeSelector(selector);
    return d;
  }

  static NodeDaemon withTemplateNodeName(String name) {
    NodeDaemon d = daemon();
    d.getSpec().getTemplate().getSpec().setNodeName(name);
    return d;
  }

  static NodeDaemon hostNetwork() {
    NodeDaemon d = daemon();
    d.getSpec().getTemplate().getSpec().setHostNetwork(true);
    return d;
  }

  static NodeDaemon tolerating(String key, String operator, String value, String effect) {
    NodeDaemon d = daemon();
    d.getSpec().getTemplate().getSpec().setTolerations(List.of(new TolerationBuilder()
        .withKey(key).withOperator(operator).withValue(value).withEffect(effect).build()));
    return d;
  }

  static Taint valued(String key, String value, String effect) {
    return new TaintBuilder().withKey(key).withValue(value).withEffect(effect).build();
  }

  static final Node ZONE_A = node("n1", Map.of("zone", "a", "cores", "8"));

  static Stream<Arguments> cases() {
    return Stream.of(
        // name, node, daemon, shouldRun, shouldContinueRunning
        Arguments.of("no constraints", node("n1"), daemon(), true, true),
        Arguments.of("nodeSelector matches", ZONE_A, withNodeSelector(Map.of("zone", "a")), true, true),
        Arguments.of("nodeSelector does not match", ZONE_A, withNodeSelector(Map.of("zone", "b")), false, false),
        Arguments.of("In matches", ZONE_A, withTerms(expr("zone", "In", "a", "b")), true, true),
        Arguments.of("In misses", ZONE_A, withTerms(expr("zone", "In", "b")), false, false),
        Arguments.of("NotIn excludes", ZONE_A, withTerms(expr("zone", "NotIn", "a")), false, false),
        Arguments.of("NotIn on a missing label matches", ZONE_A, withTerms(expr("rack", "NotIn", "r1")), true, true),
        Arguments.of("Exists", ZONE_A, withTerms(expr("zone", "Exists")), true, true),
        Arguments.of("Exists on a missing label", ZONE_A, withTerms(expr("rack", "Exists")), false, false),
        Arguments.of("DoesNotExist", ZONE_A, withTerms(expr("rack", "DoesNotExist")), true, true),
        Arguments.of("DoesNotExist on a present label", ZONE_A, withTerms(expr("zone", "DoesNotExist")), false, false),
        Arguments.of("Gt true", ZONE_A, withTerms(expr("cores", "Gt", "4")), true, true),
        Arguments.of("Gt false", ZONE_A, withTerms(expr("cores", "Gt", "8")), false, false),
        Arguments.of("Lt true", ZONE_A, withTerms(expr("cores", "Lt", "16")), true, true),
        Arguments.of("Lt false", ZONE_A, withTerms(expr("cores", "Lt", "2")), false, false),
        Arguments.of("Gt on a non-numeric label never matches", ZONE_A, withTerms(expr("zone", "Gt", "1")), false, false),
        Arguments.of("terms are ORed", ZONE_A, withTerms(expr("zone", "In", "b"), expr("zone", "In", "a")), true, true),
        Arguments.of("expressions in a term are ANDed", ZONE_A,
            withTerms(new NodeSelectorTermBuilder().withMatchExpressions(
                new NodeSelectorRequirementBuilder().withKey("zone").withOperator("In").withValues("a").build(),
                new NodeSelectorRequirementBuilder().withKey("cores").withOperator("Gt").withValues("9").build())),
            false, false),
        Arguments.of("matchFields metadata.name In", ZONE_A, withTerms(field("In", "n1")), true, true),
        Arguments.of("matchFields metadata.name In another node", ZONE_A, withTerms(field("In", "n2")), false, false),
        Arguments.of("matchFields metadata.name NotIn", ZONE_A, withTerms(field("NotIn", "n1")), false, false),
        Arguments.of("template nodeName is this node", node("n1"), withTemplateNodeName("n1"), true, true),
        Arguments.of("template nodeName is another node", node("n1"), withTemplateNodeName("n2"), false, false),
        Arguments.of("untolerated NoSchedule: keep running, place none", node("n1", Map.of(), taint("dedicated", "NoSchedule")), daemon(), false, true),
        Arguments.of("untolerated NoExecute: evict", node("n1", Map.of(), taint("dedicated", "NoExecute")), daemon(), false, false),
        Arguments.of("PreferNoSchedule is ignored", node("n1", Map.of(), taint("dedicated", "PreferNoSchedule")), daemon(), true, true),
        Arguments.of("tolerated by Exists", node("n1", Map.of(), taint("dedicated", "NoExecute")),
            tolerating("dedicated", "Exists", null, "NoExecute"), true, true),
        Arguments.of("tolerated by Equal with the value", node("n1", Map.of(), valued("dedicated", "db", "NoSchedule")),
            tolerating("dedicated", "Equal", "db", "NoSchedule"), true, true),
        Arguments.of("Equal with another value does not tolerate", node("n1", Map.of(), valued("dedicated", "db", "NoSchedule")),
            tolerating("dedicated", "Equal", "web", "NoSchedule"), false, true),
        Arguments.of("empty key with Exists tolerates everything", node("n1", Map.of(), taint("anything", "NoExecute")),
            tolerating(null, "Exists", null, null), true, true),
        Arguments.of("toleration for another effect does not tolerate", node("n1", Map.of(), taint("dedicated", "NoExecute")),
            tolerating("dedicated", "Exists", null, "NoSchedule"), false, false),
        Arguments.of("default: not-ready NoExecute", node("n1", Map.of(), taint("node.kubernetes.io/not-ready", "NoExecute")), daemon(), true, true),
        Arguments.of("default: unreachable NoExecute", node("n1", Map.of(), taint("node.kubernetes.io/unreachable", "NoExecute")), daemon(), true, true),
        Arguments.of("default: disk-pressure", node("n1", Map.of(), taint("node.kubernetes.io/disk-pressure", "NoSchedule")), daemon(), true, true),
        Arguments.of("default: memory-pressure", node("n1", Map.of(), taint("node.kubernetes.io/memory-pressure", "NoSchedule")), daemon(), true, true),
        Arguments.of("default: pid-pressure", node("n1", Map.of(), taint("node.kubernetes.io/pid-pressure", "NoSchedule")), daemon(), true, true),
        Arguments.of("default: unschedulable", node("n1", Map.of(), taint("node.kubernetes.io/unschedulable", "NoSchedule")), daemon(), true, true),
        Arguments.of("network-unavailable not tolerated without hostNetwork",
            node("n1", Map.of(), taint("node.kubernetes.io/network-unavailable", "NoSchedule")), daemon(), false, true),
        Arguments.of("network-unavailable tolerated with hostNetwork",
            node("n1", Map.of(), taint("node.kubernetes.io/network-unavailable", "NoSchedule")), hostNetwork(), true, true),
        Arguments.of("not-ready NoSchedule is not a default toleration",
            node("n1", Map.of(), taint("node.kubernetes.io/not-ready", "NoSchedule")), daemon(), false, true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void nodeShouldRunDaemonPod(String name, Node node, NodeDaemon daemon, boolean shouldRun, boolean shouldContinueRunning) {
    assertThat(Placement.nodeShouldRunDaemonPod(node, daemon)).isEqualTo(new NodePlacement(shouldRun, shouldContinueRunning));
  }
}
