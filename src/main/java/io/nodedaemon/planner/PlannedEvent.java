package io.nodedaemon.planner;

/** A Kubernetes event the plan asks to record on the NodeDaemon (upstream's reasons). */
public record PlannedEvent(Type type, String reason, String message) {
  /** Event types as the Events API spells them. */
  public enum Type {
    Normal,
    Warning
  }

  public static PlannedEvent warning(String reason, String message) {
    return new PlannedEvent(Type.Warning, reason, message);
  }

  public static PlannedEvent normal(String reason, String message) {
    return new PlannedEvent(Type.Normal, reason, message);
  }
}
