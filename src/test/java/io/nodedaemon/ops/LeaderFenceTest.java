package io.nodedaemon.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The write fence of a leader that may have lost its Lease in a pause (SPEC §7). */
class LeaderFenceTest {

  final AtomicLong now = new AtomicLong(1_000_000_000L);
  final AtomicInteger trips = new AtomicInteger();

  LeaderFence fence(Duration maxPause) {
    LeaderFence f = new LeaderFence(now::get, maxPause);
    f.onTrip(trips::incrementAndGet);
    return f;
  }

  void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }

  @Test
  void aLeaderThatKeepsTickingMayWrite() {
    LeaderFence f = fence(Duration.ofSeconds(4));
    f.arm();
    for (int i = 0; i < 50; i++) {
      advance(Duration.ofMillis(200));
      f.tick();
      assertThat(f.mayWrite()).isTrue();
    }
    assertThat(trips).hasValue(0);
  }

  @Test
  void aWriterWokenBeforeTheTickerIsRefusedAndTheReplicaStepsDown() {
    LeaderFence f = fence(Duration.ofSeconds(4));
    f.arm();
    advance(Duration.ofSeconds(12)); // frozen; the writer's thread runs first
    assertThat(f.mayWrite()).isFalse();
    f.tick();
    advance(Duration.ofMillis(200));
    f.tick();
    assertThat(f.mayWrite()).as("tripped for good").isFalse();
    assertThat(trips).as("steps down once").hasValue(1);
  }

  @Test
  void theTickerWokenFirstTripsItBeforeAnyWrite() {
    LeaderFence f = fence(Duration.ofSeconds(4));
    f.arm();
    advance(Duration.ofSeconds(5));
    f.tick();
    assertThat(f.mayWrite()).isFalse();
    assertThat(trips).hasValue(1);
  }

  @Test
  void aShortPauseIsNoLostLease() {
    LeaderFence f = fence(Duration.ofSeconds(4));
    f.arm();
    advance(Duration.ofSeconds(3));
    assertThat(f.mayWrite()).isTrue();
    f.tick();
    assertThat(f.mayWrite()).isTrue();
    assertThat(trips).hasValue(0);
  }

  @Test
  void withoutLeadingItNeverTrips() {
    // No election (dev, tests, the demo), or a follower: its pauses risk nothing.
    LeaderFence f = fence(Duration.ofSeconds(4));
    advance(Duration.ofMinutes(5));
    f.tick();
    assertThat(f.mayWrite()).isTrue();
    assertThat(trips).hasValue(0);
  }

  @Test
  void aFollowersPauseBeforeItLeadsDoesNotCount() {
    LeaderFence f = fence(Duration.ofSeconds(4));
    advance(Duration.ofMinutes(1));
    f.arm();
    assertThat(f.mayWrite()).isTrue();
  }

  @Test
  void theAllowedPauseIsTheLeaseLessOneRetryAtMostTheRenewDeadline() {
    assertThat(LeaderFence.maxPause(settings(15, 10, 2))).isEqualTo(Duration.ofSeconds(10));
    assertThat(LeaderFence.maxPause(settings(6, 4, 1))).isEqualTo(Duration.ofSeconds(4));
    assertThat(LeaderFence.maxPause(settings(15, 14, 2))).isEqualTo(Duration.ofSeconds(13));
  }

  static LeaderElectionSettings settings(int lease, int renew, int retry) {
    return new LeaderElectionSettings() {
      public boolean enabled() {
        return true;
      }

      public String leaseName() {
        return "l";
      }

      public Optional<String> leaseNamespace() {
        return Optional.empty();
      }

      public Optional<String> identity() {
        return Optional.empty();
      }

      public Duration leaseDuration() {
        return Duration.ofSeconds(lease);
      }

      public Duration renewDeadline() {
        return Duration.ofSeconds(renew);
      }

      public Duration retryPeriod() {
        return Duration.ofSeconds(retry);
      }

      public Duration exitTimeout() {
        return Duration.ofSeconds(5);
      }
    };
  }
}
