package io.nodedaemon.e2e;

import static io.nodedaemon.e2e.E2eSupport.TIMEOUT;
import static io.nodedaemon.e2e.E2eSupport.addNodes;
import static io.nodedaemon.e2e.E2eSupport.awaitStatus;
import static io.nodedaemon.e2e.E2eSupport.converged;
import static io.nodedaemon.e2e.E2eSupport.create;
import static io.nodedaemon.e2e.E2eSupport.daemon;
import static io.nodedaemon.e2e.E2eSupport.pods;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.cluster.ClusterResource;
import io.nodedaemon.cluster.InjectCluster;
import io.nodedaemon.cluster.TestCluster;
import io.nodedaemon.planner.DaemonPodFactory;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Replacing daemon pods on a cluster that deletes gracefully (SPEC §3, §5): a replacement never
 * waits for its predecessor to disappear, and a pod that keeps failing is replaced again and again
 * with the failed-pod backoff.
 */
@QuarkusTest
@WithTestResource(ClusterResource.class)
class PodReplacementE2eTest {

  @InjectCluster TestCluster cluster;

  KubernetesClient client() {
    return cluster.client();
  }

  @AfterEach
  void releaseKubelet() {
    cluster.kubelet().holdTermination(null);
    cluster.kubelet().failOnStart(null);
  }

  /** The ready pod on the node that is not {@code old}, if any. */
  Optional<Pod> readySuccessor(String namespace, Pod old) {
    return pods(client(), namespace).stream()
        .filter(
            p ->
                !old.getMetadata().getUid().equals(p.getMetadata().getUid())
                    && E2eSupport.ready(p)
                    && p.getMetadata().getDeletionTimestamp() == null)
        .findFirst();
  }

  @Test
  void aFailedPodIsReplacedWithinSecondsWhileItsPredecessorIsStillTerminating() {
    addNodes(cluster, "successor", "successor-1");
    create(cluster, daemon("successor", "agent", "successor"));
    awaitStatus(client(), "successor", "agent", converged(1));
    Pod old = pods(client(), "successor").get(0);
    // Something else (a cleanup controller, say) holds the pod with a finalizer, so the deleted
    // pod stays, Terminating, under the name a replacement for this node and revision derives.
    E2eSupport.retryOnConflict(
        () ->
            client()
                .pods()
                .inNamespace("successor")
                .withName(old.getMetadata().getName())
                .edit(
                    p ->
                        new PodBuilder(p)
                            .editMetadata()
                            .addToFinalizers("example.org/cleanup")
                            .endMetadata()
                            .build()));

    cluster.kubelet().failPod("successor", old.getMetadata().getName());

    Pod successor =
        await()
            .atMost(Duration.ofSeconds(5))
            .until(() -> readySuccessor("successor", old), Optional::isPresent)
            .orElseThrow();
    Pod predecessor =
        client().pods().inNamespace("successor").withName(old.getMetadata().getName()).get();
    assertThat(predecessor.getMetadata().getDeletionTimestamp())
        .as("the old pod is still terminating")
        .isNotNull();
    assertThat(successor.getMetadata().getName())
        .startsWith("agent-")
        .isNotEqualTo(old.getMetadata().getName());
    assertThat(successor.getSpec().getNodeName()).isEqualTo("successor-1");
    awaitStatus(client(), "successor", "agent", converged(1));
  }

  @Test
  void aDeletedPodIsReplacedAsSoonAsItsContainersStopAndBeforeItIsGone() {
    addNodes(cluster, "deleted", "deleted-1");
    create(cluster, daemon("deleted", "agent", "deleted"));
    awaitStatus(client(), "deleted", "agent", converged(1));
    Pod old = pods(client(), "deleted").get(0);
    // The kubelet stops the containers but does not finish the deletion (a volume that will not
    // unmount).
    cluster
        .kubelet()
        .holdTermination(p -> old.getMetadata().getUid().equals(p.getMetadata().getUid()));

    client().pods().inNamespace("deleted").withName(old.getMetadata().getName()).delete();

    Pod successor =
        await()
            .atMost(TIMEOUT)
            .until(() -> readySuccessor("deleted", old), Optional::isPresent)
            .orElseThrow();
    Pod predecessor =
        client().pods().inNamespace("deleted").withName(old.getMetadata().getName()).get();
    assertThat(predecessor.getMetadata().getDeletionTimestamp()).isNotNull();
    assertThat(predecessor.getStatus().getPhase()).isEqualTo("Failed");
    assertThat(successor.getMetadata().getName()).isNotEqualTo(old.getMetadata().getName());
    awaitStatus(client(), "deleted", "agent", converged(1));
  }

