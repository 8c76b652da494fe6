package io.nodedaemon.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PodWriterPoolTest {

  private final PodWriterPool pool = new PodWriterPool(1, "test-writer");
  private final List<String> ran = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  /** Occupies the single writer until released, so the writes submitted meanwhile queue up. */
  private CountDownLatch occupyTheWriter() throws InterruptedException {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch running = new CountDownLatch(1);
    pool.begin()
        .withRemaining(0)
        .execute(
            () -> {
              running.countDown();
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
    return release;
  }

  private CompletableFuture<Void> write(PodWriterPool.Pass pass, int remaining, String name) {
    return CompletableFuture.runAsync(() -> ran.add(name), pass.withRemaining(remaining));
  }

  @Test
  void thePassWithTheLeastWorkLeftWritesFirst() throws Exception {
    CountDownLatch release = occupyTheWriter();
    PodWriterPool.Pass rollout = pool.begin();
    PodWriterPool.Pass newNode = pool.begin();
    PodWriterPool.Pass halfDone = pool.begin();
    CompletableFuture<?> all =
        CompletableFuture.allOf(
            write(rollout, 250, "rollout"),
            write(newNode, 1, "new node"),
            write(halfDone, 100, "half done"));
    release.countDown();
    all.get(10, TimeUnit.SECONDS);

    assertThat(ran).containsExactly("new node", "half done", "rollout");
  }

  @Test
  void passesWithEqualWorkLeftAreServedInTheOrderTheyBegan() throws Exception {
    CountDownLatch release = occupyTheWriter();
    PodWriterPool.Pass first = pool.begin();
    PodWriterPool.Pass second = pool.begin();
    // The second pass submits first: the first pass still goes first, and each pass's own writes
    // keep their order.
    CompletableFuture<?> all =
        CompletableFuture.allOf(
            write(second, 200, "second a"),
            write(second, 200, "second b"),
            write(first, 200, "first a"),
            write(first, 200, "first b"));
    release.countDown();
    all.get(10, TimeUnit.SECONDS);

    assertThat(ran).containsExactly("first a", "first b", "second a", "second b");
  }
}
