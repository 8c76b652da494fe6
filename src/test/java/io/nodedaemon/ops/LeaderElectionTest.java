package io.nodedaemon.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.e2e.E2eSupport;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Two operator replicas against one API server: only the holder of the Lease reconciles; the other
 * takes over when the leader goes away. Uses the configuration {@link LeaderElectionProducer}
 * builds from {@code nodedaemon.leader-election.*}.
 */
class LeaderElectionTest {

  /** Counts reconciliations, standing in for the real reconciler. */
  @io.javaoperatorsdk.operator.api.reconciler
      .Ignore // not a reconciler of the application: QOSDK must not register it
  @ControllerConfiguration(name = "counting")
  static class CountingReconciler implements Reconciler<NodeDaemon> {
    final AtomicInteger reconciled = new AtomicInteger();

    @Override
    public UpdateControl<NodeDaemon> reconcile(NodeDaemon resource, Context<NodeDaemon> context) {
      reconciled.incrementAndGet();
      return UpdateControl.noUpdate();
    }
  }

  static LeaderElectionSettings settings(String identity, boolean enabled) {
    return new LeaderElectionSettings() {
      public boolean enabled() {
        return enabled;
      }

      public String leaseName() {
        return "nodedaemon-operator-lease";
      }

      public Optional<String> leaseNamespace() {
        return Optional.of("nodedaemon-system");
      }

      public Optional<String> identity() {
        return Optional.of(identity);
      }

      public Duration leaseDuration() {
        return Duration.ofSeconds(3);
      }

      public Duration renewDeadline() {
        return Duration.ofSeconds(2);
      }

      public Duration retryPeriod() {
        return Duration.ofMillis(250);
      }

      public Duration exitTimeout() {
        return Duration.ofSeconds(5);
      }
    };
  }

  /** A replica's way out, recorded instead of ending the test JVM. */
  static final class RecordedExit {
    final List<String> calls = new CopyOnWriteArrayList<>();
    final AtomicBoolean shuttingDown = new AtomicBoolean();
    volatile Operator operator;

    LeaderLoss loss() {
      return new LeaderLoss(
          () -> {
            calls.add("stop");
            operator.stop();
          },
          status -> calls.add("exit " + status),
          shuttingDown::get,
          task -> new Thread(task, "test-leader-lost").start());
    }

    /** Stops the replica as its shutdown hook would. */
    void shutDown() {
      shuttingDown.set(true);
      operator.stop();
    }
  }

  static Operator replica(MockApiServer api, String identity, CountingReconciler reconciler) {
    return replica(api, identity, reconciler, new RecordedExit());
  }

  static Operator replica(
      MockApiServer api, String identity, CountingReconciler reconciler, RecordedExit exit) {
    LeaderElectionConfiguration election =
        LeaderElectionProducer.toConfiguration(settings(identity, true), exit.loss());
    Operator operator =
        new Operator(
            o ->
                o.withKubernetesClient(api.server.createClient())
                    .withLeaderElectionConfiguration(election)
                    .withCloseClientOnStop(true)
                    .withUseSSAToPatchPrimaryResource(false));
    operator.register(reconciler);
    exit.operator = operator;
    return operator;
  }

  @Test
  void disabledSettingsYieldNoElection() {
    assertThat(
            LeaderElectionProducer.toConfiguration(settings("x", false), new RecordedExit().loss()))
        .isNull();
    LeaderElectionConfiguration c =
        LeaderElectionProducer.toConfiguration(settings("pod-a", true), new RecordedExit().loss());
    assertThat(c.getLeaseName()).isEqualTo("nodedaemon-operator-lease");
    assertThat(c.getLeaseNamespace()).contains("nodedaemon-system");
    assertThat(c.getIdentity()).contains("pod-a");
    // JOSDK's own exit deadlocks in the shutdown hook; LeaderLoss exits instead.
    assertThat(c.isExitOnStopLeading()).isFalse();
    assertThat(c.getLeaderCallbacks()).isPresent();
  }

  @Test
  void losingTheLeaseStopsReconcilingThenExits() {
    List<String> calls = new ArrayList<>();
    LeaderLoss loss =
        new LeaderLoss(
            () -> calls.add("stop"),
            status -> calls.add("exit " + status),
            () -> false,
            Runnable::run);
    LeaderElectionConfiguration c =
        LeaderElectionProducer.toConfiguration(settings("pod-a", true), loss);

    c.getLeaderCallbacks().orElseThrow().onStopLeading();
    assertThat(calls).containsExactly("stop", "exit 1");
    assertThat(loss.lost()).isTrue();
    c.getLeaderCallbacks().orElseThrow().onStopLeading();
    assertThat(calls)
        .as("one way out, however often the elector calls back")
        .containsExactly("stop", "exit 1");
  }

