package io.nodedaemon.api;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Map;

/**
 * The CRD schema of a metav1.LabelSelector (read only by the CRD generator, through
 * {@code @SchemaFrom}; the Java field stays fabric8's LabelSelector): well-formed requirements as
 * apps/v1 validates them, and every map, list and string bounded (see {@link SchemaLimits}).
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY)
final class LabelSelectorSchema {

  @Size(max = SchemaLimits.LABELS)
  @JsonPropertyDescription(
      "A map of {key,value} pairs. A single {key,value} in the matchLabels map is equivalent to an element of matchExpressions whose key field is \"key\", the operator is \"In\", and the values array contains only \"value\". The requirements are ANDed.")
  private Map<String, @Size(max = SchemaLimits.LABEL_VALUE) String> matchLabels;

  @Size(max = SchemaLimits.REQUIREMENTS)
  @JsonPropertyDescription("A list of label selector requirements. The requirements are ANDed.")
  private List<Requirement> matchExpressions;

  private LabelSelectorSchema() {}

  /** The four operators of a metav1.LabelSelectorRequirement (Gt and Lt are node-selector only). */
  enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist
  }

  /** A metav1.LabelSelectorRequirement. */
  @JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY)
  @ValidationRule(
      value =
          "self.operator in ['In', 'NotIn'] ? has(self.values) && size(self.values) > 0 : !has(self.values) || size(self.values) == 0",
      message =
          "values must be non-empty when operator is In or NotIn, and empty when operator is Exists or DoesNotExist")
  static final class Requirement {

    @Required
    @Size(min = 1, max = SchemaLimits.LABEL_KEY)
    @JsonPropertyDescription("The label key that the selector applies to.")
    private String key;

    @Required
    @JsonPropertyDescription(
        "A key's relationship to a set of values: In, NotIn, Exists or DoesNotExist.")
    private Operator operator;

    @Size(max = SchemaLimits.REQUIREMENT_VALUES)
    @JsonPropertyDescription(
        "An array of string values. If the operator is In or NotIn, the values array must be non-empty. If the operator is Exists or DoesNotExist, the values array must be empty.")
    private List<@Size(max = SchemaLimits.LABEL_VALUE) String> values;

    private Requirement() {}
  }
}
