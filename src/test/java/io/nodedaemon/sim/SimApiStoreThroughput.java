package io.nodedaemon.sim;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Measures how many creates a second the simulated API server takes: N nodes, then N pods, each
 * from 16 client threads, with a node and a pod informer watching (as the operator and the
 * stand-ins do). Prints figures; asserts nothing, timing on a shared machine is not a test.
 *
 * <pre>
 * java -cp target/test-classes:$(cat target/cp.txt) io.nodedaemon.sim.SimApiStoreThroughput 5000
 * </pre>
 */
public final class SimApiStoreThroughput {

  private static final int THREADS = 16;

  public static void main(String[] args) throws Exception {
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
    System.out.println(run(count));
    System.exit(0);
  }

  /** Runs the probe and returns a one-paragraph report. */
  static String run(int count) throws Exception {
    try (SimulatedCluster cluster = SimulatedCluster.start();
        KubernetesClient watcher =
            new KubernetesClientBuilder().withConfig(cluster.clientConfig()).build()) {
      SharedIndexInformer<io.fabric8.kubernetes.api.model.Node> nodeInformer =
          watcher.nodes().inform();
      SharedIndexInformer<Pod> podInformer = watcher.pods().inAnyNamespace().inform();
      StringBuilder report =
          new StringBuilder(
              "SimApiStore, " + count + " nodes + " + count + " pods, " + THREADS + " threads:\n");
      ExecutorService pool = Executors.newFixedThreadPool(THREADS);
      try {
        // Warm-up (JIT, connection pool), not in the figures: 1,000 config maps in their own
        // namespace.
        phase(
            "warm-up",
            1000,
            pool,
            i ->
                cluster
                    .client()
                    .configMaps()
                    .inNamespace("warm-up")
                    .resource(
                        new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                            .withNewMetadata()
                            .withName("cm-" + i)
                            .endMetadata()
                            .build())
                    .create());
        report.append(
            phase(
                "nodes",
                count,
                pool,
                i -> cluster.addNode(SimNode.named(String.format("node-%05d", i)).build())));
        report.append(
            phase(
                "pods",
                count,
                pool,
                i ->
                    cluster
                        .client()
                        .pods()
                        .inNamespace("default")
                        .resource(
                            new PodBuilder()
                                .withNewMetadata()
                                .withName(String.format("pod-%05d", i))
                                .withLabels(Map.of("app", "probe"))
                                .endMetadata()
                                .withNewSpec()
                                .withNodeName(String.format("node-%05d", i))
                                .addNewContainer()
                                .withName("c")
                                .withImage("img:1")
                                .endContainer()
                                .endSpec()
                                .build())
                        .create()));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while ((podInformer.getStore().list().size() < count
                || nodeInformer.getStore().list().size() < count)
            && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }
        report
            .append("  informers caught up: nodes ")
            .append(nodeInformer.getStore().list().size())
            .append(", pods ")
            .append(podInformer.getStore().list().size())
            .append('\n');
      } finally {
        pool.shutdownNow();
        nodeInformer.close();
        podInformer.close();
      }
      return report.toString();
    }
  }

  private interface Create {
    void create(int i);
  }

  /**
   * Creates {@code count} objects from the pool; reports the overall rate and the rate per tenth.
   */
  private static String phase(String what, int count, ExecutorService pool, Create create)
      throws Exception {
    AtomicInteger next = new AtomicInteger();
    int tenth = Math.max(1, count / 10);
    long[] tenthDone = new long[10];
    long start = System.nanoTime();
    List<Future<?>> workers = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      workers.add(
          pool.submit(
              () -> {
                for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                  create.create(i);
                  if ((i + 1) % tenth == 0 && (i + 1) / tenth <= 10) {
                    tenthDone[(i + 1) / tenth - 1] = System.nanoTime();
                  }
                }
                return null;
              }));
    }
    for (Future<?> w : workers) {
      w.get();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    StringBuilder rates = new StringBuilder();
    long previous = start;
    for (long done : tenthDone) {
      if (done > previous) {
        rates.append(String.format(" %.0f", tenth / ((done - previous) / 1e9)));
        previous = done;
      }
    }
    return String.format(
        "  %s: %d creates in %.1f s = %.0f/s (per tenth:%s)%n",
        what, count, seconds, count / seconds, rates);
  }
}
