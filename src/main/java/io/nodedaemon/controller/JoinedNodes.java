package io.nodedaemon.controller;

import jakarta.inject.Singleton;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The nodes that joined since each NodeDaemon's last pass that left it converged: the nodes a pass
 * may create pods on instead of a full walk, and the revision those pods get. A node joins when it
 * is added, or when it changes in a way placement reads: a real node is added with the {@code
 * node.kubernetes.io/not-ready} taint and becomes eligible when its kubelet reports Ready and the
 * taint goes.
 *
 * <p>Why: a joining node's pods waited behind a full pass of every NodeDaemon, O(nodes + pods) each
 * (about 20 ms of CPU at 5,000 nodes, 10 NodeDaemons sharing two cores). A converged NodeDaemon
 * that sees only joined nodes needs their pods and nothing else, so those are created first and the
 * full pass follows on their events, finding the creates in flight (docs/controller-flow.md).
 */
@Singleton
public class JoinedNodes {

  /**
   * Joins remembered: a pass that finds more behind it (a bulk join, a relist) leaves them to the
   * full walk, where their cost is shared.
   */
  static final int REMEMBERED = 16;

  /**
   * A pass that left its NodeDaemon converged: the joins it had seen, the generation it planned and
   * the revision every live pod carries.
   */
  private record Converged(long joinsSeen, long generation, String revision) {}

  /** What a pass may create before its walk: on these nodes, pods of this revision. */
  record Early(List<String> nodes, String revision) {}

  private long joins;
  private final ArrayDeque<String> recent = new ArrayDeque<>(REMEMBERED);
  private final Map<String, Converged> converged = new ConcurrentHashMap<>();

  /** A Node ADDED event, or an update that placement reads (NodeChanges). */
  synchronized void joined(String node) {
    joins++;
    if (recent.size() == REMEMBERED) {
      recent.removeFirst();
    }
    recent.addLast(node);
  }

  /** The joins so far: taken when a pass starts, before it reads the nodes. */
  synchronized long mark() {
    return joins;
  }

  /**
   * A pass that started at {@code mark} left the NodeDaemon converged at {@code generation}, every
   * live pod on {@code revision}, nothing in flight; or, with {@code revision} null, did not.
   */
  void passed(String daemonKey, long mark, long generation, String revision) {
    if (revision == null) {
      converged.remove(daemonKey);
    } else {
      converged.put(daemonKey, new Converged(mark, generation, revision));
    }
  }

  /**
   * The nodes that joined since the NodeDaemon's last pass, if that pass left it converged at this
   * {@code generation} and no more than {@link #REMEMBERED} joined; null otherwise.
   */
  synchronized Early since(String daemonKey, long generation) {
    Converged last = converged.get(daemonKey);
    if (last == null || last.generation() != generation || last.joinsSeen() == joins) {
      return null;
    }
    long missed = joins - last.joinsSeen();
    if (missed > recent.size()) {
      return null;
    }
    // A node deleted and added again joined twice.
    List<String> nodes =
        new ArrayList<>(recent)
            .subList(recent.size() - (int) missed, recent.size()).stream().distinct().toList();
    return new Early(nodes, last.revision());
  }

  /** Whether the NodeDaemon's (uid) last pass left it converged. */
  boolean converged(String daemonKey) {
    return converged.containsKey(daemonKey);
  }

  /** The NodeDaemons (by uid) remembered converged. */
  Set<String> daemonKeys() {
    return Set.copyOf(converged.keySet());
  }

  void forget(String daemonKey) {
    converged.remove(daemonKey);
  }
}
