package io.nodedaemon.ops;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/**
 * Leader election settings ({@code nodedaemon.leader-election.*}): one Lease in the operator's
 * namespace decides which replica reconciles.
 */
@ConfigMapping(prefix = "nodedaemon.leader-election")
public interface LeaderElectionSettings {

  /** Whether replicas elect a leader; only takes effect in the prod profile. */
  @WithDefault("true")
  boolean enabled();

  /** Name of the coordination.k8s.io Lease. */
  @WithDefault("nodedaemon-operator-lease")
  String leaseName();

  /** Namespace of the Lease; defaults to the namespace the operator pod runs in (POD_NAMESPACE). */
  Optional<String> leaseNamespace();

  /** This replica's identity in the Lease; defaults to the pod name (HOSTNAME). */
  Optional<String> identity();

  @WithDefault("15s")
  Duration leaseDuration();

  @WithDefault("10s")
  Duration renewDeadline();

  @WithDefault("2s")
  Duration retryPeriod();

  /**
   * After losing the Lease, how long the replica may take to stop cleanly (controllers stopped,
   * shutdown hooks run) before it halts.
   */
  @WithDefault("5s")
  Duration exitTimeout();
}
