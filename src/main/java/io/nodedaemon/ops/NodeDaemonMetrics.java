package io.nodedaemon.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.nodedaemon.api.NodeDaemonStatus;
import io.nodedaemon.status.Conditions;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Per-NodeDaemon Prometheus metrics: gauges mirroring the status counters (as kube-state-metrics
 * does for DaemonSets) and counters of the pods the operator created and deleted.
 */
@ApplicationScoped
public class NodeDaemonMetrics {
  public static final String PREFIX = "nodedaemon_pods_";

  /** The status counters exported as gauges, in the order of {@link #recordStatus}. */
  public static final List<String> GAUGES =
      List.of("desired", "current", "ready", "available", "updated", "misscheduled");

  /**
   * kstatus conditions as gauges, 1 while True: alerts key on Stalled rather than guess from
   * counters.
   */
  public static final String CONDITION = "nodedaemon_condition";

  public static final List<String> CONDITION_TYPES =
      List.of(Conditions.READY, Conditions.RECONCILING, Conditions.STALLED);
  public static final String CREATED = "nodedaemon_pods_created_total";
  public static final String DELETED = "nodedaemon_pods_deleted_total";

  /**
   * Of the pods created, those created on a joining node ahead of the full pass (a converged
   * NodeDaemon's fast path, docs/controller-flow.md).
   */
  public static final String CREATED_ON_JOIN = "nodedaemon_pods_created_on_join_total";

  /**
   * Writes the API server refused (pod creates and deletes, status patches): the operator handles
   * them itself (backoff, retry), so JOSDK's failed-reconciliation counter does not see them.
   */
  public static final String WRITE_FAILURES = "nodedaemon_write_failures_total";

  private final MeterRegistry registry;
  private final Map<Key, Daemon> daemons = new ConcurrentHashMap<>();

  private record Key(String namespace, String name) {
    Tags tags() {
      return Tags.of("namespace", namespace, "name", name);
    }
  }

  /** The live gauge values of one NodeDaemon and the meters to remove when it goes away. */
  private static final class Daemon {
    final AtomicInteger[] values = new AtomicInteger[GAUGES.size()];
    final AtomicInteger[] conditions = new AtomicInteger[CONDITION_TYPES.size()];
    final List<Meter> meters = new ArrayList<>();
  }

  public NodeDaemonMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Sets the gauges of one NodeDaemon from the status the operator computed for it. */
  public void recordStatus(String namespace, String name, NodeDaemonStatus s) {
    Daemon d = daemon(namespace, name);
    int[] v = {
      s.getDesiredNumberScheduled(),
      s.getCurrentNumberScheduled(),
      s.getNumberReady(),
      s.getNumberAvailable(),
      s.getUpdatedNumberScheduled(),
      s.getNumberMisscheduled()
    };
    for (int i = 0; i < v.length; i++) {
      d.values[i].set(v[i]);
    }
    for (int i = 0; i < CONDITION_TYPES.size(); i++) {
      d.conditions[i].set(Conditions.isTrue(s.getConditions(), CONDITION_TYPES.get(i)) ? 1 : 0);
    }
  }

  /** Removes every meter of a deleted NodeDaemon, so that no stale series stays exported. */
  public void forget(String namespace, String name) {
    Daemon d = daemons.remove(new Key(namespace, name));
    if (d != null) {
      synchronized (d) {
        d.meters.forEach(registry::remove);
      }
    }
  }

  /** Removes the meters of every NodeDaemon whose "namespace/name" is not in {@code liveKeys}. */
  public void retainOnly(Set<String> liveKeys) {
    for (Key key : List.copyOf(daemons.keySet())) {
      if (!liveKeys.contains(key.namespace() + "/" + key.name())) {
        forget(key.namespace(), key.name());
      }
    }
  }

  public void podsCreated(String namespace, String name, int n) {
    counter(namespace, name, CREATED).increment(n);
  }

  public void podsCreatedOnJoin(String namespace, String name, int n) {
    counter(namespace, name, CREATED_ON_JOIN).increment(n);
  }

  public void podsDeleted(String namespace, String name, int n) {
    counter(namespace, name, DELETED).increment(n);
  }

  public void writesFailed(String namespace, String name, int n) {
    counter(namespace, name, WRITE_FAILURES).increment(n);
  }

  private Daemon daemon(String namespace, String name) {
    Key key = new Key(namespace, name);
    return daemons.computeIfAbsent(
        key,
        k -> {
          Daemon d = new Daemon();
          for (int i = 0; i < GAUGES.size(); i++) {
            AtomicInteger value = new AtomicInteger();
            d.values[i] = value;
            d.meters.add(
                Gauge.builder(PREFIX + GAUGES.get(i), value, AtomicInteger::get)
                    .tags(k.tags())
                    .description("NodeDaemon status: number of nodes " + GAUGES.get(i))
                    .register(registry));
          }
          for (int i = 0; i < CONDITION_TYPES.size(); i++) {
            AtomicInteger value = new AtomicInteger();
            d.conditions[i] = value;
            d.meters.add(
                Gauge.builder(CONDITION, value, AtomicInteger::get)
                    .tags(k.tags().and("type", CONDITION_TYPES.get(i)))
                    .description("NodeDaemon condition: 1 while True")
                    .register(registry));
          }
          // Counters from the start, at zero: rate() and the dashboard then see a NodeDaemon that
          // never created a pod, instead of no series at all.
          for (String counter : List.of(CREATED, CREATED_ON_JOIN, DELETED, WRITE_FAILURES)) {
            d.meters.add(counterBuilder(counter, k).register(registry));
          }
          return d;
        });
  }

  private static Counter.Builder counterBuilder(String meterName, Key key) {
    // Micrometer's Prometheus naming adds "_total" to counters itself.
    return Counter.builder(meterName.replaceFirst("_total$", ""))
        .tags(key.tags())
        .description(
            switch (meterName) {
              case CREATED -> "Pods the operator created";
              case CREATED_ON_JOIN -> "Pods the operator created on joining nodes ahead of a pass";
              case DELETED -> "Pods the operator deleted";
              default -> "Pod and status writes the API server refused";
            });
  }

  private Counter counter(String namespace, String name, String meterName) {
    Daemon d = daemon(namespace, name);
    Counter c = counterBuilder(meterName, new Key(namespace, name)).register(registry);
    synchronized (d) {
      if (!d.meters.contains(c)) {
        d.meters.add(c);
      }
    }
    return c;
  }
}
