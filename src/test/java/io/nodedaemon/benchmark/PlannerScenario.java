package io.nodedaemon.benchmark;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonSpec;
import io.nodedaemon.api.NodeDaemonUpdateStrategy;
import io.nodedaemon.api.RollingUpdateNodeDaemon;
import io.nodedaemon.planner.DaemonPodFactory;
import io.nodedaemon.planner.InFlight;
import io.nodedaemon.planner.PlanInput;
import io.nodedaemon.planner.PodStates;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The inputs of one planning pass at a given size: N nodes with one ready pod each, either all of
 * the update revision ("converged") or with 10% of nodes still on the old one ("changed").
 */
public final class PlannerScenario {
  static final Instant NOW = Instant.parse("2026-01-01T01:00:00Z");
  static final String NEW = "rev-new";
  static final String OLD = "rev-old";

  private PlannerScenario() {}

  public static PlanInput build(int nodes, boolean changed) {
    NodeDaemon d = new NodeDaemon();
    d.setMetadata(new ObjectMetaBuilder().withName("agent").withNamespace("ns").withUid("uid").build());
    NodeDaemonSpec spec = new NodeDaemonSpec();
    spec.setSelector(new LabelSelectorBuilder().withMatchLabels(Map.of("app", "agent")).build());
    spec.setTemplate(new PodTemplateSpecBuilder().withNewMetadata().withLabels(Map.of("app", "agent")).endMetadata()
        .withNewSpec().withContainers(new ContainerBuilder().withName("c").withImage("img").build()).endSpec().build());
    NodeDaemonUpdateStrategy strategy = new NodeDaemonUpdateStrategy();
    RollingUpdateNodeDaemon ru = new RollingUpdateNodeDaemon();
    ru.setMaxUnavailable(new IntOrString("10%"));
    strategy.setRollingUpdate(ru);
    spec.setUpdateStrategy(strategy);
    d.setSpec(spec);

    List<Node> nodeList = new ArrayList<>(nodes);
    List<Pod> pods = new ArrayList<>(nodes);
    String created = NOW.minusSeconds(600).toString();
    for (int i = 0; i < nodes; i++) {
      String name = String.format("node-%05d", i);
      nodeList.add(new NodeBuilder().withNewMetadata().withName(name)
          .withLabels(Map.of("kubernetes.io/hostname", name, "kubernetes.io/os", "linux")).endMetadata()
          .withNewSpec().endSpec().build());
      String hash = changed && i % 10 == 0 ? OLD : NEW;
      Pod pod = DaemonPodFactory.newPod(d, name, hash);
      pods.add(new PodBuilder(pod)
          .editMetadata().withUid("pod-" + i).withCreationTimestamp(created).addToLabels(PodStates.REVISION_LABEL, hash).endMetadata()
          .editSpec().withNodeName(name).endSpec()
          .withNewStatus().withPhase("Running")
          .withConditions(new PodConditionBuilder().withType("Ready").withStatus("True").withLastTransitionTime(created).build())
          .endStatus().build());
    }
    return new PlanInput(d, nodeList, pods, NEW, InFlight.NONE, NOW);
  }
}
