package io.nodedaemon.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.cluster.ClusterResource;
import io.nodedaemon.cluster.InjectCluster;
import io.nodedaemon.cluster.RealControlPlane;
import io.nodedaemon.cluster.TestCluster;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 12 on the real control plane: API Priority and Fairness throttling the operator. A
 * FlowSchema puts every request of the operator's ServiceAccount into a priority level of its own
 * with one nominal concurrency share (a few seats of the server's 600: kube-apiserver's default
 * --max-requests-inflight 400 + --max-mutating-requests-inflight 200, split over the levels by
 * their shares), no borrowing, and a single short queue: what a cluster under load, or an admin who
 * put the operator at the back, gives it. Requests beyond the seats wait in the queue; beyond the
 * queue they are refused with 429. The NodeDaemon must still converge and roll out within a stated
 * bound, keep the budget throughout, tell the truth, and write nothing at the next resync.
 */
@QuarkusTest
@WithTestResource(ClusterResource.class)
class ApiPriorityRealTest {

  static final String NS = "apf";
  static final int NODES = 30;
  static final int MAX_UNAVAILABLE = 5;
  static final String LEVEL = "nodedaemon-throttled";

  /** How long convergence and the rollout may take under the throttle (docs/reliability.md). */
  static final Duration BOUND = Duration.ofSeconds(180);

  @InjectCluster TestCluster cluster;

  /**
   * The level and the schema, with {@code limitResponse}: what the level does with a request beyond
   * its seats.
   */
  static String throttle(String limitResponse) {
    return """
        apiVersion: flowcontrol.apiserver.k8s.io/v1
        kind: PriorityLevelConfiguration
        metadata:
          name: %1$s
        spec:
          type: Limited
          limited:
            nominalConcurrencyShares: 1
            lendablePercent: 0
            borrowingLimitPercent: 0
            limitResponse:
        %4$s
        ---
        apiVersion: flowcontrol.apiserver.k8s.io/v1
        kind: FlowSchema
        metadata:
          name: %1$s
        spec:
          priorityLevelConfiguration:
            name: %1$s
          # Before every suggested schema that could take the operator's requests
          # (service-accounts 9000, global-default 9900), after the exempt and system ones.
          matchingPrecedence: 500
          distinguisherMethod:
            type: ByUser
          rules:
          - subjects:
            - kind: ServiceAccount
              serviceAccount:
                namespace: %2$s
                name: %3$s
            resourceRules:
            - verbs: ["*"]
              apiGroups: ["*"]
              resources: ["*"]
              clusterScope: true
              namespaces: ["*"]
            nonResourceRules:
            - verbs: ["*"]
              nonResourceURLs: ["*"]
        """
        .formatted(
            LEVEL,
            RealControlPlane.OPERATOR_NAMESPACE,
            RealControlPlane.OPERATOR_SERVICE_ACCOUNT,
            limitResponse.indent(6).stripTrailing());
  }

  /**
   * The two ways a level answers a request beyond its seats: one short queue (it waits; a 429 when
   * the queue is full), or a 429 at once.
   */
  static final Map<String, String> LIMIT_RESPONSES =
      Map.of(
          "Queue",
          """
          type: Queue
          queuing:
            queues: 1
            handSize: 1
            queueLengthLimit: 4
          """,
          "Reject",
          "type: Reject");

  KubernetesClient client() {
    return cluster.client();
  }

