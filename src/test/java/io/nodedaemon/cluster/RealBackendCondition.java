package io.nodedaemon.cluster;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Skips the tests of a real-backend run, with the reason, when the control plane could not be built
 * (no Go); where {@link Backend#realRequired()} they run and fail instead. Registered for every
 * test class by JUnit's extension auto-detection (META-INF/services).
 */
public final class RealBackendCondition implements ExecutionCondition {
  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    if (!Backend.real() || Backend.realRequired()) {
      return ConditionEvaluationResult.enabled("backend available or required");
    }
    return Backend.realUnavailable()
        .map(why -> ConditionEvaluationResult.disabled("real control plane unavailable: " + why))
        .orElseGet(() -> ConditionEvaluationResult.enabled("real control plane built"));
  }
}
