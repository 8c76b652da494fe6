package io.nodedaemon.planner;

import java.util.Set;

/**
 * What this operator has just written but not yet seen in its cache: nodes on which it created a
 * pod, and pods (by name) it deleted. The planner treats them as done, so that a stale cache never
 * yields a second pod on a node or a second delete.
 */
public record InFlight(Set<String> nodesWithPendingCreate, Set<String> podsPendingDelete) {
  public static final InFlight NONE = new InFlight(Set.of(), Set.of());

  public boolean isEmpty() {
    return nodesWithPendingCreate.isEmpty() && podsPendingDelete.isEmpty();
  }
}
