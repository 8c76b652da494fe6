package io.nodedaemon.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.crd.generator.annotation.SchemaSwap;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;

/**
 * The desired state of a NodeDaemon: which pod to run on every node, and how to roll it out.
 *
 * <p>The CEL rules below are SPEC §1's apps/v1 validation, checked by the API server. Each walks
 * only bounded maps, lists and strings (see {@link SchemaLimits}) so that the API server's cost
 * estimate accepts them; whatever slips past them (an object stored before a rule existed) is
 * caught again by {@code SpecValidation}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
// Bounds the template labels that the rules below walk, keeping every other ObjectMeta field.
@SchemaSwap(
    originalType = PodTemplateSpec.class,
    fieldName = "metadata",
    targetType = PodTemplateMetadataSchema.class)
@ValidationRule(
    value =
        "(has(self.selector.matchLabels) && size(self.selector.matchLabels) > 0) || (has(self.selector.matchExpressions) && size(self.selector.matchExpressions) > 0)",
    message = "spec.selector must not be empty: a NodeDaemon selecting all pods is refused")
@ValidationRule(
    value =
        "!has(self.selector.matchLabels) || self.selector.matchLabels.all(k, "
            + NodeDaemonSpec.HAS_TEMPLATE_LABELS
            + " && k in self.template.metadata.labels && self.template.metadata.labels[k] == self.selector.matchLabels[k])",
    message = "spec.selector does not match spec.template.metadata.labels")
@ValidationRule(
    value =
        "!has(self.selector.matchExpressions) || self.selector.matchExpressions.all(r, "
            + "r.operator == 'Exists' ? "
            + NodeDaemonSpec.HAS_KEY
            + " : r.operator == 'DoesNotExist' ? !("
            + NodeDaemonSpec.HAS_KEY
            + ")"
            + " : r.operator == 'In' ? "
            + NodeDaemonSpec.VALUE_IN
            + " : !("
            + NodeDaemonSpec.VALUE_IN
            + "))",
    message = "spec.selector.matchExpressions do not match spec.template.metadata.labels")
@ValidationRule(
    value =
        "!has(self.template.spec) || !has(self.template.spec.restartPolicy) || self.template.spec.restartPolicy == 'Always'",
    message = "spec.template.spec.restartPolicy: only Always is supported")
@ValidationRule(
    value = "!has(self.template.spec) || !has(self.template.spec.activeDeadlineSeconds)",
    message = "spec.template.spec.activeDeadlineSeconds is forbidden for daemon pods")
public class NodeDaemonSpec {

  /**
   * The label the operator puts on every pod (the planner's PodStates.REVISION_LABEL); SPEC §1
   * reserves it.
   */
  private static final String REVISION_HASH_LABEL = "controller-revision-hash";

  // Parts of the matchExpressions rule above (requirement r against the template labels); not
  // private, as the class annotations are outside the class body.
  static final String HAS_TEMPLATE_LABELS =
      "has(self.template.metadata) && has(self.template.metadata.labels)";
  static final String HAS_KEY =
      "(" + HAS_TEMPLATE_LABELS + " && r.key in self.template.metadata.labels)";
  static final String VALUE_IN =
      "("
          + HAS_TEMPLATE_LABELS
          + " && r.key in self.template.metadata.labels && has(r.values)"
          + " && self.template.metadata.labels[r.key] in r.values)";

  @Required
  @SchemaFrom(type = LabelSelectorSchema.class)
  // As apps/v1: changing the selector would orphan every pod and start a second one on each node.
  @ValidationRule(value = "self == oldSelf", message = "spec.selector is immutable")
  @ValidationRule(
      value =
          "(!has(self.matchLabels) || !('"
              + REVISION_HASH_LABEL
              + "' in self.matchLabels))"
              + " && (!has(self.matchExpressions) || self.matchExpressions.all(r, r.key != '"
              + REVISION_HASH_LABEL
              + "'))",
      message =
          "spec.selector may not use the label controller-revision-hash: the operator sets it on every pod")
  @JsonPropertyDescription(
      "A label query over pods that are managed by the NodeDaemon. Must match the pod template's labels, may not be empty and cannot be changed.")
  private LabelSelector selector;

  @Required
  @ValidationRule(
      value =
          "!has(self.metadata) || !has(self.metadata.labels) || !('"
              + REVISION_HASH_LABEL
              + "' in self.metadata.labels)",
      message =
          "spec.template.metadata.labels may not contain controller-revision-hash: the operator sets it on every pod")
  @JsonPropertyDescription(
      "The pod that runs on every eligible node: exactly one per node, scheduled by the scheduler onto that node.")
  private PodTemplateSpec template;

  // Schema defaults show in `kubectl get -o yaml` what applies; the planner applies the same values
  // to an object stored without them (SchemaDefaultsTest checks that both agree).
  @Default("{}")
  @JsonPropertyDescription(
      "How existing pods are replaced with new ones when the template changes.")
  private NodeDaemonUpdateStrategy updateStrategy;

  // Max: the API server stores any int64; the operator reads an int (an object beyond never
  // deserialises).
  @Min(0)
  @Max(Integer.MAX_VALUE)
  @JsonPropertyDescription(
      "Seconds a new pod must be ready, with no container crashing, to count as available. Defaults to 0.")
  private Integer minReadySeconds;

  @Min(0)
  @Max(Integer.MAX_VALUE)
  @Default("10")
  @JsonPropertyDescription(
      "How many old revisions (ControllerRevisions) to keep for rollback. Defaults to 10.")
  private Integer revisionHistoryLimit;

  @Min(1)
  @Max(Integer.MAX_VALUE)
  @Default("600")
  @JsonPropertyDescription(
      "Seconds a rollout may go without a newly available updated pod before it is reported Stalled with reason ProgressDeadlineExceeded. Defaults to 600.")
  private Integer progressDeadlineSeconds;

  public LabelSelector getSelector() {
    return selector;
  }

  public void setSelector(LabelSelector selector) {
    this.selector = selector;
  }

  public PodTemplateSpec getTemplate() {
    return template;
  }

  public void setTemplate(PodTemplateSpec template) {
    this.template = template;
  }

  public NodeDaemonUpdateStrategy getUpdateStrategy() {
    return updateStrategy;
  }

  public void setUpdateStrategy(NodeDaemonUpdateStrategy updateStrategy) {
    this.updateStrategy = updateStrategy;
  }

  public Integer getMinReadySeconds() {
    return minReadySeconds;
  }

  public void setMinReadySeconds(Integer minReadySeconds) {
    this.minReadySeconds = minReadySeconds;
  }

  public Integer getRevisionHistoryLimit() {
    return revisionHistoryLimit;
  }

  public void setRevisionHistoryLimit(Integer revisionHistoryLimit) {
    this.revisionHistoryLimit = revisionHistoryLimit;
  }

  public Integer getProgressDeadlineSeconds() {
    return progressDeadlineSeconds;
  }

  public void setProgressDeadlineSeconds(Integer progressDeadlineSeconds) {
    this.progressDeadlineSeconds = progressDeadlineSeconds;
  }
}
