package io.nodedaemon.planner;

/** A Kubernetes event a pass records on the NodeDaemon; reasons as upstream spells them. */
public record PlannedEvent(Type type, String reason, String message) {
  /** Event types as the Events API spells them. */
  public enum Type {
    Normal,
    Warning
  }

  /** Upstream's FailedDaemonPodReason: a failed pod is deleted so that it can be replaced. */
  public static final String FAILED_DAEMON_POD = "FailedDaemonPod";

  /**
   * Upstream's SuccessfulCreatePodReason, FailedCreatePodReason and the delete pair
   * (controller_utils.go).
   */
  public static final String SUCCESSFUL_CREATE = "SuccessfulCreate";

  public static final String FAILED_CREATE = "FailedCreate";
  public static final String SUCCESSFUL_DELETE = "SuccessfulDelete";
  public static final String FAILED_DELETE = "FailedDelete";

  /**
   * NodeDaemon's own: the spec is refused (SPEC §1), or its selector is empty and would select
   * every pod.
   */
  public static final String INVALID_SPEC = "InvalidSpec";

  public static final String SELECTING_ALL = "SelectingAll";

  public static PlannedEvent warning(String reason, String message) {
    return new PlannedEvent(Type.Warning, reason, message);
  }

  public static PlannedEvent normal(String reason, String message) {
    return new PlannedEvent(Type.Normal, reason, message);
  }
}
