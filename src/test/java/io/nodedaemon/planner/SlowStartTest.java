package io.nodedaemon.planner;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Upstream's slowStartBatch sizes: 1, 2, 4, … with the remainder last. */
class SlowStartTest {
  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("nothing to create", 0, List.of()),
        Arguments.of("one create", 1, List.of(1)),
        Arguments.of("two creates", 2, List.of(1, 1)),
        Arguments.of("three creates fill 1+2", 3, List.of(1, 2)),
        Arguments.of("ten creates end with the remainder", 10, List.of(1, 2, 4, 3)),
        Arguments.of("fifteen creates are exact powers", 15, List.of(1, 2, 4, 8)),
        Arguments.of("a full burst of 250", 250, List.of(1, 2, 4, 8, 16, 32, 64, 123)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void batchesDoubleFromOneAndSumToTheTotal(String name, int total, List<Integer> expected) {
    List<Integer> sizes = SlowStart.batchSizes(total);

    assertThat(sizes).containsExactlyElementsOf(expected);
    assertThat(sizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(total);
  }
}
