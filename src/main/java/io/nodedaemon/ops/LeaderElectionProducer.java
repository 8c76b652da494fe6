package io.nodedaemon.ops;

import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Provides the {@link LeaderElectionConfiguration} that quarkus-operator-sdk looks up in the
 * profiles listed by {@code quarkus.operator-sdk.activate-leader-election-for-profiles} (prod).
 * Returns {@code null} (no election) when {@code nodedaemon.leader-election.enabled=false}. A
 * replica that loses the Lease stops reconciling and exits ({@link LeaderLoss}).
 */
@Singleton
public class LeaderElectionProducer {
  private static final Logger LOG = Logger.getLogger(LeaderElectionProducer.class);

  private volatile boolean shuttingDown;

  /**
   * Before quarkus-operator-sdk stops the operator (default priority), which cancels the election
   * and so calls onStopLeading: that call is the shutdown's own, not a lost Lease.
   */
  void onShutdown(@Observes @Priority(1) ShutdownEvent event) {
    shuttingDown = true;
  }

  @Produces
  @Dependent
  LeaderElectionConfiguration leaderElection(
      LeaderElectionSettings settings, Instance<Operator> operator, LeaderFence fence) {
    // The Operator is looked up only when the Lease is lost: it is built from this configuration.
    LeaderLoss loss =
        LeaderLoss.exitingProcess(
            () -> operator.get().stop(),
            () -> shuttingDown || LeaderLoss.jvmShuttingDown(),
            settings.exitTimeout());
    // A pause that may have cost the Lease steps down as a lost Lease does (LeaderFence).
    fence.onTrip(loss::onStopLeading);
    LeaderElectionConfiguration config = toConfiguration(settings, loss, fence::arm);
    if (config == null) {
      LOG.info("Leader election disabled (nodedaemon.leader-election.enabled=false)");
    } else {
      LOG.infof(
          "Leader election on Lease %s/%s as %s",
          config.getLeaseNamespace().orElse("?"),
          config.getLeaseName(),
          config.getIdentity().orElse("?"));
    }
    return config;
  }

  /**
   * Maps the settings to JOSDK's configuration; {@code null} when election is disabled. JOSDK's own
   * {@code exitOnStopLeading} stays off (it deadlocks in the shutdown hook, see {@link
   * LeaderLoss}); {@code loss} handles a lost Lease instead.
   */
  public static LeaderElectionConfiguration toConfiguration(
      LeaderElectionSettings settings, LeaderLoss loss) {
    return toConfiguration(settings, loss, () -> {});
  }

  /** The same, running {@code onStartLeading} when this replica wins the Lease. */
  public static LeaderElectionConfiguration toConfiguration(
      LeaderElectionSettings settings, LeaderLoss loss, Runnable onStartLeading) {
    if (!settings.enabled()) {
      return null;
    }
    String namespace =
        settings
            .leaseNamespace()
            .or(() -> Optional.ofNullable(System.getenv("POD_NAMESPACE")))
            .orElse(null);
    String identity =
        settings
            .identity()
            .or(() -> Optional.ofNullable(System.getenv("POD_NAME")))
            .or(() -> Optional.ofNullable(System.getenv("HOSTNAME")))
            .orElse(null);
    return LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(settings.leaseName())
        .withLeaseNamespace(namespace)
        .withIdentity(identity)
        .withLeaseDuration(settings.leaseDuration())
        .withRenewDeadline(settings.renewDeadline())
        .withRetryPeriod(settings.retryPeriod())
        .withLeaderCallbacks(new LeaderCallbacks(onStartLeading, loss::onStopLeading, leader -> {}))
        .withExitOnStopLeading(false)
        .build();
  }
}
