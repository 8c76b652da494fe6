package io.nodedaemon.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.nodedaemon.cluster.Backend;
import io.nodedaemon.cluster.RealControlPlane;
import io.nodedaemon.cluster.TestCluster;
import io.nodedaemon.sim.OperatorProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, SPEC §7: the leader replica frozen (SIGSTOP: a long GC pause, a stalled node) past its
 * Lease, the follower taking over and rolling out, then the old leader resumed (SIGCONT). It wakes
 * with every thread at once: informers full of buffered events, reconcilers ready to act on them,
 * and its elector only then finding out the Lease is gone. It must write nothing and exit. The two
 * replicas share one ServiceAccount; their User-Agent ({@code nodedaemon-operator/<v>
 * (<identity>)}) tells their writes apart, in the audit log of the real control plane as in the
 * simulated API server's log.
 */
class LeaderFreezeIT {

  static final Duration TIMEOUT = Duration.ofSeconds(60);
  static final String NS = "leader-freeze";
  static final String LEASE_NS = RealControlPlane.OPERATOR_NAMESPACE;
  static final String LEASE = "leader-freeze-it-lease";

  /** How long after the old leader resumes everything must be settled (docs/reliability.md). */
  static final Duration RECOVERY_BOUND = Duration.ofSeconds(60);

  /**
   * Short Lease settings, so the freeze outlasts the Lease in seconds: fabric8's elector needs
   * lease > renew deadline > 1.2 × retry period.
   */
  static String[] replica(String identity) {
    return LeaderLossIT.replica(identity, LEASE, "6s", "4s", "1s");
  }

  static String holder(KubernetesClient client) {
    return LeaderLossIT.holder(client, LEASE);
  }

  /** "PATCH .../leases/NAME -> 409 [agent]", as {@code WriteLog.sinceBy} prints it. */
  static boolean refusedLeaseRenewal(String write) {
    return write.startsWith("PATCH ") && write.contains("/leases/" + LEASE + " -> 409 ");
  }

  @Test
  void aLeaderFrozenPastItsLeaseWritesNothingWhenItWakes() throws Exception {
    Path base = Path.of("").toAbsolutePath();
    Path log = base.resolve("target/leader-freeze-it.log");
    Files.deleteIfExists(log);
    try (TestCluster cluster = Backend.startCluster()) {
      LeaderLossIT.allowLeases(cluster);
      KubernetesClient client = cluster.client();
      cluster.createNamespace(NS);
      cluster.createNamespace(LEASE_NS);
      List<String> nodes = new ArrayList<>(FaultRecovery.nodeNames("lf", 3));

      try (OperatorProcess first =
          OperatorProcess.start(base, cluster, log, TIMEOUT, replica("replica-1"))) {
        await().atMost(TIMEOUT).until(() -> "replica-1".equals(holder(client)));
        FaultRecovery.convergedDaemon(cluster, NS, nodes);

        try (OperatorProcess second =
            OperatorProcess.start(base, cluster, log, TIMEOUT, replica("replica-2"))) {
          // A leader renews its Lease for as long as it runs: several renew deadlines pass, it
          // still holds it. (On the real API server this once failed: fabric8 renews with PATCH,
          // which the Role did not grant, so the leader lost its Lease 4 s after winning it.)
          await()
              .during(Duration.ofSeconds(10))
              .atMost(Duration.ofSeconds(15))
              .until(() -> first.isAlive() && "replica-1".equals(holder(client)));

          first.suspend();
          Instant frozen = Instant.now();
          int resumedMark;
          Instant resumed;
          try {
            await()
                .atMost(TIMEOUT)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> "replica-2".equals(holder(client)));
            Duration takeover = Duration.between(frozen, Instant.now());
            FaultRecovery.report("leader frozen, follower took the Lease after", takeover);

            // The new leader works while the old one sleeps: a rolling update, budget sampled.
            Instant rollout = Instant.now();
            try (InvariantSampler sampler = new InvariantSampler(client, NS, nodes.size())) {
              FaultRecovery.setImage(cluster, NS, "example.org/agent:after-freeze");
              FaultRecovery.assertSettled(cluster, NS, "agent", nodes, rollout, RECOVERY_BOUND);
              sampler.assertHeld(1, 1);
            }
            // Bait for the sleeper: a node that wants a pod, added just before it wakes. Its
            // cache has not seen the new leader's pod for it when its reconcilers run again.
            resumedMark = cluster.writes().mark();
            E2eSupport.addNodes(cluster, NS, "lf-late");
            nodes.add("lf-late");
          } finally {
            first.resume();
          }
          resumed = Instant.now();
          System.out.printf(
              "LeaderFreezeIT: replica-1 frozen %d ms%n",
              Duration.between(frozen, resumed).toMillis());

          assertThat(first.awaitExit(Duration.ofSeconds(30)))
              .as("the woken leader's exit status (see %s)", log)
              .isEqualTo(1);
          FaultRecovery.report(
              "frozen leader resumed, exited after", Duration.between(resumed, Instant.now()));
          // Its elector may have read the Lease just before the freeze and send that renewal
          // when it wakes: the server refuses it (409, the resourceVersion is stale) and nothing
          // changes. Any other write, or one accepted, would be the woken leader acting.
          List<String> woken =
              cluster.writes().sinceBy(resumedMark, agent -> agent.contains("(replica-1)"));
          System.out.println("LeaderFreezeIT: writes of the woken leader: " + woken);
          assertThat(woken)
              .as("writes of the woken leader (replica-1), but a refused Lease renewal")
              .filteredOn(write -> !refusedLeaseRenewal(write))
              .isEmpty();

          Duration settled =
              FaultRecovery.assertSettled(cluster, NS, "agent", nodes, resumed, RECOVERY_BOUND);
          FaultRecovery.report("leader frozen past its Lease, then resumed", settled);
          FaultRecovery.assertResyncWritesNothing(cluster, NS, NS, nodes, Duration.ofSeconds(3));
          assertThat(second.isAlive()).as("the new leader stays up").isTrue();
          assertThat(holder(client)).isEqualTo("replica-2");
          assertThat(cluster.writes().sinceBy(resumedMark, agent -> agent.contains("(replica-2)")))
              .as("the new leader did the work")
              .isNotEmpty();
        }
      }
    }
  }
}