  @Test
  void stoppingLeadershipDuringShutdownDoesNotExitAgain() {
    List<String> calls = new ArrayList<>();
    LeaderLoss loss =
        new LeaderLoss(
            () -> calls.add("stop"),
            status -> calls.add("exit " + status),
            () -> true,
            Runnable::run);
    loss.onStopLeading();
    assertThat(calls).as("System.exit inside the shutdown hook would block forever").isEmpty();
    assertThat(LeaderLoss.jvmShuttingDown()).isFalse();
  }

  @Test
  void aReplicaWhoseLeaseIsTakenStopsReconcilingAndExits() throws Exception {
    try (MockApiServer api = new MockApiServer()) {
      api.client.resource(nodeDaemon("a")).create();
      CountingReconciler first = new CountingReconciler();
      RecordedExit exit = new RecordedExit();
      Operator one = replica(api, "replica-1", first, exit);
      one.start();
      await().atMost(Duration.ofSeconds(20)).until(() -> first.reconciled.get() > 0);

      // Another holder takes the Lease (as a replica would after a partition healed).
      // The leader renews concurrently, so the edit may meet a 409 and is retried.
      E2eSupport.retryOnConflict(
          () ->
              api.client
                  .leases()
                  .inNamespace("nodedaemon-system")
                  .withName("nodedaemon-operator-lease")
                  .edit(
                      l -> {
                        l.getSpec().setHolderIdentity("replica-2");
                        l.getSpec().setLeaseDurationSeconds(60);
                        l.getSpec().setRenewTime(ZonedDateTime.now(ZoneOffset.UTC));
                        return l;
                      }));
      await().atMost(Duration.ofSeconds(10)).until(() -> exit.calls.contains("exit 1"));
      assertThat(exit.calls).containsExactly("stop", "exit 1");

      int before = first.reconciled.get();
      api.client.resource(nodeDaemon("b")).create();
      api.client
          .resource(nodeDaemon("a"))
          .edit(
              nd -> {
                nd.getMetadata().setLabels(java.util.Map.of("touched", "yes"));
                return nd;
              });
      await().pollDelay(Duration.ofSeconds(2)).until(() -> true);
      assertThat(first.reconciled.get())
          .as("a replica that lost the Lease reconciles nothing more")
          .isEqualTo(before);
      exit.shutDown();
    }
  }

  @Test
  void onlyTheLeaseHolderReconcilesAndTheOtherTakesOver() throws Exception {
    try (MockApiServer api = new MockApiServer()) {
      api.client.resource(nodeDaemon("a")).create();
      CountingReconciler first = new CountingReconciler();
      CountingReconciler second = new CountingReconciler();
      RecordedExit oneExit = new RecordedExit();
      Operator one = replica(api, "replica-1", first, oneExit);
      one.start();
      await().atMost(Duration.ofSeconds(20)).until(() -> first.reconciled.get() > 0);
      RecordedExit twoExit = new RecordedExit();
      Operator two = replica(api, "replica-2", second, twoExit);
      two.start();

      api.client.resource(nodeDaemon("b")).create();
      await().atMost(Duration.ofSeconds(10)).until(() -> first.reconciled.get() >= 2);
      Thread.sleep(2000); // give the follower time to (wrongly) reconcile
      assertThat(second.reconciled.get()).as("the follower must not reconcile").isZero();
      Lease lease =
          api.client
              .leases()
              .inNamespace("nodedaemon-system")
              .withName("nodedaemon-operator-lease")
              .get();
      assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("replica-1");

      oneExit.shutDown();
      await().atMost(Duration.ofSeconds(30)).until(() -> second.reconciled.get() > 0);
      assertThat(
              api.client
                  .leases()
                  .inNamespace("nodedaemon-system")
                  .withName("nodedaemon-operator-lease")
                  .get()
                  .getSpec()
                  .getHolderIdentity())
          .isEqualTo("replica-2");
      assertThat(oneExit.calls)
          .as("a replica stopped by its shutdown does not exit again")
          .isEmpty();
      twoExit.shutDown();
    }
  }

  static NodeDaemon nodeDaemon(String name) {
    NodeDaemon nd = new NodeDaemon();
    nd.getMetadata().setName(name);
    nd.getMetadata().setNamespace("default");
    return nd;
  }
}
