package io.nodedaemon.planner;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.nodedaemon.api.NodeDaemon;
import java.time.Instant;
import java.util.Collection;

/**
 * Everything one planning pass reads: the NodeDaemon, the nodes, the pods it controls (after
 * adoption and release), the revision new pods get, what is still in flight, and the time.
 */
public record PlanInput(
    NodeDaemon daemon,
    Collection<Node> nodes,
    Collection<Pod> pods,
    String updateRevision,
    InFlight inFlight,
    Instant now) {}
