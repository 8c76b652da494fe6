package io.nodedaemon.controller;

import io.nodedaemon.planner.DaemonPlanner;
import io.nodedaemon.planner.FailedPodBackoff;
import io.nodedaemon.sync.DaemonSync;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Makes the pure core (plain Java, no CDI) available to the shell as beans. */
public class CoreProducers {

  /** Upstream's failedPodsBackoff: kept across passes, swept by {@link Housekeeping}. */
  @Produces
  @Singleton
  FailedPodBackoff failedPodBackoff() {
    return new FailedPodBackoff();
  }

  @Produces
  @Singleton
  DaemonSync daemonSync(
      FailedPodBackoff backoff,
      @ConfigProperty(name = "nodedaemon.burst-replicas", defaultValue = "250") int burstReplicas) {
    return new DaemonSync(new DaemonPlanner(backoff, burstReplicas));
  }
}
