package io.nodedaemon.planner;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonSpec;
import io.nodedaemon.api.RollingUpdateNodeDaemon;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * apps/v1 ValidateDaemonSet for what reaches the operator past the CRD schema (a client that
 * skipped validation, or a rule the schema cannot hold such as a matchExpressions selector that
 * does not select the template). Returns readable problems; empty means valid.
 */
public final class SpecValidation {

  /** The prefix of the problem for an empty selector, reported as Stalled/SelectingAll. */
  public static final String EMPTY_SELECTOR = "spec.selector: empty";
  private static final Pattern PERCENT = Pattern.compile("^(100|[1-9]?[0-9])%$");

  private SpecValidation() {}

  public static List<String> validate(NodeDaemon daemon) {
    List<String> problems = new ArrayList<>();
    NodeDaemonSpec spec = daemon.getSpec();
    if (spec == null) {
      problems.add("spec: required");
      return problems;
    }
    if (LabelSelectors.isEmpty(spec.getSelector())) {
      problems.add(EMPTY_SELECTOR + " selector would select every pod of the namespace");
    }
    if (spec.getTemplate() == null || spec.getTemplate().getSpec() == null) {
      problems.add("spec.template.spec: required");
    } else {
      Map<String, String> labels = spec.getTemplate().getMetadata() == null ? null : spec.getTemplate().getMetadata().getLabels();
      if (!LabelSelectors.isEmpty(spec.getSelector()) && !LabelSelectors.matches(spec.getSelector(), labels)) {
        problems.add("spec.template.metadata.labels: " + labels + " do not match spec.selector `" + LabelSelectors.toString(spec.getSelector()) + "`");
      }
      var podSpec = spec.getTemplate().getSpec();
      if (podSpec.getContainers() == null || podSpec.getContainers().isEmpty()) {
        problems.add("spec.template.spec.containers: at least one container is required");
      }
      if (podSpec.getRestartPolicy() != null && !"Always".equals(podSpec.getRestartPolicy())) {
        problems.add("spec.template.spec.restartPolicy: only Always is supported, not " + podSpec.getRestartPolicy());
      }
      if (podSpec.getActiveDeadlineSeconds() != null) {
        problems.add("spec.template.spec.activeDeadlineSeconds: forbidden for daemon pods");
      }
    }
    if (spec.getMinReadySeconds() != null && spec.getMinReadySeconds() < 0) {
      problems.add("spec.minReadySeconds: must be >= 0");
    }
    if (spec.getRevisionHistoryLimit() != null && spec.getRevisionHistoryLimit() < 0) {
      problems.add("spec.revisionHistoryLimit: must be >= 0");
    }
    if (spec.getProgressDeadlineSeconds() != null && spec.getProgressDeadlineSeconds() < 1) {
      problems.add("spec.progressDeadlineSeconds: must be >= 1");
    }
    RollingUpdateNodeDaemon ru = spec.getUpdateStrategy() == null ? null : spec.getUpdateStrategy().getRollingUpdate();
    if (ru != null) {
      String prefix = "spec.updateStrategy.rollingUpdate.";
      checkIntOrPercent(problems, prefix + "maxUnavailable", ru.getMaxUnavailable());
      checkIntOrPercent(problems, prefix + "maxSurge", ru.getMaxSurge());
      checkIntOrPercent(problems, prefix + "partition", ru.getPartition());
      if (isZero(ru.getMaxUnavailable()) && (ru.getMaxSurge() == null || isZero(ru.getMaxSurge()))) {
        problems.add(prefix + "maxUnavailable: may not be 0 when maxSurge is 0");
      }
      if (ru.getSelector() != null && ru.getSelector().getMatchExpressions() != null) {
        ru.getSelector().getMatchExpressions().stream()
            .filter(r -> !List.of("In", "NotIn", "Exists", "DoesNotExist").contains(r.getOperator()))
            .forEach(r -> problems.add(prefix + "selector: unknown operator " + r.getOperator()));
      }
    }
    return problems;
  }

  private static void checkIntOrPercent(List<String> problems, String field, IntOrString value) {
    if (value == null) {
      return;
    }
    if (value.getIntVal() != null) {
      if (value.getIntVal() < 0) {
        problems.add(field + ": must be >= 0");
      }
    } else if (value.getStrVal() == null || !PERCENT.matcher(value.getStrVal()).matches()) {
      problems.add(field + ": must be an integer or a percentage between 0% and 100%, not " + value.getStrVal());
    }
  }

  private static boolean isZero(IntOrString v) {
    return v != null && (Integer.valueOf(0).equals(v.getIntVal()) || "0%".equals(v.getStrVal()));
  }
}
