package io.nodedaemon.controller;

import static io.nodedaemon.planner.PlannerFixtures.T0;
import static io.nodedaemon.planner.PlannerFixtures.daemon;
import static io.nodedaemon.planner.PlannerFixtures.labelledPod;
import static io.nodedaemon.planner.PlannerFixtures.names;
import static io.nodedaemon.planner.PlannerFixtures.terminating;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.nodedaemon.api.NodeDaemon;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Upstream's ClaimPods as a pure sort: controlled, to adopt, to release; foreign pods untouched.
 */
class PodClaimsTest {
  private static final Map<String, String> MATCHING = Map.of("app", "foo");
  private static final Map<String, String> OTHER = Map.of("app", "bar");
  private static final String OURS = "uid-foo";

  enum Bucket {
    CONTROLLED,
    ADOPT,
    RELEASE,
    UNTOUCHED
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of(
            "owned and matching: controlled", labelledPod("p", MATCHING, OURS), Bucket.CONTROLLED),
        Arguments.of(
            "owned, matching and terminating: still controlled",
            terminating(labelledPod("p", MATCHING, OURS), T0),
            Bucket.CONTROLLED),
        Arguments.of("orphan matching: adopted", labelledPod("p", MATCHING, null), Bucket.ADOPT),
        Arguments.of(
            "orphan matching but terminating: not adopted",
            terminating(labelledPod("p", MATCHING, null), T0),
            Bucket.UNTOUCHED),
        Arguments.of(
            "orphan not matching: untouched", labelledPod("p", OTHER, null), Bucket.UNTOUCHED),
        Arguments.of(
            "owned but not matching: released", labelledPod("p", OTHER, OURS), Bucket.RELEASE),
        Arguments.of(
            "owned, not matching, terminating: left alone",
            terminating(labelledPod("p", OTHER, OURS), T0),
            Bucket.UNTOUCHED),
        Arguments.of(
            "controlled by another owner and matching: untouched",
            labelledPod("p", MATCHING, "uid-other"),
            Bucket.UNTOUCHED),
        Arguments.of(
            "controlled by another owner, not matching: untouched",
            labelledPod("p", OTHER, "uid-other"),
            Bucket.UNTOUCHED),
        Arguments.of(
            "non-controller owner reference only: adopted",
            new PodBuilder(labelledPod("p", MATCHING, null))
                .editMetadata()
                .withOwnerReferences(
                    new OwnerReferenceBuilder()
                        .withKind("ConfigMap")
                        .withName("x")
                        .withUid("uid-x")
                        .withController(false)
                        .build())
                .endMetadata()
                .build(),
            Bucket.ADOPT),
        Arguments.of(
            "unlabelled orphan: untouched",
            new PodBuilder().withNewMetadata().withName("p").endMetadata().build(),
            Bucket.UNTOUCHED));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void classify(String name, Pod pod, Bucket expected) {
    PodClaims claims = PodClaims.classify(daemon(), List.of(pod));

    assertThat(claims.controlled()).hasSize(expected == Bucket.CONTROLLED ? 1 : 0);
    assertThat(claims.toAdopt()).hasSize(expected == Bucket.ADOPT ? 1 : 0);
    assertThat(claims.toRelease()).hasSize(expected == Bucket.RELEASE ? 1 : 0);
  }

  @Test
  void aNodeDaemonBeingDeletedAdoptsNothingButStillReleases() {
    NodeDaemon d = daemon();
    d.getMetadata().setDeletionTimestamp(T0.toString());

    PodClaims claims =
        PodClaims.classify(
            d,
            List.of(
                labelledPod("orphan", MATCHING, null),
                labelledPod("mine", MATCHING, OURS),
                labelledPod("stray", OTHER, OURS)));

    assertThat(claims.toAdopt()).isEmpty();
    assertThat(names(claims.controlled())).containsExactly("mine");
    assertThat(names(claims.toRelease())).containsExactly("stray");
  }

  @Test
  void aMixedNamespaceIsSortedInOnePass() {
    PodClaims claims =
        PodClaims.classify(
            daemon(),
            List.of(
                labelledPod("a", MATCHING, OURS),
                labelledPod("b", MATCHING, null),
                labelledPod("c", OTHER, OURS),
                labelledPod("d", MATCHING, "uid-other"),
                labelledPod("e", MATCHING, OURS)));

    assertThat(names(claims.controlled())).containsExactly("a", "e");
    assertThat(names(claims.toAdopt())).containsExactly("b");
    assertThat(names(claims.toRelease())).containsExactly("c");
  }
}
