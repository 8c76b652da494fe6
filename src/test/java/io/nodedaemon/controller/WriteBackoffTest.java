package io.nodedaemon.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A pass whose writes keep failing waits 2 s, doubling to 5 min, per NodeDaemon (SPEC §5). */
class WriteBackoffTest {
  private final WriteBackoff backoff = new WriteBackoff();

  @Test
  void failingPassesWaitTwoSecondsDoublingToFiveMinutes() {
    List<Long> waits = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      waits.add(backoff.failed("uid-a").toSeconds());
    }

    assertThat(waits)
        .containsExactly(2L, 4L, 8L, 16L, 32L, 64L, 128L, 256L, 300L, 300L, 300L, 300L);
  }

  @Test
  void aSuccessfulPassStartsTheBackoffOver() {
    backoff.failed("uid-a");
    backoff.failed("uid-a");

    backoff.succeeded("uid-a");

    assertThat(backoff.failed("uid-a")).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void eachNodeDaemonBacksOffOnItsOwn() {
    backoff.failed("uid-a");
    backoff.failed("uid-a");

    assertThat(backoff.failed("uid-b")).isEqualTo(Duration.ofSeconds(2));
    assertThat(backoff.daemonKeys()).containsExactlyInAnyOrder("uid-a", "uid-b");
    backoff.forget("uid-a");
    assertThat(backoff.daemonKeys()).containsExactly("uid-b");
  }

  @Test
  void theDelayNeverOverflowsPastTheCap() {
    assertThat(WriteBackoff.delay(0)).isEqualTo(Duration.ofSeconds(2));
    assertThat(WriteBackoff.delay(63)).isEqualTo(Duration.ofMinutes(5));
    assertThat(WriteBackoff.delay(Integer.MAX_VALUE)).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void noPassRunsBeforeTheBackoffEndsWhateverWakesIt() {
    WriteBackoff backoff = new WriteBackoff();
    java.time.Instant t0 = java.time.Instant.parse("2026-01-01T00:00:00Z");
    backoff.failed("uid-a", t0);
    assertThat(backoff.remaining("uid-a", t0.plusMillis(20))).isEqualTo(Duration.ofMillis(1980));
    assertThat(backoff.remaining("uid-a", t0.plusSeconds(2))).isZero();
    backoff.failed("uid-a", t0.plusSeconds(2));
    assertThat(backoff.remaining("uid-a", t0.plusSeconds(3))).isEqualTo(Duration.ofSeconds(3));
    backoff.succeeded("uid-a");
    assertThat(backoff.remaining("uid-a", t0.plusSeconds(3))).isZero();
  }
}
