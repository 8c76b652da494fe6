package io.nodedaemon.planner;

/**
 * What placement decides for one node and one NodeDaemon (upstream's NodeShouldRunDaemonPod):
 * whether a new pod should be placed there, whether an existing one may stay, and, when no new pod
 * should be placed, the first rule that keeps it away (SPEC §8).
 *
 * @param exclusion null exactly when {@code shouldRun}
 */
public record NodePlacement(boolean shouldRun, boolean shouldContinueRunning, Exclusion exclusion) {
  static final NodePlacement BOTH = new NodePlacement(true, true, null);

  /**
   * The placement rule that keeps a node from getting a new pod, as {@code status.excludedNodes}
   * names it.
   */
  public record Exclusion(String reason, String message) {
    public static final String NODE_NAME_MISMATCH = "NodeNameMismatch";
    public static final String NODE_SELECTOR_MISMATCH = "NodeSelectorMismatch";
    public static final String NODE_AFFINITY_MISMATCH = "NodeAffinityMismatch";
    public static final String UNTOLERATED_TAINT = "UntoleratedTaint";
  }

  static NodePlacement neither(String reason, String message) {
    return new NodePlacement(false, false, new Exclusion(reason, message));
  }

  /**
   * Whether the node is listed in {@code status.excludedNodes}: no new pod, and none that may stay.
   */
  public boolean excludes(boolean hasPods) {
    return !shouldRun && !(shouldContinueRunning && hasPods);
  }
}
