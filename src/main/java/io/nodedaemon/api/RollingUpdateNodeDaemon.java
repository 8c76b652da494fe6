package io.nodedaemon.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;

/**
 * The rolling-update budget of apps/v1 (maxUnavailable, maxSurge) plus NodeDaemon's own controls:
 * partition, node selector, pause and automatic rollback.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value =
        "!(has(self.maxUnavailable) && string(self.maxUnavailable) in ['0', '0%'] && (!has(self.maxSurge) || string(self.maxSurge) in ['0', '0%']))",
    message = "maxUnavailable and maxSurge may not both be zero")
public class RollingUpdateNodeDaemon {

  // The upper bound: the API server stores any int64, the operator reads an int. The estimator
  // treats an int-or-string as a string of any length whatever maxLength says, so this rule's cost
  // cannot be bounded further; it stays well within the budget (a single regex match).
  static final String INT_OR_PERCENT =
      "type(self) == int ? self >= 0 && self <= 2147483647 : self.matches('^(100|[1-9]?[0-9])%$')";
  static final String INT_OR_PERCENT_MESSAGE =
      "must be a non-negative integer or a percentage between 0% and 100%";

  // Schema defaults as apps/v1 defaults them; the planner applies the same to an absent field.
  @Default("1")
  @ValidationRule(value = INT_OR_PERCENT, message = INT_OR_PERCENT_MESSAGE)
  @JsonPropertyDescription(
      "The most nodes that may be without an available pod during the update: a number or a percent of desired nodes (rounded up). Defaults to 1.")
  private IntOrString maxUnavailable;

  @Default("0")
  @ValidationRule(value = INT_OR_PERCENT, message = INT_OR_PERCENT_MESSAGE)
  @JsonPropertyDescription(
      "The most nodes that may run an updated pod beside the old one during the update: a number or a percent of desired nodes (rounded up). Defaults to 0.")
  private IntOrString maxSurge;

  @ValidationRule(value = INT_OR_PERCENT, message = INT_OR_PERCENT_MESSAGE)
  @JsonPropertyDescription(
      "NodeDaemon extension: that many desired nodes (or a percent of them, rounded up) stay on the old revision: the first ones in node-name order. Defaults to 0.")
  private IntOrString partition;

  @SchemaFrom(type = LabelSelectorSchema.class)
  @JsonPropertyDescription(
      "NodeDaemon extension: only nodes matching this label selector are updated; other nodes keep their pods.")
  private LabelSelector selector;

  @JsonPropertyDescription(
      "NodeDaemon extension: when true no pod is replaced; new nodes still get pods of the update revision.")
  private Boolean paused;

  @JsonPropertyDescription(
      "NodeDaemon extension: when true, a rollout that makes no progress within progressDeadlineSeconds is rolled back by itself: pods return to the revision that was current, under the same budget, without changing the spec (status.rollback records it). The failed template is not retried until the template changes. Defaults to false.")
  private Boolean autoRollback;

  public IntOrString getMaxUnavailable() {
    return maxUnavailable;
  }

  public void setMaxUnavailable(IntOrString maxUnavailable) {
    this.maxUnavailable = maxUnavailable;
  }

  public IntOrString getMaxSurge() {
    return maxSurge;
  }

  public void setMaxSurge(IntOrString maxSurge) {
    this.maxSurge = maxSurge;
  }

  public IntOrString getPartition() {
    return partition;
  }

  public void setPartition(IntOrString partition) {
    this.partition = partition;
  }

  public LabelSelector getSelector() {
    return selector;
  }

  public void setSelector(LabelSelector selector) {
    this.selector = selector;
  }

  public Boolean getPaused() {
    return paused;
  }

  public void setPaused(Boolean paused) {
    this.paused = paused;
  }

  public Boolean getAutoRollback() {
    return autoRollback;
  }

  public void setAutoRollback(Boolean autoRollback) {
    this.autoRollback = autoRollback;
  }
}
