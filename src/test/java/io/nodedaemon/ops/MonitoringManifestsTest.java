package io.nodedaemon.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What k8s/monitoring promises: series keep the NodeDaemon's namespace, and the stall alert keys on
 * the operator's Stalled verdict (which a pause, partition or rollout selector never sets) instead
 * of guessing from counters that stop moving. That every metric they name is exported is checked
 * against the packaged jar in {@code PackagedOperatorIT}.
 */
class MonitoringManifestsTest {
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @Test
  void theServiceMonitorKeepsTheNodeDaemonsNamespaceLabel() throws Exception {
    JsonNode monitor =
        YAML.readTree(Manifests.PROJECT.resolve("k8s/monitoring/servicemonitor.yaml").toFile());
    for (JsonNode endpoint : monitor.at("/spec/endpoints")) {
      assertThat(endpoint.path("honorLabels").asBoolean())
          .as("honorLabels of %s", endpoint)
          .isTrue();
    }
  }

  @Test
  void theStallAlertFiresOnTheStalledConditionOnly() throws Exception {
    JsonNode rule =
        YAML.readTree(Manifests.PROJECT.resolve("k8s/monitoring/prometheusrule.yaml").toFile());
    List<JsonNode> alerts = new ArrayList<>();
    rule.at("/spec/groups").forEach(g -> g.path("rules").forEach(alerts::add));
    JsonNode stalled =
        alerts.stream()
            .filter(a -> "NodeDaemonRolloutStalled".equals(a.path("alert").asText()))
            .findFirst()
            .orElseThrow();

    assertThat(stalled.path("expr").asText().strip())
        .isEqualTo("nodedaemon_condition{type=\"Stalled\"} == 1");
    assertThat(alerts)
        .noneMatch(a -> a.path("expr").asText().contains("delta(nodedaemon_pods_updated"));
  }

  @Test
  void theDashboardIsValidJsonWithATargetPerPanel() throws Exception {
    JsonNode dashboard =
        new ObjectMapper()
            .readTree(
                Files.readString(
                    Manifests.PROJECT.resolve("k8s/monitoring/nodedaemon-dashboard.json")));
    assertThat(dashboard.path("panels")).isNotEmpty();
    dashboard
        .path("panels")
        .forEach(
            p -> assertThat(p.path("targets")).as("targets of %s", p.path("title")).isNotEmpty());
  }
}
