package io.nodedaemon.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/**
 * {@code status.rollback} (SPEC §9): the automatic rollback in force, from the update revision that
 * stalled to the revision that was current when it stalled.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RollbackStatus(
    @Required
        @JsonPropertyDescription(
            "The update revision (hash) whose rollout made no progress within progressDeadlineSeconds.")
        String fromRevision,
    @Required
        @JsonPropertyDescription(
            "The revision (hash) the pods are rolled back to: status.currentRevision when the rollout stalled.")
        String toRevision,
    @Required @JsonPropertyDescription("When the rollback started (RFC 3339).") String startTime) {}
