package io.nodedaemon.planner;

import static io.nodedaemon.planner.PlannerFixtures.REV;
import static io.nodedaemon.planner.PlannerFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonSpec;
import io.nodedaemon.api.NodeDaemonUpdateStrategy;
import io.nodedaemon.api.RollingUpdateNodeDaemon;
import io.nodedaemon.planner.rollout.ProgressDeadline;
import io.nodedaemon.planner.rollout.Revisions;
import io.nodedaemon.planner.rollout.RolloutPlanner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CRD's schema defaults (issue 11: so that {@code kubectl get -o yaml} shows what applies) and
 * the planner's own defaults agree: a spec as the API server stores it, defaults filled in, plans
 * exactly as the same spec without them (an object stored before the defaults existed, or one the
 * simulated cluster keeps as written).
 */
class SchemaDefaultsTest {
  static final Path CRD =
      Path.of(System.getProperty("user.dir"), "k8s/generated/nodedaemons.nodedaemon.io-crd.yaml");
  static Map<String, Object> specSchema;

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void load() throws Exception {
    Map<String, Object> crd =
        new ObjectMapper(new YAMLFactory()).readValue(CRD.toFile(), Map.class);
    Map<String, Object> version =
        ((List<Map<String, Object>>) ((Map<String, Object>) crd.get("spec")).get("versions"))
            .get(0);
    Map<String, Object> root =
        (Map<String, Object>) ((Map<String, Object>) version.get("schema")).get("openAPIV3Schema");
    specSchema = (Map<String, Object>) ((Map<String, Object>) root.get("properties")).get("spec");
  }

  /**
   * The API server's structural defaulting: an absent field with a default gets it, then its
   * children theirs.
   */
  @SuppressWarnings("unchecked")
  static void applyDefaults(Map<String, Object> object, Map<String, Object> schema) {
    Map<String, Object> properties =
        (Map<String, Object>) schema.getOrDefault("properties", Map.of());
    properties.forEach(
        (name, child) -> {
          Map<String, Object> childSchema = (Map<String, Object>) child;
          if (!object.containsKey(name) && childSchema.containsKey("default")) {
            object.put(
                name,
                Serialization.jsonMapper().convertValue(childSchema.get("default"), Object.class));
          }
          if (object.get(name) instanceof Map<?, ?> value) {
            applyDefaults((Map<String, Object>) value, childSchema);
          }
        });
  }

  @SuppressWarnings("unchecked")
  static NodeDaemon defaulted(NodeDaemon daemon) {
    NodeDaemon copy = Serialization.clone(daemon);
    Map<String, Object> spec = Serialization.jsonMapper().convertValue(copy.getSpec(), Map.class);
    applyDefaults(spec, specSchema);
    copy.setSpec(Serialization.jsonMapper().convertValue(spec, NodeDaemonSpec.class));
    return copy;
  }

  @Test
  void theDefaultsAreThePlannersDefaults() {
    NodeDaemonSpec spec = defaulted(PlannerFixtures.daemon()).getSpec();

    assertThat(spec.getUpdateStrategy().getType())
        .isEqualTo(NodeDaemonUpdateStrategy.Type.RollingUpdate);
    RollingUpdateNodeDaemon ru = spec.getUpdateStrategy().getRollingUpdate();
    assertThat(ru.getMaxUnavailable()).isEqualTo(RolloutPlanner.DEFAULT_MAX_UNAVAILABLE);
    assertThat(RolloutPlanner.surgeCount(ru, 100))
        .isEqualTo(RolloutPlanner.surgeCount(null, 100))
        .isZero();
    assertThat(spec.getRevisionHistoryLimit()).isEqualTo(Revisions.DEFAULT_REVISION_HISTORY_LIMIT);
    assertThat(spec.getProgressDeadlineSeconds())
        .isEqualTo(ProgressDeadline.DEFAULT_PROGRESS_DEADLINE_SECONDS);
    // Fields without a schema default stay absent, as the planner expects.
    assertThat(ru.getPartition()).isNull();
    assertThat(ru.getSelector()).isNull();
    assertThat(ru.getPaused()).isNull();
    assertThat(spec.getMinReadySeconds()).isNull();
  }

  static Stream<Arguments> specs() {
    return Stream.of(
        Arguments.of("nothing set", (Consumer<NodeDaemonSpec>) s -> {}),
        Arguments.of(
            "an empty update strategy",
            (Consumer<NodeDaemonSpec>) s -> s.setUpdateStrategy(new NodeDaemonUpdateStrategy())),
        Arguments.of(
            "only maxSurge",
            (Consumer<NodeDaemonSpec>)
                s -> s.setUpdateStrategy(strategy(null, null, new IntOrString(2)))),
        Arguments.of(
            "only maxUnavailable",
            (Consumer<NodeDaemonSpec>)
                s -> s.setUpdateStrategy(strategy(null, new IntOrString("50%"), null))),
        Arguments.of(
            "OnDelete (its rollingUpdate is defaulted too, and not read)",
            (Consumer<NodeDaemonSpec>)
                s ->
                    s.setUpdateStrategy(
                        strategy(NodeDaemonUpdateStrategy.Type.OnDelete, null, null))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void aDefaultedSpecPlansAsTheSpecWithoutDefaults(String name, Consumer<NodeDaemonSpec> change) {
    NodeDaemon asWritten = PlannerFixtures.daemon();
    change.accept(asWritten.getSpec());
    NodeDaemon asStored = defaulted(asWritten);
    assertThat(asStored.getSpec().getUpdateStrategy().getRollingUpdate().getMaxSurge()).isNotNull();

    // Six nodes, each with a ready pod of the old revision: a rolling update to REV.
    List<Node> nodes = PlannerFixtures.nodes(6);
    List<Pod> pods = new ArrayList<>();
    for (Node n : nodes) {
      pods.add(
          PlannerFixtures.readyPod(
              "foo-" + n.getMetadata().getName(),
              n.getMetadata().getName(),
              "rev0",
              T0.minusSeconds(3600),
              T0.minusSeconds(3600)));
    }
    Plan written =
        new DaemonPlanner(new FailedPodBackoff(), DaemonPlanner.BURST_REPLICAS)
            .updateDaemonSet(new PlanInput(asWritten, nodes, pods, REV, InFlight.NONE, T0));
    Plan stored =
        new DaemonPlanner(new FailedPodBackoff(), DaemonPlanner.BURST_REPLICAS)
            .updateDaemonSet(new PlanInput(asStored, nodes, pods, REV, InFlight.NONE, T0));

    assertThat(stored).isEqualTo(written);
    assertThat(SpecValidation.validate(asStored))
        .isEqualTo(SpecValidation.validate(asWritten))
        .isEmpty();
  }

  private static NodeDaemonUpdateStrategy strategy(
      NodeDaemonUpdateStrategy.Type type, IntOrString maxUnavailable, IntOrString maxSurge) {
    NodeDaemonUpdateStrategy s = new NodeDaemonUpdateStrategy();
    s.setType(type);
    if (maxUnavailable != null || maxSurge != null) {
      RollingUpdateNodeDaemon ru = new RollingUpdateNodeDaemon();
      ru.setMaxUnavailable(maxUnavailable);
      ru.setMaxSurge(maxSurge);
      s.setRollingUpdate(ru);
    }
    return s;
  }
}
