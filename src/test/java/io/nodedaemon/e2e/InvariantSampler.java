package io.nodedaemon.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Lists a namespace's pods over and over while a rollout runs and keeps the worst it saw: the most
 * nodes without a ready pod and the most pods on one node (not counting terminating pods whose
 * containers have stopped). Bounded: it stops when closed or after five minutes, whichever comes
 * first.
 */
final class InvariantSampler implements AutoCloseable {
  private final KubernetesClient client;
  private final String namespace;
  private final int nodes;
  private final AtomicInteger worstUnavailable = new AtomicInteger();
  private final AtomicInteger worstPodsPerNode = new AtomicInteger();
  private final AtomicInteger samples = new AtomicInteger();
  private final Thread thread;
  private volatile boolean running = true;

  InvariantSampler(KubernetesClient client, String namespace, int nodes) {
    this.client = client;
    this.namespace = namespace;
    this.nodes = nodes;
    this.thread = new Thread(this::run, "invariant-sampler-" + namespace);
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    Instant stop = Instant.now().plus(Duration.ofMinutes(5));
    while (running && Instant.now().isBefore(stop)) {
      try {
        sample(client.pods().inNamespace(namespace).list().getItems());
      } catch (RuntimeException e) {
        // a failed list is simply not a sample
      }
    }
  }

  private void sample(List<Pod> pods) {
    Map<String, Integer> perNode = new HashMap<>();
    Map<String, Boolean> readyNode = new HashMap<>();
    for (Pod p : pods) {
      String node = p.getSpec().getNodeName();
      // A terminating pod whose containers have stopped (terminal phase) runs nothing: its
      // replacement may start beside it (SPEC §3, as upstream), so it is no second pod.
      if (node == null || (p.getMetadata().getDeletionTimestamp() != null && terminal(p))) {
        continue;
      }
      perNode.merge(node, 1, Integer::sum);
      if (E2eSupport.ready(p)) {
        readyNode.put(node, true);
      }
    }
    worstPodsPerNode.accumulateAndGet(
        perNode.values().stream().max(Integer::compare).orElse(0), Math::max);
    worstUnavailable.accumulateAndGet(nodes - readyNode.size(), Math::max);
    samples.incrementAndGet();
  }

  private static boolean terminal(Pod p) {
    String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
    return "Failed".equals(phase) || "Succeeded".equals(phase);
  }

  /** Asserts that no sample ever had more unready nodes or more pods on a node than allowed. */
  void assertHeld(int maxUnavailableNodes, int maxPodsPerNode) {
    assertThat(samples.get()).as("samples taken").isGreaterThan(5);
    assertThat(worstUnavailable.get())
        .as("most nodes without a ready pod at once")
        .isLessThanOrEqualTo(maxUnavailableNodes);
    assertThat(worstPodsPerNode.get())
        .as("most pods on one node at once")
        .isLessThanOrEqualTo(maxPodsPerNode);
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(Duration.ofSeconds(5).toMillis());
  }
}
