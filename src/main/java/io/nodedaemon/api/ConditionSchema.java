package io.nodedaemon.api;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/**
 * The CRD schema of one status condition (read only by the CRD generator, through
 * {@code @SchemaFrom}; the Java type stays fabric8's Condition): metav1.Condition's fields, with
 * {@code type} required because the conditions list is a map keyed by it ({@code
 * x-kubernetes-list-type: map}, added by the manifest build, which the generator cannot say).
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY)
final class ConditionSchema {

  @Required
  @JsonPropertyDescription("Type of condition: Ready, Reconciling or Stalled (kstatus).")
  private String type;

  @Required
  @JsonPropertyDescription("Status of the condition: True, False or Unknown.")
  private String status;

  @JsonPropertyDescription("The generation of the NodeDaemon this condition was set for.")
  private Long observedGeneration;

  @JsonPropertyDescription("When the condition last changed from one status to another (RFC 3339).")
  private String lastTransitionTime;

  @JsonPropertyDescription(
      "A CamelCase word for the reason of the last transition, e.g. InvalidSpec or ProgressDeadlineExceeded.")
  private String reason;

  @JsonPropertyDescription("A human-readable message with details about the transition.")
  private String message;

  private ConditionSchema() {}
}
