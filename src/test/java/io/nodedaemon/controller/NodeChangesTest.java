package io.nodedaemon.controller;

import static io.nodedaemon.planner.PlannerFixtures.node;
import static io.nodedaemon.planner.PlannerFixtures.taint;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Which node updates re-trigger placement: labels, taints, unschedulable, deletion; not heartbeats.
 */
class NodeChangesTest {

  private static Node base() {
    return new NodeBuilder(node("n1", Map.of("zone", "a"), taint("k", "v", "NoSchedule")))
        .withNewStatus()
        .addToConditions(
            new NodeConditionBuilder()
                .withType("Ready")
                .withStatus("True")
                .withLastHeartbeatTime("2026-01-01T00:00:00Z")
                .build())
        .endStatus()
        .build();
  }

  static Stream<Arguments> cases() {
    return Stream.<Arguments>of(
        Arguments.of("nothing changed", (UnaryOperator<Node>) n -> n, false),
        Arguments.of(
            "label value changed",
            (UnaryOperator<Node>)
                n ->
                    new NodeBuilder(n)
                        .editMetadata()
                        .addToLabels("zone", "b")
                        .endMetadata()
                        .build(),
            true),
        Arguments.of(
            "label added",
            (UnaryOperator<Node>)
                n ->
                    new NodeBuilder(n)
                        .editMetadata()
                        .addToLabels("gpu", "yes")
                        .endMetadata()
                        .build(),
            true),
        Arguments.of(
            "taint removed",
            (UnaryOperator<Node>) n -> new NodeBuilder(n).editSpec().withTaints().endSpec().build(),
            true),
        Arguments.of(
            "taint effect changed",
            (UnaryOperator<Node>)
                n ->
                    new NodeBuilder(n)
                        .editSpec()
                        .withTaints(taint("k", "v", "NoExecute"))
                        .endSpec()
                        .build(),
            true),
        Arguments.of(
            "cordoned",
            (UnaryOperator<Node>)
                n -> new NodeBuilder(n).editSpec().withUnschedulable(true).endSpec().build(),
            true),
        Arguments.of(
            "being deleted",
            (UnaryOperator<Node>)
                n ->
                    new NodeBuilder(n)
                        .editMetadata()
                        .withDeletionTimestamp("2026-01-01T00:01:00Z")
                        .endMetadata()
                        .build(),
            true),
        Arguments.of(
            "heartbeat only",
            (UnaryOperator<Node>)
                n ->
                    new NodeBuilder(n)
                        .editStatus()
                        .withConditions(
                            new NodeConditionBuilder()
                                .withType("Ready")
                                .withStatus("True")
                                .withLastHeartbeatTime("2026-01-01T00:00:40Z")
                                .build())
                        .endStatus()
                        .build(),
            false),
        Arguments.of(
            "allocatable changed",
            (UnaryOperator<Node>)
                n ->
                    new NodeBuilder(n)
                        .editStatus()
                        .withAllocatable(Map.of("cpu", new Quantity("3")))
                        .endStatus()
                        .build(),
            false),
        Arguments.of(
            "resourceVersion and annotations changed",
            (UnaryOperator<Node>)
                n ->
                    new NodeBuilder(n)
                        .editMetadata()
                        .withResourceVersion("42")
                        .addToAnnotations("x", "y")
                        .endMetadata()
                        .build(),
            false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void affectsPlacement(String name, UnaryOperator<Node> change, boolean expected) {
    Node old = base();
    Node updated = change.apply(base());

    assertThat(NodeChanges.affectsPlacement(updated, old)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void affectsPlacementIsSymmetric(String name, UnaryOperator<Node> change, boolean expected) {
    assertThat(NodeChanges.affectsPlacement(base(), change.apply(base()))).isEqualTo(expected);
  }

  @org.junit.jupiter.api.Test
  void aMissingSideAlwaysCounts() {
    assertThat(NodeChanges.affectsPlacement(base(), null)).isTrue();
    assertThat(NodeChanges.affectsPlacement(null, base())).isTrue();
  }
}
