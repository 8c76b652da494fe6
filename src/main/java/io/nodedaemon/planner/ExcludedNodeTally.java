package io.nodedaemon.planner;

import io.nodedaemon.api.ExcludedNodeGroup;
import io.nodedaemon.planner.NodePlacement.Exclusion;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Groups the nodes a pass excludes by (reason, message) into {@code status.excludedNodes} (SPEC
 * §8): largest group first, then by reason and message; at most {@link #MAX_GROUPS} groups, each
 * naming its first {@link #MAX_NAMES} nodes. Nodes must be added in name order.
 */
final class ExcludedNodeTally {
  static final int MAX_GROUPS = 10;
  static final int MAX_NAMES = 5;

  private static final Comparator<Group> ORDER =
      Comparator.comparingInt((Group g) -> -g.count)
          .thenComparing(g -> g.exclusion.reason())
          .thenComparing(g -> g.exclusion.message());

  private static final class Group {
    final Exclusion exclusion;
    final List<String> names = new ArrayList<>(MAX_NAMES);
    int count;

    Group(Exclusion exclusion) {
      this.exclusion = exclusion;
    }
  }

  // Exclusions are records: equal reason and message land in one group.
  private final Map<Exclusion, Group> groups = new HashMap<>();

  void add(String nodeName, Exclusion exclusion) {
    Group group = groups.computeIfAbsent(exclusion, Group::new);
    group.count++;
    if (group.names.size() < MAX_NAMES) {
      group.names.add(nodeName);
    }
  }

  /** The groups as the status lists them; empty when no node is excluded. */
  List<ExcludedNodeGroup> groups() {
    if (groups.isEmpty()) {
      return List.of();
    }
    return groups.values().stream()
        .sorted(ORDER)
        .limit(MAX_GROUPS)
        .map(
            g ->
                new ExcludedNodeGroup(
                    g.exclusion.reason(), g.exclusion.message(), g.count, List.copyOf(g.names)))
        .toList();
  }
}
