package io.nodedaemon.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The observed state of a NodeDaemon: apps/v1 DaemonSet's counters, the revisions, and kstatus
 * conditions (Ready, Reconciling, Stalled). Compared with {@code equals} so that an unchanged
 * status is never written.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NodeDaemonStatus {

  @JsonPropertyDescription("The most recent generation the operator has fully processed.")
  private Long observedGeneration;

  @JsonPropertyDescription("The number of nodes that should be running the daemon pod.")
  private int desiredNumberScheduled;

  @JsonPropertyDescription(
      "The number of nodes that run at least one daemon pod and are supposed to.")
  private int currentNumberScheduled;

  @JsonPropertyDescription("The number of nodes that run the daemon pod but are not supposed to.")
  private int numberMisscheduled;

  @JsonPropertyDescription(
      "The number of nodes that should run the daemon pod and have one or more of it Ready.")
  private int numberReady;

  @JsonPropertyDescription(
      "The number of nodes that run an updated daemon pod (of the update revision).")
  private int updatedNumberScheduled;

  @JsonPropertyDescription(
      "The number of nodes that should run the daemon pod and have one available (ready for at least minReadySeconds).")
  private int numberAvailable;

  @JsonPropertyDescription(
      "The number of nodes that should run the daemon pod and have none available.")
  private int numberUnavailable;

  @JsonPropertyDescription(
      "Count of hash collisions of the template; used to make the next revision name unique.")
  private Integer collisionCount;

  @JsonPropertyDescription("The revision hash of the oldest revision still carried by pods.")
  private String currentRevision;

  @JsonPropertyDescription(
      "The revision hash of the current template: the revision pods are updated to.")
  private String updateRevision;

  @JsonPropertyDescription(
      "The pod label selector in string form, as `kubectl get -o wide` shows it.")
  private String selector;

  @JsonPropertyDescription(
      "Why nodes run no pod of this NodeDaemon: the nodes that a placement rule (template nodeName, "
          + "nodeSelector, required node affinity, an untolerated taint) keeps without a pod, grouped by rule, largest "
          + "group first, at most 10 groups. Absent when every node qualifies.")
  // Written as null when empty: the status is sent as a JSON merge patch, where null removes the
  // field.
  @JsonInclude(JsonInclude.Include.ALWAYS)
  private List<ExcludedNodeGroup> excludedNodes;

  @JsonPropertyDescription(
      "The automatic rollback in force (spec.updateStrategy.rollingUpdate.autoRollback): the pods run "
          + "toRevision because fromRevision, the current template's revision, stalled. Cleared when the "
          + "template changes. Absent when no rollback is in force.")
  // Written as null when absent, so that the merge patch removes a cleared rollback.
  @JsonInclude(JsonInclude.Include.ALWAYS)
  private RollbackStatus rollback;

  @SchemaFrom(type = ConditionSchema[].class)
  @JsonPropertyDescription("kstatus conditions: Ready, Reconciling and Stalled, one of each type.")
  private List<Condition> conditions = new ArrayList<>();

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public int getDesiredNumberScheduled() {
    return desiredNumberScheduled;
  }

  public void setDesiredNumberScheduled(int desiredNumberScheduled) {
    this.desiredNumberScheduled = desiredNumberScheduled;
  }

  public int getCurrentNumberScheduled() {
    return currentNumberScheduled;
  }

  public void setCurrentNumberScheduled(int currentNumberScheduled) {
    this.currentNumberScheduled = currentNumberScheduled;
  }

  public int getNumberMisscheduled() {
    return numberMisscheduled;
  }

  public void setNumberMisscheduled(int numberMisscheduled) {
    this.numberMisscheduled = numberMisscheduled;
  }

  public int getNumberReady() {
    return numberReady;
  }

  public void setNumberReady(int numberReady) {
    this.numberReady = numberReady;
  }

  public int getUpdatedNumberScheduled() {
    return updatedNumberScheduled;
  }

  public void setUpdatedNumberScheduled(int updatedNumberScheduled) {
    this.updatedNumberScheduled = updatedNumberScheduled;
  }

  public int getNumberAvailable() {
    return numberAvailable;
  }

  public void setNumberAvailable(int numberAvailable) {
    this.numberAvailable = numberAvailable;
  }

  public int getNumberUnavailable() {
    return numberUnavailable;
  }

  public void setNumberUnavailable(int numberUnavailable) {
    this.numberUnavailable = numberUnavailable;
  }

  public Integer getCollisionCount() {
    return collisionCount;
  }

  public void setCollisionCount(Integer collisionCount) {
    this.collisionCount = collisionCount;
  }

  public String getCurrentRevision() {
    return currentRevision;
  }

  public void setCurrentRevision(String currentRevision) {
    this.currentRevision = currentRevision;
  }

  public String getUpdateRevision() {
    return updateRevision;
  }

  public void setUpdateRevision(String updateRevision) {
    this.updateRevision = updateRevision;
  }

  public String getSelector() {
    return selector;
  }

  public void setSelector(String selector) {
    this.selector = selector;
  }

  public List<ExcludedNodeGroup> getExcludedNodes() {
    return excludedNodes;
  }

  /** Stored as null when empty, so that "every node qualifies" leaves the field out. */
  public void setExcludedNodes(List<ExcludedNodeGroup> excludedNodes) {
    this.excludedNodes = excludedNodes == null || excludedNodes.isEmpty() ? null : excludedNodes;
  }

  public RollbackStatus getRollback() {
    return rollback;
  }

  public void setRollback(RollbackStatus rollback) {
    this.rollback = rollback;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof NodeDaemonStatus that)) {
      return false;
    }
    return desiredNumberScheduled == that.desiredNumberScheduled
        && currentNumberScheduled == that.currentNumberScheduled
        && numberMisscheduled == that.numberMisscheduled
        && numberReady == that.numberReady
        && updatedNumberScheduled == that.updatedNumberScheduled
        && numberAvailable == that.numberAvailable
        && numberUnavailable == that.numberUnavailable
        && Objects.equals(observedGeneration, that.observedGeneration)
        && Objects.equals(collisionCount, that.collisionCount)
        && Objects.equals(currentRevision, that.currentRevision)
        && Objects.equals(updateRevision, that.updateRevision)
        && Objects.equals(selector, that.selector)
        && Objects.equals(excludedNodes, that.excludedNodes)
        && Objects.equals(rollback, that.rollback)
        && Objects.equals(conditions, that.conditions);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        observedGeneration,
        desiredNumberScheduled,
        currentNumberScheduled,
        numberMisscheduled,
        numberReady,
        updatedNumberScheduled,
        numberAvailable,
        numberUnavailable,
        collisionCount,
        currentRevision,
        updateRevision,
        selector,
        excludedNodes,
        rollback,
        conditions);
  }
}
