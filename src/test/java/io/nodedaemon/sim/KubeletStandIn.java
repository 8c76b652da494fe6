package io.nodedaemon.sim;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.jboss.logging.Logger;

/**
 * Stands in for the kubelets of all simulated nodes: a bound pod (spec.nodeName set, not being
 * deleted) that is Pending is started after a configurable delay, i.e. moved to Running with
 * Ready/ContainersReady True and ready container statuses, unless its readiness is held.
 *
 * <p>It also finishes graceful deletions, as a kubelet does: a bound pod the API server marked for
 * deletion (deletionTimestamp, deletionGracePeriodSeconds &gt; 0) has its containers stopped after
 * its grace period (capped by {@code terminationCap}, so that suites stay fast), is moved to the
 * terminal phase Failed (exit code 143, SIGTERM) like a real kubelet's pods being deleted, and is
 * then deleted with a grace period of 0 (uid precondition), unless a test holds it there with
 * {@link #holdTermination} (a volume that will not unmount).
 *
 * <p>Tests drive the rest of a pod's life with {@link #failPod}, {@link #succeedPod}, {@link
 * #setReady} and {@link #failOnStart}. A pending start or termination of a pod that is gone, or was
 * re-created under the same name, is dropped (both are keyed by uid).
 */
public final class KubeletStandIn implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(KubeletStandIn.class);

  /** How long the stand-in waits at most before it stops a deleted pod's containers, by default. */
  public static final Duration DEFAULT_TERMINATION_CAP = Duration.ofSeconds(1);

  /** How long after a failed call (API unreachable, 5xx, 429) a step is tried again. */
  static final Duration RETRY = Duration.ofSeconds(1);

  private final KubernetesClient client;
  private final Duration delay;
  private final Duration terminationCap;
  private final Clock clock;

  /**
   * Threads that start and stop pods: each step is a blocking GET and PATCH, so one thread capped a
   * cluster of hundreds of nodes at what one round trip after another allows (a real cluster has a
   * kubelet per node).
   */
  static final int THREADS = 4;

  // Timed transitions go through a scheduler instead of sleeping so that many pods start in
  // parallel.
  private final ScheduledExecutorService timer =
      Executors.newScheduledThreadPool(THREADS, r -> SchedulerStandIn.daemon(r, "sim-kubelet"));
  // The steps of one pod run one at a time (a start must not overwrite the terminal phase a
  // concurrent stop just wrote), as one kubelet's pod worker runs them; a pod takes a stripe by
  // uid.
  private final Object[] podLocks = new Object[64];
  private final Set<String> starting = ConcurrentHashMap.newKeySet();
  private final Set<String> terminating = ConcurrentHashMap.newKeySet();
  private final AtomicInteger started = new AtomicInteger();
  private final AtomicInteger ipSequence = new AtomicInteger();
  private volatile Predicate<Pod> heldReadiness = pod -> false;
  private volatile Predicate<Pod> heldTermination = pod -> false;
  private volatile Predicate<Pod> failingOnStart = pod -> false;
  private final SharedIndexInformer<Pod> pods;

  public KubeletStandIn(KubernetesClient client, Duration delay, Clock clock) {
    this(client, delay, DEFAULT_TERMINATION_CAP, clock);
  }

  /**
   * @param delay how long a bound pod takes to start
   * @param terminationCap the longest a deleted pod's containers take to stop: its grace period, at
   *     most this
   */
  public KubeletStandIn(
      KubernetesClient client, Duration delay, Duration terminationCap, Clock clock) {
    this.client = client;
    this.delay = delay;
    this.terminationCap = terminationCap;
    this.clock = clock;
    for (int i = 0; i < podLocks.length; i++) {
      podLocks[i] = new Object();
    }
    this.pods =
        client
            .pods()
            .inAnyNamespace()
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Pod pod) {
                    maybeStart(pod);
                    maybeTerminate(pod);
                  }

                  @Override
                  public void onUpdate(Pod oldPod, Pod newPod) {
                    maybeStart(newPod);
                    maybeTerminate(newPod);
                  }

                  @Override
                  public void onDelete(Pod pod, boolean unknown) {
                    starting.remove(pod.getMetadata().getUid());
                    terminating.remove(pod.getMetadata().getUid());
                  }
                });
  }

  /**
   * Pods matching the predicate (tested when the pod starts) run but never become ready, like a
   * container whose readiness probe keeps failing: e.g. {@code p -> image(p).endsWith(":bad")}.
   */
  public void holdReadiness(Predicate<Pod> predicate) {
    heldReadiness = predicate == null ? pod -> false : predicate;
  }

  /** Holds the readiness of pods whose first container runs exactly this image. */
  public void holdReadinessOfImage(String image) {
    holdReadiness(pod -> image.equals(firstImage(pod)));
  }

  /**
   * Pods matching the predicate (tested when the pod would start) fail at once instead of running,
   * like a container that exits as soon as it starts or a pod the kubelet rejects: phase Failed.
   */
  public void failOnStart(Predicate<Pod> predicate) {
    failingOnStart = predicate == null ? pod -> false : predicate;
  }

  /**
   * Pods matching the predicate stay Terminating once their containers stopped (phase Failed,
   * deletionTimestamp set) instead of being deleted, until the predicate no longer matches them;
   * null releases every held pod.
   */
  public void holdTermination(Predicate<Pod> predicate) {
    heldTermination = predicate == null ? pod -> false : predicate;
  }

  /** How many pods this stand-in has started. */
  public int startedPods() {
    return started.get();
  }

  /** Container crashed: phase Failed, not ready (the operator should replace the pod). */
  public Pod failPod(String namespace, String name) {
    return terminate(namespace, name, "Failed", 1, "Error");
  }

  /** Containers exited 0: phase Succeeded (a daemon pod should not do that either). */
  public Pod succeedPod(String namespace, String name) {
    return terminate(namespace, name, "Succeeded", 0, "Completed");
  }

  /** Flips readiness of a running pod, as a readiness probe would. */
  public Pod setReady(String namespace, String name, boolean ready) {
    String now = now();
    return patchStatus(
        namespace,
        name,
        status -> {
          status.setConditions(
              withCondition(
                  withCondition(status.getConditions(), "Ready", ready, now),
                  "ContainersReady",
                  ready,
                  now));
          if (status.getContainerStatuses() != null) {
            status.getContainerStatuses().forEach(cs -> cs.setReady(ready));
          }
          return status;
        });
  }

  private void maybeStart(Pod pod) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    if (pod.getSpec() == null
        || pod.getSpec().getNodeName() == null
        || pod.getMetadata().getDeletionTimestamp() != null
        || (phase != null && !"Pending".equals(phase))) {
      return;
    }
    String uid = pod.getMetadata().getUid();
    if (starting.add(uid)) {
      String ns = pod.getMetadata().getNamespace();
      String name = pod.getMetadata().getName();
      timer.schedule(() -> start(ns, name, uid), delay.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private void start(String namespace, String name, String uid) {
    synchronized (lockOf(uid)) {
      startLocked(namespace, name, uid);
    }
  }

  private void startLocked(String namespace, String name, String uid) {
    try {
      Pod pod = client.pods().inNamespace(namespace).withName(name).get();
      if (pod == null
          || !uid.equals(pod.getMetadata().getUid())
          || pod.getMetadata().getDeletionTimestamp() != null
          || (pod.getStatus() != null
              && pod.getStatus().getPhase() != null
              && !"Pending".equals(pod.getStatus().getPhase()))) {
        starting.remove(uid);
        return;
      }
      if (failingOnStart.test(pod)) {
        terminate(namespace, name, "Failed", 1, "Error");
        starting.remove(uid);
        return;
      }
      boolean ready = !heldReadiness.test(pod);
      String now = now();
      int ip = ipSequence.incrementAndGet();
      List<ContainerStatus> containers = new ArrayList<>();
      for (Container c : pod.getSpec().getContainers()) {
        containers.add(
            new ContainerStatusBuilder()
                .withName(c.getName())
                .withImage(c.getImage())
                .withImageID("sim://" + c.getImage())
                .withContainerID("sim://" + uid + "/" + c.getName())
                .withReady(ready)
                .withStarted(true)
                .withRestartCount(0)
                .withNewState()
                .withNewRunning()
                .withStartedAt(now)
                .endRunning()
                .endState()
                .build());
      }
      PodStatus status =
          new PodStatusBuilder()
              .withPhase("Running")
              .withHostIP("192.168.0.1")
              .withPodIP("10.244." + (ip / 250 % 250) + "." + (ip % 250 + 1))
              .withStartTime(now)
              .withConditions(
                  condition("PodReadyToStartContainers", true, now),
                  condition("Initialized", true, now),
                  condition("Ready", ready, now),
                  condition("ContainersReady", ready, now),
                  condition("PodScheduled", true, now))
              .withContainerStatuses(containers)
              .build();
      mergeStatus(namespace, name, status);
      started.incrementAndGet();
    } catch (RuntimeException e) {
      LOG.debugf("could not start %s/%s: %s", namespace, name, e.getMessage());
      if (retryLater(e, () -> start(namespace, name, uid))) {
        return;
      }
    }
    starting.remove(uid);
  }

  private void maybeTerminate(Pod pod) {
    Long grace = pod.getMetadata().getDeletionGracePeriodSeconds();
    if (pod.getMetadata().getDeletionTimestamp() == null
        || grace == null
        || grace <= 0
        || pod.getSpec() == null
        || pod.getSpec().getNodeName() == null
        || pod.getSpec().getNodeName().isEmpty()) {
      return;
    }
    String uid = pod.getMetadata().getUid();
    if (terminating.add(uid)) {
      long millis = Math.min(Duration.ofSeconds(grace).toMillis(), terminationCap.toMillis());
      String ns = pod.getMetadata().getNamespace();
      String name = pod.getMetadata().getName();
      timer.schedule(() -> stopContainers(ns, name, uid), millis, TimeUnit.MILLISECONDS);
    }
  }

  /**
   * The grace period is over (or the containers exited): report the terminal phase, then delete.
   */
  private void stopContainers(String namespace, String name, String uid) {
    synchronized (lockOf(uid)) {
      stopContainersLocked(namespace, name, uid);
    }
  }

  private void stopContainersLocked(String namespace, String name, String uid) {
    try {
      Pod pod = client.pods().inNamespace(namespace).withName(name).get();
      if (pod == null || !uid.equals(pod.getMetadata().getUid())) {
        terminating.remove(uid);
        return;
      }
      String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
      if (!"Failed".equals(phase) && !"Succeeded".equals(phase)) {
        // 143: the containers ended on the SIGTERM, as most do.
        terminate(namespace, name, "Failed", 143, "Error");
      }
      finishDeletion(namespace, name, uid);
    } catch (RuntimeException e) { // gone meanwhile (404, or no pod to patch): nothing left to stop
      LOG.debugf("could not stop %s/%s: %s", namespace, name, e.getMessage());
      if (!retryLater(e, () -> stopContainers(namespace, name, uid))) {
        terminating.remove(uid);
      }
    }
  }

  private void finishDeletion(String namespace, String name, String uid) {
    synchronized (lockOf(uid)) {
      finishDeletionLocked(namespace, name, uid);
    }
  }

  private void finishDeletionLocked(String namespace, String name, String uid) {
    try {
      Pod pod = client.pods().inNamespace(namespace).withName(name).get();
      if (pod == null || !uid.equals(pod.getMetadata().getUid())) {
        terminating.remove(uid);
        return;
      }
      if (heldTermination.test(pod)) {
        timer.schedule(() -> finishDeletion(namespace, name, uid), 50, TimeUnit.MILLISECONDS);
        return;
      }
      // As the kubelet's status manager: period 0. The uid was checked just above; a pod under
      // this name cannot be re-created meanwhile, since only this delete removes the old one.
      client.pods().inNamespace(namespace).withName(name).withGracePeriod(0).delete();
      terminating.remove(uid);
    } catch (RuntimeException e) {
      LOG.debugf("could not delete %s/%s: %s", namespace, name, e.getMessage());
      if (!retryLater(e, () -> finishDeletion(namespace, name, uid))) {
        terminating.remove(uid);
      }
    }
  }

  /**
   * As a kubelet's pod worker, tries a step again a second later unless the API server said the pod
   * is gone or the call is wrong (a 4xx other than 429) or the pod was missing: a connection closed
   * or refused, a 5xx or a 429 (the API server restarting, say) changes nothing about the pod, so
   * no watch event would bring it back. Returns whether the step was scheduled again.
   */
  private Object lockOf(String uid) {
    return podLocks[Math.floorMod(uid.hashCode(), podLocks.length)];
  }

  private boolean retryLater(RuntimeException e, Runnable step) {
    boolean refused =
        e instanceof KubernetesClientException k
            && k.getCode() >= 400
            && k.getCode() < 500
            && k.getCode() != 429;
    if (refused || e instanceof IllegalArgumentException) {
      return false;
    }
    try {
      timer.schedule(step, RETRY.toMillis(), TimeUnit.MILLISECONDS);
      LOG.infof("trying again in %s: %s", RETRY, e.getMessage());
      return true;
    } catch (RejectedExecutionException closed) {
      return false;
    }
  }

  private Pod terminate(String namespace, String name, String phase, int exitCode, String reason) {
    String now = now();
    return patchStatus(
        namespace,
        name,
        status -> {
          status.setPhase(phase);
          status.setConditions(
              withCondition(
                  withCondition(status.getConditions(), "Ready", false, now),
                  "ContainersReady",
                  false,
                  now));
          if (status.getContainerStatuses() != null) {
            for (ContainerStatus cs : status.getContainerStatuses()) {
              cs.setReady(false);
              cs.setStarted(false);
              cs.setState(
                  new io.fabric8.kubernetes.api.model.ContainerStateBuilder()
                      .withNewTerminated()
                      .withExitCode(exitCode)
                      .withReason(reason)
                      .withFinishedAt(now)
                      .endTerminated()
                      .build());
            }
          }
          return status;
        });
  }

  private Pod patchStatus(String namespace, String name, UnaryOperator<PodStatus> change) {
    Pod pod = client.pods().inNamespace(namespace).withName(name).get();
    if (pod == null) {
      throw new IllegalArgumentException("no pod " + namespace + "/" + name);
    }
    PodStatus status = pod.getStatus() == null ? new PodStatus() : pod.getStatus();
    return mergeStatus(namespace, name, change.apply(status));
  }

  private Pod mergeStatus(String namespace, String name, PodStatus status) {
    return client
        .pods()
        .inNamespace(namespace)
        .withName(name)
        .subresource("status")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(Map.of("status", status)));
  }

  private static List<PodCondition> withCondition(
      List<PodCondition> conditions, String type, boolean value, String now) {
    List<PodCondition> result = new ArrayList<>();
    boolean found = false;
    for (PodCondition c : conditions == null ? List.<PodCondition>of() : conditions) {
      if (type.equals(c.getType())) {
        found = true;
        String status = value ? "True" : "False";
        result.add(status.equals(c.getStatus()) ? c : condition(type, value, now));
      } else {
        result.add(c);
      }
    }
    if (!found) {
      result.add(condition(type, value, now));
    }
    return result;
  }

  private static PodCondition condition(String type, boolean value, String now) {
    return new PodConditionBuilder()
        .withType(type)
        .withStatus(value ? "True" : "False")
        .withLastTransitionTime(now)
        .build();
  }

  private String now() {
    return clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
  }

  static String firstImage(Pod pod) {
    return pod.getSpec() == null || pod.getSpec().getContainers().isEmpty()
        ? null
        : pod.getSpec().getContainers().get(0).getImage();
  }

  @Override
  public void close() {
    pods.close();
    timer.shutdownNow();
  }
}
