package io.nodedaemon.planner;

import static io.nodedaemon.planner.PlannerFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Upstream's failedPodsBackoff: 1 s doubling to 15 min per key, reset after a quiet spell. */
class FailedPodBackoffTest {
  private static final String KEY = FailedPodBackoff.key("uid-foo", "n1");
  private final FailedPodBackoff backoff = new FailedPodBackoff();

  @Test
  void keyNamesTheNodeDaemonByUidAndTheNode() {
    assertThat(KEY).isEqualTo("uid-foo/n1");
  }

  @Test
  void unknownKeyIsNotInBackoff() {
    assertThat(backoff.inBackoffUntil(KEY, T0)).isNull();
  }

  @Test
  void eachFailureDoublesTheWaitFromOneSecondCappedAtFifteenMinutes() {
    List<Long> waits = new ArrayList<>();
    Instant now = T0;
    for (int i = 0; i < 13; i++) {
      backoff.next(KEY, now);
      Instant until = backoff.inBackoffUntil(KEY, now);
      waits.add(Duration.between(now, until).toSeconds());
      now = until; // the next failure is seen the moment the backoff ends
    }

    assertThat(waits)
        .containsExactly(1L, 2L, 4L, 8L, 16L, 32L, 64L, 128L, 256L, 512L, 900L, 900L, 900L);
  }

  @Test
  void backoffEndsExactlyWhenItsWaitHasPassed() {
    backoff.next(KEY, T0);
    backoff.next(KEY, T0.plusSeconds(1)); // second failure: 2 s from t0+1

    assertThat(backoff.inBackoffUntil(KEY, T0.plusMillis(2999))).isEqualTo(T0.plusSeconds(3));
    assertThat(backoff.inBackoffUntil(KEY, T0.plusSeconds(3))).isNull();
  }

  @Test
  void keysBackOffIndependently() {
    String other = FailedPodBackoff.key("uid-foo", "n2");
    backoff.next(KEY, T0);
    backoff.next(KEY, T0.plusSeconds(1));

    backoff.next(other, T0.plusSeconds(1));

    assertThat(backoff.inBackoffUntil(other, T0.plusSeconds(1))).isEqualTo(T0.plusSeconds(2));
    assertThat(backoff.inBackoffUntil(KEY, T0.plusSeconds(1))).isEqualTo(T0.plusSeconds(3));
  }

  @Test
  void aFailureAfterTwiceTheMaximumOfQuietStartsOverAtOneSecond() {
    Instant now = T0;
    for (int i = 0; i < 5; i++) {
      backoff.next(KEY, now); // up to 16 s
    }
    Instant quietEnd = now.plus(FailedPodBackoff.MAX.multipliedBy(2)).plusSeconds(1);

    backoff.next(KEY, quietEnd);

    assertThat(backoff.inBackoffUntil(KEY, quietEnd)).isEqualTo(quietEnd.plusSeconds(1));
  }

  @Test
  void aFailureExactlyTwiceTheMaximumLaterStillDoubles() {
    backoff.next(KEY, T0);
    Instant later = T0.plus(FailedPodBackoff.MAX.multipliedBy(2));

    backoff.next(KEY, later);

    assertThat(backoff.inBackoffUntil(KEY, later)).isEqualTo(later.plusSeconds(2));
  }

  @Test
  void gcForgetsOnlyEntriesQuietForTwiceTheMaximum() {
    backoff.next(KEY, T0);
    backoff.next("default/foo/n2", T0.plusSeconds(60));

    backoff.gc(T0.plus(Duration.ofMinutes(30)).plusSeconds(1));

    assertThat(backoff.size()).isEqualTo(1);
    backoff.gc(T0.plus(Duration.ofMinutes(31)).plusSeconds(1));
    assertThat(backoff.size()).isZero();
  }
}
