package io.nodedaemon.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.nodedaemon.cluster.Backend;
import io.nodedaemon.cluster.RealControlPlane;
import io.nodedaemon.cluster.TestCluster;
import io.nodedaemon.sim.OperatorProcess;
import io.nodedaemon.sim.SimulatedCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

/**
 * Two packaged operator replicas electing a leader through a Lease (SPEC §7): when another holder
 * takes the Lease, the old leader exits (status 1, so Kubernetes restarts it as a follower) and
 * writes nothing more; the follower leads once the Lease is handed to it. All cluster access goes
 * through the cluster's client, so the test reads the same against a real API server.
 */
class LeaderLossIT {

  static final Duration TIMEOUT = Duration.ofSeconds(60);
  static final String NS = "leaders";

  /**
   * The Lease lives where the install lets the operator hold one: a Role in the operator's own
   * namespace grants it (SPEC §7). Its own name keeps it apart from the other ITs' operators.
   */
  static final String LEASE_NS = RealControlPlane.OPERATOR_NAMESPACE;

  static final String LEASE = "leader-loss-it-lease";

  // A long lease: fabric8's elector judges expiry by its own lease duration, not the holder's, and
  // no replica may take the Lease from "someone-else" by expiry during the test. A leader still
  // notices another holder at its next renewal (retry period).
  static String[] replica(String identity) {
    return replica(identity, LEASE, "120s", "90s", "500ms");
  }

  /** The JVM flags of an operator replica electing its leader on {@code lease}. */
  static String[] replica(
      String identity, String lease, String leaseDuration, String renewDeadline, String retry) {
    return new String[] {
      "-Dnodedaemon.leader-election.enabled=true",
      "-Dnodedaemon.leader-election.lease-namespace=" + LEASE_NS,
      "-Dnodedaemon.leader-election.lease-name=" + lease,
      "-Dnodedaemon.leader-election.identity=" + identity,
      "-Dnodedaemon.leader-election.lease-duration=" + leaseDuration,
      "-Dnodedaemon.leader-election.renew-deadline=" + renewDeadline,
      "-Dnodedaemon.leader-election.retry-period=" + retry
    };
  }

  static String holder(KubernetesClient client) {
    return holder(client, LEASE);
  }

  /** Who holds {@code lease} in the operator's namespace, or null. */
  static String holder(KubernetesClient client, String name) {
    Lease lease = client.leases().inNamespace(LEASE_NS).withName(name).get();
    return lease == null ? null : lease.getSpec().getHolderIdentity();
  }

  /**
   * Takes the Lease over as another holder would. The elector renews it every few seconds, so an
   * edit can meet a newer resourceVersion (409, on a real API server as on the simulator): read
   * again and retry, as any client of a contended object must.
   */
  static void giveLeaseTo(KubernetesClient client, String identity) {
    for (int attempt = 1; ; attempt++) {
      try {
        client
            .leases()
            .inNamespace(LEASE_NS)
            .withName(LEASE)
            .edit(
                l -> {
                  l.getSpec().setHolderIdentity(identity);
                  l.getSpec().setLeaseDurationSeconds(3600);
                  l.getSpec().setRenewTime(ZonedDateTime.now(ZoneOffset.UTC));
                  return l;
                });
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt >= 10) {
          throw e;
        }
      }
    }
  }

  /**
   * JOSDK checks its Lease permissions first (a SelfSubjectRulesReview); a real API server answers
   * this itself, the simulated one is told to grant them.
   */
  static void allowLeases(TestCluster cluster) {
    if (cluster instanceof SimulatedCluster sim) {
      SimulatedCluster.grantLeaseRules(sim.server());
    }
  }

  @Test
  void aLeaderWhoseLeaseIsTakenExitsAndWritesNothingMore() throws Exception {
    Path base = Path.of("").toAbsolutePath();
    Path log = base.resolve("target/leader-loss-it.log");
    Files.deleteIfExists(log);
    try (TestCluster cluster = Backend.startCluster()) {
      allowLeases(cluster);
      KubernetesClient client = cluster.client();
      cluster.createNamespace(NS);
      cluster.createNamespace(LEASE_NS);
      E2eSupport.addNodes(cluster, NS, "l-a", "l-b");

      try (OperatorProcess first =
          OperatorProcess.start(base, cluster, log, TIMEOUT, replica("replica-1"))) {
        await().atMost(TIMEOUT).until(() -> "replica-1".equals(holder(client)));
        E2eSupport.create(cluster, E2eSupport.daemon(NS, "agent", NS));
        E2eSupport.awaitStatus(client, NS, "agent", E2eSupport.converged(2));

        try (OperatorProcess second =
            OperatorProcess.start(base, cluster, log, TIMEOUT, replica("replica-2"))) {
          assertThat(holder(client)).isEqualTo("replica-1");

          // Someone else holds the Lease now: the old leader must stop and exit.
          giveLeaseTo(client, "someone-else");
          assertThat(first.awaitExit(Duration.ofSeconds(20)))
              .as("the old leader's exit status")
              .isEqualTo(1);

          // Nobody leads: a new node gets no pod, so nothing reconciles any more.
          E2eSupport.addNodes(cluster, NS, "l-c");
          await().pollDelay(Duration.ofSeconds(5)).until(() -> true);
          assertThat(E2eSupport.pods(client, NS)).as("no replica wrote a pod").hasSize(2);
          assertThat(holder(client)).isEqualTo("someone-else");
          assertThat(second.isAlive()).as("a follower stays up").isTrue();

          // The Lease handed to the follower: it leads, and the new node gets its pod.
          giveLeaseTo(client, "replica-2");
          E2eSupport.awaitStatus(client, NS, "agent", E2eSupport.converged(3));
          assertThat(second.isAlive()).isTrue();
        }
      }
    }
  }
}
