package io.nodedaemon.controller;

import io.fabric8.kubernetes.api.model.Node;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The cached nodes in name order (the order every pass walks them, as upstream's manage does),
 * listed and sorted again only after a node event that can change placement.
 *
 * <p>Why: each pass of each NodeDaemon reads all nodes, and at 5,000 nodes listing and sorting them
 * was a large part of a pass (issue 16's reaction-time profile), while the nodes change far less
 * often than passes run. A snapshot lags the cache by at most the node event being delivered, whose
 * own pass follows; and a heartbeat (an update {@link NodeChanges} filters out) leaves an older
 * copy of the node here that placement reads alike, as the cached node keeps only what placement
 * reads.
 */
final class SortedNodes {

  private static final Comparator<Node> BY_NAME =
      Comparator.comparing(n -> n.getMetadata().getName());

  private record Snapshot(long version, List<Node> nodes) {}

  private final AtomicLong changes = new AtomicLong();
  private volatile Snapshot snapshot = new Snapshot(-1, List.of());

  /** A node was added or deleted, or changed in a way placement reads. */
  void changed() {
    changes.incrementAndGet();
  }

  /** The nodes by name, listed from {@code cache} if a node changed since the last listing. */
  List<Node> get(Supplier<Stream<Node>> cache) {
    Snapshot s = snapshot;
    // Read before listing: a change while listing makes the next caller list again.
    long version = changes.get();
    if (s.version() == version) {
      return s.nodes();
    }
    List<Node> nodes = cache.get().sorted(BY_NAME).toList();
    snapshot = new Snapshot(version, nodes);
    return nodes;
  }
}
