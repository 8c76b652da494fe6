package io.nodedaemon.planner.rollout;

import io.fabric8.kubernetes.api.model.Node;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.planner.PodFacts;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What one rolling-update pass reads (upstream's rollingUpdate arguments, made explicit).
 *
 * @param daemon the NodeDaemon being rolled out
 * @param nodeToDaemonPods the pods this NodeDaemon controls (their facts, read against updateHash),
 *     by node name, only for nodes where placement says shouldContinueRunning (terminating pods may
 *     be included; they are skipped)
 * @param desiredNodes the nodes where placement says shouldRun, by name: they make
 *     desiredNumberScheduled and carry the labels the rollout selector reads
 * @param updateHash the revision hash of the current template (the update revision)
 * @param now the time of this pass, from an injected clock
 */
public record RolloutInput(
    NodeDaemon daemon,
    Map<String, List<PodFacts>> nodeToDaemonPods,
    Map<String, Node> desiredNodes,
    String updateHash,
    Instant now) {}
