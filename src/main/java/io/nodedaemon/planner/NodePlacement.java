package io.nodedaemon.planner;

/**
 * What placement decides for one node and one NodeDaemon (upstream's NodeShouldRunDaemonPod):
 * whether a new pod should be placed there, and whether an existing one may stay.
 */
public record NodePlacement(boolean shouldRun, boolean shouldContinueRunning) {
  public static final NodePlacement NEITHER = new NodePlacement(false, false);
}