  @ParameterizedTest
  @ValueSource(strings = {"Queue", "Reject"})
  void aThrottledOperatorStillConvergesAndRollsOutWithinTheBound(String limitResponse)
      throws Exception {
    String ns = NS + "-" + limitResponse.toLowerCase();
    List<HasMetadata> throttle =
        client()
            .load(
                new ByteArrayInputStream(
                    throttle(LIMIT_RESPONSES.get(limitResponse)).getBytes(StandardCharsets.UTF_8)))
            .items();
    try {
      throttle.forEach(o -> client().resource(o).create());
      // Active once the API server's APF controller has taken it in: it marks the schema not
      // dangling (its level exists).
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(200))
          .until(
              () -> {
                var schema = client().flowControl().v1().flowSchema().withName(LEVEL).get();
                return schema != null
                    && schema.getStatus() != null
                    && schema.getStatus().getConditions().stream()
                        .anyMatch(
                            c -> "Dangling".equals(c.getType()) && "False".equals(c.getStatus()));
              });
      Map<String, Double> before = flowMetrics();

      List<String> nodes = FaultRecovery.nodeNames(ns, NODES);
      E2eSupport.addNodes(cluster, ns, nodes.toArray(String[]::new));
      NodeDaemon d = E2eSupport.daemon(ns, "agent", ns);
      RolloutInvariantsE2eTest.rollingUpdate(d).setMaxUnavailable(new IntOrString(MAX_UNAVAILABLE));
      Instant created = Instant.now();
      E2eSupport.create(cluster, d);
      Duration converged = FaultRecovery.assertSettled(cluster, ns, "agent", nodes, created, BOUND);
      FaultRecovery.report(
          "APF-throttled operator (" + limitResponse + "), " + NODES + " nodes converged",
          converged);

      Duration rolledOut;
      try (InvariantSampler sampler = new InvariantSampler(client(), ns, NODES)) {
        Instant rollout = Instant.now();
        FaultRecovery.setImage(cluster, ns, "example.org/agent:throttled");
        rolledOut = FaultRecovery.assertSettled(cluster, ns, "agent", nodes, rollout, BOUND);
        sampler.assertHeld(MAX_UNAVAILABLE, 1);
      }
      FaultRecovery.report(
          "APF-throttled operator (" + limitResponse + "), " + NODES + " nodes rolled out",
          rolledOut);
      FaultRecovery.assertResyncWritesNothing(cluster, ns, ns, nodes, Duration.ofSeconds(5));

      Map<String, Double> after = flowMetrics();
      System.out.printf(
          "APF level %s (%s): seats %s; during the test %s%n",
          LEVEL,
          limitResponse,
          metric("apiserver_flowcontrol_nominal_limit_seats").get(""),
          difference(before, after));
      // The operator's requests really went through the throttled level.
      assertThat(after.getOrDefault("dispatched", 0.0) - before.getOrDefault("dispatched", 0.0))
          .as("requests the throttled level dispatched")
          .isGreaterThan(NODES);
    } finally {
      // The control plane is shared by the JVM's test classes: never leave the throttle behind.
      throttle.forEach(o -> client().resource(o).delete());
    }
  }

  /**
   * The level's counters: requests dispatched, time they waited (queued) before running, and
   * requests rejected by reason (queue full, timed out...).
   */
  Map<String, Double> flowMetrics() {
    Map<String, Double> out = new TreeMap<>();
    out.put("dispatched", sum(metric("apiserver_flowcontrol_dispatched_requests_total")));
    out.put(
        "waited seconds", sum(metric("apiserver_flowcontrol_request_wait_duration_seconds_sum")));
    out.put(
        "waited requests",
        sum(metric("apiserver_flowcontrol_request_wait_duration_seconds_count")));
    metric("apiserver_flowcontrol_rejected_requests_total")
        .forEach((labels, v) -> out.merge("rejected" + labels, v, Double::sum));
    return out;
  }

  static Map<String, Double> difference(Map<String, Double> before, Map<String, Double> after) {
    Map<String, Double> out = new TreeMap<>();
    after.forEach((k, v) -> out.put(k, v - before.getOrDefault(k, 0.0)));
    return out;
  }

  static double sum(Map<String, Double> values) {
    return values.values().stream().mapToDouble(Double::doubleValue).sum();
  }

  /**
   * The samples of one kube-apiserver metric for the throttled level, by their {@code reason} label
   * ("" when it has none), read from /metrics with the admin's client.
   */
  Map<String, Double> metric(String name) {
    Map<String, Double> out = new TreeMap<>();
    for (String line : client().raw("/metrics").split("\n")) {
      if (!line.startsWith(name + "{") || !line.contains("priority_level=\"" + LEVEL + "\"")) {
        continue;
      }
      int reason = line.indexOf("reason=\"");
      String key =
          reason < 0 ? "" : "(" + line.substring(reason + 8, line.indexOf('"', reason + 8)) + ")";
      out.merge(key, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)), Double::sum);
    }
    return out;
  }
}
