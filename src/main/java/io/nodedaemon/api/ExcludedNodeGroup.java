package io.nodedaemon.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import java.util.List;

/**
 * One group of {@code status.excludedNodes} (SPEC §8): the nodes that run no pod of this NodeDaemon
 * for the same placement rule, with the rule named.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ExcludedNodeGroup(
    @Required
        @JsonPropertyDescription(
            "The placement rule that keeps these nodes without a pod: NodeNameMismatch, "
                + "NodeSelectorMismatch, NodeAffinityMismatch or UntoleratedTaint.")
        String reason,
    @Required
        @JsonPropertyDescription(
            "Which label, affinity or taint it is, e.g. 'taint node-role.kubernetes.io/control-plane:NoSchedule not tolerated'.")
        String message,
    @Required @JsonPropertyDescription("How many nodes this group holds.") int count,
    @JsonPropertyDescription("The first five of them by name.") List<String> nodes) {}
