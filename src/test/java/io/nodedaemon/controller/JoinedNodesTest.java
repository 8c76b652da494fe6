package io.nodedaemon.controller;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JoinedNodesTest {

  final JoinedNodes joined = new JoinedNodes();

  @Test
  void nodesThatJoinedAfterAConvergedPassStartedAreEarly() {
    joined.joined("before");
    long mark = joined.mark();
    joined.passed("uid", mark, 3, "rev-a");
    joined.joined("n1");
    joined.joined("n2");

    JoinedNodes.Early early = joined.since("uid", 3);

    assertThat(early.nodes()).containsExactly("n1", "n2");
    assertThat(early.revision()).isEqualTo("rev-a");
  }

  @Test
  void nothingIsEarlyWithoutAConvergedPassAtThisGeneration() {
    long mark = joined.mark();
    joined.joined("n1");
    assertThat(joined.since("uid", 1)).as("no pass yet").isNull();

    joined.passed("uid", mark, 1, "rev-a");
    assertThat(joined.since("uid", 2)).as("the spec changed since").isNull();
    assertThat(joined.since("other", 1)).as("another NodeDaemon").isNull();

    joined.passed("uid", mark, 1, null);
    assertThat(joined.since("uid", 1)).as("the last pass did not converge").isNull();
  }

  @Test
  void nothingIsEarlyWhenNoNodeJoined() {
    joined.joined("n1");
    joined.passed("uid", joined.mark(), 1, "rev-a");

    assertThat(joined.since("uid", 1)).isNull();
  }

  @Test
  void aBulkJoinIsLeftToTheFullPass() {
    joined.passed("uid", joined.mark(), 1, "rev-a");
    for (int i = 0; i < JoinedNodes.REMEMBERED; i++) {
      joined.joined("n" + i);
    }
    assertThat(joined.since("uid", 1).nodes()).hasSize(JoinedNodes.REMEMBERED);

    joined.joined("one-more");
    assertThat(joined.since("uid", 1)).isNull();
  }

  @Test
  void aNodeThatJoinedTwiceIsListedOnce() {
    joined.passed("uid", joined.mark(), 1, "rev-a");
    joined.joined("n1");
    joined.joined("n1");

    assertThat(joined.since("uid", 1).nodes()).containsExactly("n1");
  }

  @Test
  void forgottenNodeDaemonsAreNoLongerRemembered() {
    joined.passed("uid", joined.mark(), 1, "rev-a");
    assertThat(joined.daemonKeys()).containsExactly("uid");

    joined.forget("uid");
    joined.joined("n1");

    assertThat(joined.daemonKeys()).isEmpty();
    assertThat(joined.since("uid", 1)).isNull();
  }
}
