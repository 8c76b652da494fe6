package io.nodedaemon.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;

/** The desired state of a NodeDaemon: which pod to run on every node, and how to roll it out. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "(has(self.selector.matchLabels) && size(self.selector.matchLabels) > 0) || (has(self.selector.matchExpressions) && size(self.selector.matchExpressions) > 0)",
    message = "spec.selector must not be empty: a NodeDaemon selecting all pods is refused")
@ValidationRule(
    value = "!has(self.selector.matchLabels) || self.selector.matchLabels.all(k, has(self.template.metadata) && has(self.template.metadata.labels) && k in self.template.metadata.labels && self.template.metadata.labels[k] == self.selector.matchLabels[k])",
    message = "spec.selector does not match spec.template.metadata.labels")
@ValidationRule(
    value = "!has(self.template.spec) || !has(self.template.spec.restartPolicy) || self.template.spec.restartPolicy == 'Always'",
    message = "spec.template.spec.restartPolicy: only Always is supported")
@ValidationRule(
    value = "!has(self.template.spec) || !has(self.template.spec.activeDeadlineSeconds)",
    message = "spec.template.spec.activeDeadlineSeconds is forbidden for daemon pods")
public class NodeDaemonSpec {

  @Required
  @JsonPropertyDescription("A label query over pods that are managed by the NodeDaemon. Must match the pod template's labels and may not be empty.")
  private LabelSelector selector;

  @Required
  @JsonPropertyDescription("The pod that runs on every eligible node: exactly one per node, scheduled by the scheduler onto that node.")
  private PodTemplateSpec template;

  @JsonPropertyDescription("How existing pods are replaced with new ones when the template changes.")
  private NodeDaemonUpdateStrategy updateStrategy;

  @Min(0)
  @JsonPropertyDescription("Seconds a new pod must be ready, with no container crashing, to count as available. Defaults to 0.")
  private Integer minReadySeconds;

  @Min(0)
  @JsonPropertyDescription("How many old revisions (ControllerRevisions) to keep for rollback. Defaults to 10.")
  private Integer revisionHistoryLimit;

  @Min(1)
  @JsonPropertyDescription("Seconds a rollout may go without a newly available updated pod before it is reported Stalled with reason ProgressDeadlineExceeded. Defaults to 600.")
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
