package io.nodedaemon.planner;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonSpec;
import io.nodedaemon.api.RollingUpdateNodeDaemon;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * apps/v1 ValidateDaemonSet (SPEC §1) for what reaches the operator past the CRD schema: an object
 * stored before a rule existed, or written by a client that skipped validation. Returns readable
 * problems; empty means valid.
 *
 * <p>Total: any spec that deserialises, with nulls anywhere (in lists and maps too) and strings of
 * any length, gets a list of problems and never an exception (SpecValidationPropertiesTest). A
 * valid spec is one the planner can run without throwing.
 */
public final class SpecValidation {

  /** The prefix of the problem for an empty selector, reported as Stalled/SelectingAll. */
  public static final String EMPTY_SELECTOR = "spec.selector: empty";

  /** At most this many problems are listed (they end up in a condition message). */
  static final int MAX_PROBLEMS = 10;

  private static final Pattern PERCENT = Pattern.compile("^(100|[1-9]?[0-9])%$");
  private static final String REVISION_HASH_OWNED =
      PodStates.REVISION_LABEL + " is set by the operator on every pod and may not be used";

  private SpecValidation() {}

  public static List<String> validate(NodeDaemon daemon) {
    List<String> problems = new ArrayList<>();
    NodeDaemonSpec spec = daemon == null ? null : daemon.getSpec();
    if (spec == null) {
      problems.add("spec: required");
      return problems;
    }
    LabelSelector selector = spec.getSelector();
    if (LabelSelectors.isEmpty(selector)) {
      problems.add(EMPTY_SELECTOR + " selector would select every pod of the namespace");
    }
    boolean selectorWellFormed = checkSelector(problems, "spec.selector", selector, true);

    PodTemplateSpec template = spec.getTemplate();
    if (template == null) {
      problems.add("spec.template: required");
    } else {
      Map<String, String> labels =
          template.getMetadata() == null ? null : template.getMetadata().getLabels();
      checkLabels(problems, "spec.template.metadata.labels", labels, true);
      // As upstream: whether a malformed selector matches is meaningless; its own problem is
      // reported.
      if (selectorWellFormed
          && !LabelSelectors.isEmpty(selector)
          && !LabelSelectors.matches(selector, labels)) {
        problems.add(
            "spec.template.metadata.labels: "
                + cut(String.valueOf(labels))
                + " do not match spec.selector `"
                + cut(LabelSelectors.toString(selector))
                + "`");
      }
      checkPodSpec(problems, template.getSpec());
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
    RollingUpdateNodeDaemon ru =
        spec.getUpdateStrategy() == null ? null : spec.getUpdateStrategy().getRollingUpdate();
    if (ru != null) {
      String prefix = "spec.updateStrategy.rollingUpdate.";
      checkIntOrPercent(problems, prefix + "maxUnavailable", ru.getMaxUnavailable());
      checkIntOrPercent(problems, prefix + "maxSurge", ru.getMaxSurge());
      checkIntOrPercent(problems, prefix + "partition", ru.getPartition());
      if (isZero(ru.getMaxUnavailable())
          && (ru.getMaxSurge() == null || isZero(ru.getMaxSurge()))) {
        problems.add(prefix + "maxUnavailable: may not be 0 when maxSurge is 0");
      }
      // A node selector: empty selects every node, and the revision-hash label is a pod label only.
      checkSelector(problems, prefix + "selector", ru.getSelector(), false);
    }
    return capped(problems);
  }

  private static void checkPodSpec(List<String> problems, PodSpec podSpec) {
    if (podSpec == null) {
      problems.add("spec.template.spec: required");
      return;
    }
    List<Container> containers = podSpec.getContainers();
    if (containers == null || containers.isEmpty()) {
      problems.add("spec.template.spec.containers: at least one container is required");
    } else {
      for (int i = 0; i < containers.size(); i++) {
        if (containers.get(i) == null) {
          problems.add("spec.template.spec.containers[" + i + "]: must not be null");
        }
      }
    }
    if (podSpec.getRestartPolicy() != null && !"Always".equals(podSpec.getRestartPolicy())) {
      problems.add(
          "spec.template.spec.restartPolicy: only Always is supported, not "
              + LabelSyntax.quote(podSpec.getRestartPolicy()));
    }
    if (podSpec.getActiveDeadlineSeconds() != null) {
      problems.add("spec.template.spec.activeDeadlineSeconds: forbidden for daemon pods");
    }
  }

  /**
   * Upstream's ValidateLabelSelector: valid keys and values, well-formed requirements (a known
   * operator; values for In/NotIn, none for Exists/DoesNotExist). With {@code podSelector}, the
   * revision-hash label the operator owns is refused too. True when nothing was wrong.
   */
  private static boolean checkSelector(
      List<String> problems, String field, LabelSelector selector, boolean podSelector) {
    if (selector == null) {
      return true;
    }
    int before = problems.size();
    checkLabels(problems, field + ".matchLabels", selector.getMatchLabels(), podSelector);
    List<LabelSelectorRequirement> requirements = selector.getMatchExpressions();
    for (int i = 0; requirements != null && i < requirements.size(); i++) {
      String at = field + ".matchExpressions[" + i + "]";
      LabelSelectorRequirement r = requirements.get(i);
      if (r == null) {
        problems.add(at + ": must not be null");
        continue;
      }
      String keyProblem = LabelSyntax.keyProblem(r.getKey());
      if (r.getKey() == null) {
        problems.add(at + ".key: required");
      } else if (keyProblem != null) {
        problems.add(
            at + ".key: invalid label key " + LabelSyntax.quote(r.getKey()) + ": " + keyProblem);
      } else if (podSelector && PodStates.REVISION_LABEL.equals(r.getKey())) {
        problems.add(at + ".key: " + REVISION_HASH_OWNED);
      }
      List<String> values = r.getValues() == null ? List.of() : r.getValues();
      String operator = r.getOperator();
      if (operator == null) {
        problems.add(
            at
                + ".operator: required (one of "
                + String.join(", ", LabelSelectors.OPERATORS)
                + ")");
      } else if (!LabelSelectors.OPERATORS.contains(operator)) {
        problems.add(
            at
                + ".operator: unknown operator "
                + LabelSyntax.quote(operator)
                + " (one of "
                + String.join(", ", LabelSelectors.OPERATORS)
                + ")");
      } else if ((operator.equals("In") || operator.equals("NotIn")) && values.isEmpty()) {
        problems.add(at + ".values: must be non-empty when operator is " + operator);
      } else if ((operator.equals("Exists") || operator.equals("DoesNotExist"))
          && !values.isEmpty()) {
        problems.add(at + ".values: must be empty when operator is " + operator);
      }
      for (int j = 0; j < values.size(); j++) {
        String valueProblem = LabelSyntax.valueProblem(values.get(j));
        if (valueProblem != null) {
          problems.add(
              at
                  + ".values["
                  + j
                  + "]: invalid label value "
                  + LabelSyntax.quote(values.get(j))
                  + ": "
                  + valueProblem);
        }
      }
    }
    return problems.size() == before;
  }

  /**
   * Label keys and values as on a pod; with {@code podLabels}, the revision-hash label is refused.
   */
  private static void checkLabels(
      List<String> problems, String field, Map<String, String> labels, boolean podLabels) {
    if (labels == null) {
      return;
    }
    for (Map.Entry<String, String> e : labels.entrySet()) {
      String keyProblem = LabelSyntax.keyProblem(e.getKey());
      if (keyProblem != null) {
        problems.add(
            field + ": invalid label key " + LabelSyntax.quote(e.getKey()) + ": " + keyProblem);
      } else if (podLabels && PodStates.REVISION_LABEL.equals(e.getKey())) {
        problems.add(field + ": " + REVISION_HASH_OWNED);
      }
      String valueProblem = LabelSyntax.valueProblem(e.getValue());
      if (valueProblem != null) {
        problems.add(
            field
                + "["
                + LabelSyntax.quote(e.getKey())
                + "]: invalid label value "
                + LabelSyntax.quote(e.getValue())
                + ": "
                + valueProblem);
      }
    }
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
      problems.add(
          field
              + ": must be an integer or a percentage between 0% and 100%, not "
              + LabelSyntax.quote(value.getStrVal()));
    }
  }

  private static boolean isZero(IntOrString v) {
    return v != null && (Integer.valueOf(0).equals(v.getIntVal()) || "0%".equals(v.getStrVal()));
  }

  /** Labels or a selector for a message: short ones as they are, long ones cut. */
  private static String cut(String s) {
    return s.length() <= 200 ? s : s.substring(0, 200) + "...";
  }

  /**
   * The first problems and how many more: all of them could make a condition message megabytes
   * long.
   */
  private static List<String> capped(List<String> problems) {
    if (problems.size() <= MAX_PROBLEMS) {
      return problems;
    }
    List<String> out = new ArrayList<>(problems.subList(0, MAX_PROBLEMS));
    out.add("and " + (problems.size() - MAX_PROBLEMS) + " more problems");
    return out;
  }
}
