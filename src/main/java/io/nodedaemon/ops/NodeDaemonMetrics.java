package io.nodedaemon.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
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
  public static final String CREATED = "nodedaemon_pods_created_total";
  public static final String DELETED = "nodedaemon_pods_deleted_total";

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
    final List<Meter> meters = new ArrayList<>();
  }

  public NodeDaemonMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  public void recordStatus(String namespace, String name, int desired, int current, int ready,
      int available, int updated, int misscheduled) {
    Daemon d = daemon(namespace, name);
    int[] v = {desired, current, ready, available, updated, misscheduled};
    for (int i = 0; i < v.length; i++) {
      d.values[i].set(v[i]);
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

  public void podsDeleted(String namespace, String name, int n) {
    counter(namespace, name, DELETED).increment(n);
  }

  private Daemon daemon(String namespace, String name) {
    Key key = new Key(namespace, name);
    return daemons.computeIfAbsent(key, k -> {
      Daemon d = new Daemon();
      for (int i = 0; i < GAUGES.size(); i++) {
        AtomicInteger value = new AtomicInteger();
        d.values[i] = value;
        d.meters.add(Gauge.builder(PREFIX + GAUGES.get(i), value, AtomicInteger::get)
            .tags(k.tags())
            .description("NodeDaemon status: number of nodes " + GAUGES.get(i))
            .register(registry));
      }
      return d;
    });
  }

  private Counter counter(String namespace, String name, String meterName) {
    Daemon d = daemon(namespace, name);
    // Micrometer's Prometheus naming adds "_total" to counters itself.
    Counter c = Counter.builder(meterName.replaceFirst("_total$", ""))
        .tags(new Key(namespace, name).tags())
        .description("Pods the operator " + (meterName.equals(CREATED) ? "created" : "deleted"))
        .register(registry);
    synchronized (d) {
      if (!d.meters.contains(c)) {
        d.meters.add(c);
      }
    }
    return c;
  }
}
