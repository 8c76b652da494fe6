package io.nodedaemon.planner.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodedaemon.planner.rollout.ProgressDeadline.ProgressRecord;
import io.nodedaemon.planner.rollout.ProgressDeadline.Verdict;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ProgressDeadlineTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private static Instant at(long seconds) {
    return T0.plusSeconds(seconds);
  }

  @Test
  void stallsOnceTheDefaultDeadlinePassesWithoutProgress() {
    Verdict start = ProgressDeadline.evaluate(null, false, true, "h1", 0, null, at(0));
    assertThat(start.stalled()).isFalse();
    assertThat(start.record()).isEqualTo(new ProgressRecord("h1", at(0), 0));
    assertThat(start.requeueAfter()).isEqualTo(Duration.ofSeconds(600));

    Verdict almost = ProgressDeadline.evaluate(null, false, true, "h1", 0, start.record(), at(599));
    assertThat(almost.stalled()).isFalse();
    assertThat(almost.requeueAfter()).isEqualTo(Duration.ofSeconds(1));

    Verdict late = ProgressDeadline.evaluate(null, false, true, "h1", 0, almost.record(), at(600));
    assertThat(late.stalled()).isTrue();
    assertThat(late.message()).contains("h1").contains("600s");
    assertThat(late.requeueAfter()).isNull();
    assertThat(ProgressDeadline.REASON).isEqualTo("ProgressDeadlineExceeded");
  }

  @Test
  void aNewlyAvailableUpdatedPodIsProgressAndClearsTheStall() {
    ProgressRecord rec = new ProgressRecord("h1", at(0), 3);
    Verdict stalled = ProgressDeadline.evaluate(60, false, true, "h1", 3, rec, at(100));
    assertThat(stalled.stalled()).isTrue();

    Verdict progressed =
        ProgressDeadline.evaluate(60, false, true, "h1", 4, stalled.record(), at(101));
    assertThat(progressed.stalled()).isFalse();
    assertThat(progressed.record()).isEqualTo(new ProgressRecord("h1", at(101), 4));
    assertThat(progressed.requeueAfter()).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void aDropDoesNotResetTheClockButRecoveringFromItIsProgress() {
    ProgressRecord rec = new ProgressRecord("h1", at(0), 5);
    Verdict dropped = ProgressDeadline.evaluate(60, false, true, "h1", 4, rec, at(30));
    assertThat(dropped.record()).isEqualTo(new ProgressRecord("h1", at(0), 4));
    assertThat(dropped.requeueAfter()).isEqualTo(Duration.ofSeconds(30));

    Verdict recovered =
        ProgressDeadline.evaluate(60, false, true, "h1", 5, dropped.record(), at(50));
    assertThat(recovered.record().lastProgressTime()).isEqualTo(at(50));
  }

  @Test
  void aNewUpdateRevisionStartsAFreshClock() {
    ProgressRecord old = new ProgressRecord("h1", at(0), 7);
    Verdict v = ProgressDeadline.evaluate(60, false, true, "h2", 0, old, at(1000));
    assertThat(v.stalled()).isFalse();
    assertThat(v.record()).isEqualTo(new ProgressRecord("h2", at(1000), 0));
  }

  @Test
  void pausedRolloutIsNeverStalledAndResumingStartsAfresh() {
    ProgressRecord rec = new ProgressRecord("h1", at(0), 1);
    Verdict paused = ProgressDeadline.evaluate(60, true, true, "h1", 1, rec, at(10_000));
    assertThat(paused.stalled()).isFalse();
    assertThat(paused.record()).isNull();
    assertThat(paused.requeueAfter()).isNull();

    Verdict resumed =
        ProgressDeadline.evaluate(60, false, true, "h1", 1, paused.record(), at(10_001));
    assertThat(resumed.stalled()).isFalse();
    assertThat(resumed.record().lastProgressTime()).isEqualTo(at(10_001));
  }

  @Test
  void aFinishedRolloutIsNotTimed() {
    ProgressRecord rec = new ProgressRecord("h1", at(0), 1);
    Verdict done = ProgressDeadline.evaluate(60, false, false, "h1", 5, rec, at(10_000));
    assertThat(done.stalled()).isFalse();
    assertThat(done.record()).isNull();
    assertThat(done.requeueAfter()).isNull();
  }
}