  /**
   * A pod created and deleted again before the pass after its create reads the cache (its node
   * removed and the pod garbage collector quick, say): the informer delivered it, so the create is
   * done, and the node gets a new pod at once rather than after the 5-minute expectation timeout.
   */
  @Test
  void aPodGoneBeforeThePassAfterItsCreateIsReplacedAtOnce() {
    // The first node in name order gets its pod in the first slow-start batch; 40 more keep that
    // pass creating (batches of 2, 4, 8, 16, 10) while the test deletes the pod it saw added.
    List<String> nodes = new ArrayList<>(List.of("vanishing-a"));
    for (int i = 0; i < 40; i++) {
      nodes.add(String.format("vanishing-b%02d", i));
    }
    addNodes(cluster, "vanishing", nodes.toArray(String[]::new));
    cluster.createNamespace("vanishing");
    List<String> removed = new CopyOnWriteArrayList<>();
    try (var watch =
        client()
            .pods()
            .inNamespace("vanishing")
            .watch(
                new Watcher<Pod>() {
                  @Override
                  public void eventReceived(Action action, Pod pod) {
                    if (action == Action.ADDED
                        && removed.isEmpty()
                        && "vanishing-a".equals(DaemonPodFactory.targetNodeName(pod))) {
                      removed.add(pod.getMetadata().getUid());
                      client()
                          .pods()
                          .inNamespace("vanishing")
                          .withName(pod.getMetadata().getName())
                          .withGracePeriod(0)
                          .delete();
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                })) {
      create(cluster, daemon("vanishing", "agent", "vanishing"));

      await().atMost(TIMEOUT).until(() -> !removed.isEmpty());
      Pod replacement =
          await()
              .atMost(Duration.ofSeconds(10))
              .until(
                  () ->
                      pods(client(), "vanishing").stream()
                          .filter(p -> "vanishing-a".equals(DaemonPodFactory.targetNodeName(p)))
                          .findFirst(),
                  Optional::isPresent)
              .orElseThrow();
      assertThat(replacement.getMetadata().getUid()).isNotEqualTo(removed.get(0));
      awaitStatus(client(), "vanishing", "agent", converged(nodes.size()));
    }
  }

  @Test
  void aPodThatKeepsFailingIsReplacedAgainAndAgainWithGrowingBackoff() {
    List<Instant> created = new CopyOnWriteArrayList<>();
    cluster.kubelet().failOnStart(p -> "crashloop".equals(p.getMetadata().getNamespace()));
    addNodes(cluster, "crashloop", "crashloop-1");
    try (var watch =
        client()
            .pods()
            .inNamespace("crashloop")
            .watch(
                new Watcher<Pod>() {
                  @Override
                  public void eventReceived(Action action, Pod pod) {
                    if (action == Action.ADDED) {
                      created.add(Instant.now());
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                })) {
      NodeDaemon daemon = create(cluster, daemon("crashloop", "agent", "crashloop"));

      // Failed-pod backoff 1 s, 2 s, 4 s: the fifth pod comes about 7 s after the second.
      await().atMost(Duration.ofSeconds(40)).until(() -> created.size() >= 5);
      client().resources(NodeDaemon.class).inNamespace("crashloop").withName("agent").delete();

      List<Long> gaps = new ArrayList<>();
      for (int i = 2; i < 5; i++) {
        gaps.add(Duration.between(created.get(i - 1), created.get(i)).toMillis());
      }
      // 1 s, 2 s, 4 s, give or take the time a pass takes to see the failure.
      assertThat(gaps.get(0)).as("gaps %s", gaps).isGreaterThanOrEqualTo(750);
      assertThat(gaps.get(1)).as("gaps %s", gaps).isGreaterThanOrEqualTo(1500);
      assertThat(gaps.get(2))
          .as("gaps %s", gaps)
          .isGreaterThanOrEqualTo(3000)
          .isGreaterThan(2 * gaps.get(0));
      // One kill per replacement; repeats of one message are counted on one Event.
      List<Event> killed =
          client().v1().events().inNamespace("crashloop").list().getItems().stream()
              .filter(e -> "FailedDaemonPod".equals(e.getReason()))
              .toList();
      assertThat(killed)
          .allSatisfy(
              e ->
                  assertThat(e.getInvolvedObject().getUid())
                      .isEqualTo(daemon.getMetadata().getUid()));
      assertThat(killed.stream().mapToInt(Event::getCount).sum()).isGreaterThanOrEqualTo(4);
    }
  }
}
