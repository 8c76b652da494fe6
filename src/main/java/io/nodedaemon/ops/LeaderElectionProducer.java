package io.nodedaemon.ops;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Provides the {@link LeaderElectionConfiguration} that quarkus-operator-sdk looks up in the
 * profiles listed by {@code quarkus.operator-sdk.activate-leader-election-for-profiles} (prod).
 * Returns {@code null} (no election) when {@code nodedaemon.leader-election.enabled=false}.
 */
@Singleton
public class LeaderElectionProducer {
  private static final Logger LOG = Logger.getLogger(LeaderElectionProducer.class);

  @Produces
  @Dependent
  LeaderElectionConfiguration leaderElection(LeaderElectionSettings settings) {
    // Not exitOnStopLeading: JOSDK would call System.exit from within the SIGTERM shutdown hook,
    // which blocks forever (seen in PackagedOperatorIT); a pod stopping must stop promptly.
    LeaderElectionConfiguration config = toConfiguration(settings, false);
    if (config == null) {
      LOG.info("Leader election disabled (nodedaemon.leader-election.enabled=false)");
    } else {
      LOG.infof("Leader election on Lease %s/%s as %s", config.getLeaseNamespace().orElse("?"),
          config.getLeaseName(), config.getIdentity().orElse("?"));
    }
    return config;
  }

  /**
   * Maps the settings to JOSDK's configuration; {@code null} when election is disabled. A replica
   * that loses the Lease exits ({@code exitOnStopLeading}) so that Kubernetes restarts it clean.
   */
  public static LeaderElectionConfiguration toConfiguration(LeaderElectionSettings settings,
      boolean exitOnStopLeading) {
    if (!settings.enabled()) {
      return null;
    }
    String namespace = settings.leaseNamespace()
        .or(() -> Optional.ofNullable(System.getenv("POD_NAMESPACE")))
        .orElse(null);
    String identity = settings.identity()
        .or(() -> Optional.ofNullable(System.getenv("POD_NAME")))
        .or(() -> Optional.ofNullable(System.getenv("HOSTNAME")))
        .orElse(null);
    return LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(settings.leaseName())
        .withLeaseNamespace(namespace)
        .withIdentity(identity)
        .withLeaseDuration(settings.leaseDuration())
        .withRenewDeadline(settings.renewDeadline())
        .withRetryPeriod(settings.retryPeriod())
        .withExitOnStopLeading(exitOnStopLeading)
        .build();
  }
}
