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
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Two operator replicas against one API server: only the holder of the Lease reconciles; the
 * other takes over when the leader goes away. Uses the configuration {@link LeaderElectionProducer}
 * builds from {@code nodedaemon.leader-election.*}.
 */
class LeaderElectionTest {

  /** Counts reconciliations, standing in for the real reconciler. */
  @io.javaoperatorsdk.operator.api.reconciler.Ignore // not a reconciler of the application: QOSDK must not register it
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
      public boolean enabled() { return enabled; }
      public String leaseName() { return "nodedaemon-operator-lease"; }
      public Optional<String> leaseNamespace() { return Optional.of("nodedaemon-system"); }
      public Optional<String> identity() { return Optional.of(identity); }
      public Duration leaseDuration() { return Duration.ofSeconds(3); }
      public Duration renewDeadline() { return Duration.ofSeconds(2); }
      public Duration retryPeriod() { return Duration.ofMillis(250); }
    };
  }

  static Operator replica(MockApiServer api, String identity, CountingReconciler reconciler) {
    LeaderElectionConfiguration election = LeaderElectionProducer.toConfiguration(settings(identity, true), false);
    Operator operator = new Operator(o -> o.withKubernetesClient(api.server.createClient())
        .withLeaderElectionConfiguration(election)
        .withCloseClientOnStop(true)
        .withUseSSAToPatchPrimaryResource(false));
    operator.register(reconciler);
    return operator;
  }

  @Test
  void disabledSettingsYieldNoElection() {
    assertThat(LeaderElectionProducer.toConfiguration(settings("x", false), true)).isNull();
    LeaderElectionConfiguration c = LeaderElectionProducer.toConfiguration(settings("pod-a", true), true);
    assertThat(c.getLeaseName()).isEqualTo("nodedaemon-operator-lease");
    assertThat(c.getLeaseNamespace()).contains("nodedaemon-system");
    assertThat(c.getIdentity()).contains("pod-a");
    assertThat(c.isExitOnStopLeading()).isTrue();
  }

  @Test
  void onlyTheLeaseHolderReconcilesAndTheOtherTakesOver() throws Exception {
    try (MockApiServer api = new MockApiServer()) {
      api.client.resource(nodeDaemon("a")).create();
      CountingReconciler first = new CountingReconciler();
      CountingReconciler second = new CountingReconciler();
      Operator one = replica(api, "replica-1", first);
      one.start();
      await().atMost(Duration.ofSeconds(20)).until(() -> first.reconciled.get() > 0);
      Operator two = replica(api, "replica-2", second);
      two.start();

      api.client.resource(nodeDaemon("b")).create();
      await().atMost(Duration.ofSeconds(10)).until(() -> first.reconciled.get() >= 2);
      Thread.sleep(2000); // give the follower time to (wrongly) reconcile
      assertThat(second.reconciled.get()).as("the follower must not reconcile").isZero();
      Lease lease = api.client.leases().inNamespace("nodedaemon-system").withName("nodedaemon-operator-lease").get();
      assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("replica-1");

      one.stop();
      await().atMost(Duration.ofSeconds(30)).until(() -> second.reconciled.get() > 0);
      assertThat(api.client.leases().inNamespace("nodedaemon-system").withName("nodedaemon-operator-lease")
          .get().getSpec().getHolderIdentity()).isEqualTo("replica-2");
      two.stop();
    }
  }

  static NodeDaemon nodeDaemon(String name) {
    NodeDaemon nd = new NodeDaemon();
    nd.getMetadata().setName(name);
    nd.getMetadata().setNamespace("default");
    return nd;
  }
}
