package io.nodedaemon.sim;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Renders NodeDaemons and pods as {@code kubectl get} prints them, so that the demo's output reads
 * like a terminal session against a real cluster.
 */
public final class KubectlTable {

  // kubectl's tabwriter settings (k8s.io/cli-runtime printers): minwidth 6, padding 3, blanks.
  private static final int MIN_WIDTH = 6;
  private static final int PADDING = 3;
  private static final String NONE = "<none>";

  private KubectlTable() {}

  /**
   * {@code kubectl get nd}: the CRD's printer columns, rows sorted by name as the API lists them.
   */
  public static String nodeDaemons(List<NodeDaemon> items, Instant now) {
    List<List<String>> rows = new ArrayList<>();
    rows.add(
        List.of(
            "NAME",
            "DESIRED",
            "CURRENT",
            "READY",
            "UP-TO-DATE",
            "AVAILABLE",
            "NODE SELECTOR",
            "AGE"));
    items.stream()
        .sorted(Comparator.comparing(nd -> nd.getMetadata().getName()))
        .forEach(
            nd -> {
              NodeDaemonStatus s = nd.getStatus();
              Function<Function<NodeDaemonStatus, Integer>, String> col =
                  f -> s == null ? NONE : String.valueOf(f.apply(s));
              rows.add(
                  List.of(
                      nd.getMetadata().getName(),
                      col.apply(NodeDaemonStatus::getDesiredNumberScheduled),
                      col.apply(NodeDaemonStatus::getCurrentNumberScheduled),
                      col.apply(NodeDaemonStatus::getNumberReady),
                      col.apply(NodeDaemonStatus::getUpdatedNumberScheduled),
                      col.apply(NodeDaemonStatus::getNumberAvailable),
                      nodeSelector(nd),
                      age(nd.getMetadata().getCreationTimestamp(), now)));
            });
    return render(rows);
  }

  /**
   * Pods in the spirit of {@code kubectl get pods -o wide}: NAME READY STATUS RESTARTS AGE NODE,
   * plus the first container's IMAGE and the {@code controller-revision-hash} label as REVISION.
   */
  public static String pods(List<Pod> items, Instant now) {
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("NAME", "READY", "STATUS", "RESTARTS", "AGE", "NODE", "IMAGE", "REVISION"));
    items.stream()
        .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
        .forEach(
            p -> {
              List<ContainerStatus> statuses =
                  p.getStatus() == null || p.getStatus().getContainerStatuses() == null
                      ? List.of()
                      : p.getStatus().getContainerStatuses();
              long ready =
                  statuses.stream().filter(cs -> Boolean.TRUE.equals(cs.getReady())).count();
              int restarts =
                  statuses.stream()
                      .mapToInt(cs -> cs.getRestartCount() == null ? 0 : cs.getRestartCount())
                      .sum();
              Map<String, String> labels =
                  p.getMetadata().getLabels() == null ? Map.of() : p.getMetadata().getLabels();
              rows.add(
                  List.of(
                      p.getMetadata().getName(),
                      ready + "/" + p.getSpec().getContainers().size(),
                      podStatus(p),
                      String.valueOf(restarts),
                      age(p.getMetadata().getCreationTimestamp(), now),
                      p.getSpec().getNodeName() == null ? NONE : p.getSpec().getNodeName(),
                      p.getSpec().getContainers().isEmpty()
                          ? NONE
                          : p.getSpec().getContainers().get(0).getImage(),
                      labels.getOrDefault("controller-revision-hash", "")));
            });
    return render(rows);
  }

  /** kubectl's STATUS column, reduced to what the simulator produces. */
  static String podStatus(Pod p) {
    if (p.getMetadata().getDeletionTimestamp() != null) {
      return "Terminating";
    }
    if (p.getStatus() == null || p.getStatus().getPhase() == null) {
      return "Pending";
    }
    if (p.getStatus().getContainerStatuses() != null) {
      for (ContainerStatus cs : p.getStatus().getContainerStatuses()) {
        if (cs.getState() != null
            && cs.getState().getWaiting() != null
            && cs.getState().getWaiting().getReason() != null) {
          return cs.getState().getWaiting().getReason();
        }
        if (cs.getState() != null
            && cs.getState().getTerminated() != null
            && cs.getState().getTerminated().getReason() != null) {
          return cs.getState().getTerminated().getReason();
        }
      }
    }
    return p.getStatus().getPhase();
  }

  /** The printer column of type string on a map: the JSON text, keys sorted as Go marshals them. */
  private static String nodeSelector(NodeDaemon nd) {
    var spec = nd.getSpec();
    Map<String, String> sel =
        spec == null || spec.getTemplate() == null || spec.getTemplate().getSpec() == null
            ? null
            : spec.getTemplate().getSpec().getNodeSelector();
    if (sel == null || sel.isEmpty()) {
      return NONE;
    }
    return new TreeMap<>(sel)
        .entrySet().stream()
            .map(e -> "\"" + e.getKey() + "\":\"" + e.getValue() + "\"")
            .collect(Collectors.joining(",", "{", "}"));
  }

  static String age(String creationTimestamp, Instant now) {
    if (creationTimestamp == null) {
      return NONE;
    }
    return humanDuration(Duration.between(Instant.parse(creationTimestamp), now));
  }

  /** k8s.io/apimachinery duration.HumanDuration, which kubectl uses for AGE. */
  static String humanDuration(Duration d) {
    long seconds = d.getSeconds();
    if (seconds < -1) {
      return "<invalid>";
    } else if (seconds < 0) {
      return "0s";
    } else if (seconds < 60 * 2) {
      return seconds + "s";
    }
    long minutes = d.toMinutes();
    if (minutes < 10) {
      long s = seconds % 60;
      return s == 0 ? minutes + "m" : minutes + "m" + s + "s";
    } else if (minutes < 60 * 3) {
      return minutes + "m";
    }
    long hours = d.toHours();
    if (hours < 8) {
      long m = minutes % 60;
      return m == 0 ? hours + "h" : hours + "h" + m + "m";
    } else if (hours < 48) {
      return hours + "h";
    } else if (hours < 24 * 8) {
      long h = hours % 24;
      return h == 0 ? hours / 24 + "d" : hours / 24 + "d" + h + "h";
    } else if (hours < 24 * 365 * 2) {
      return hours / 24 + "d";
    } else if (hours < 24 * 365 * 8) {
      long dy = hours / 24 % 365;
      return dy == 0 ? hours / 24 / 365 + "y" : hours / 24 / 365 + "y" + dy + "d";
    }
    return hours / 24 / 365 + "y";
  }

  /**
   * Go's text/tabwriter as kubectl configures it: every column but the last padded to its widest
   * cell.
   */
  static String render(List<List<String>> rows) {
    int columns = rows.stream().mapToInt(List::size).max().orElse(0);
    int[] widths = new int[columns];
    for (List<String> row : rows) {
      for (int i = 0; i < row.size() - 1; i++) {
        widths[i] = Math.max(widths[i], Math.max(MIN_WIDTH, row.get(i).length() + PADDING));
      }
    }
    StringBuilder out = new StringBuilder();
    for (List<String> row : rows) {
      for (int i = 0; i < row.size(); i++) {
        String cell = row.get(i);
        out.append(cell);
        if (i < row.size() - 1) {
          char[] pad = new char[widths[i] - cell.length()];
          Arrays.fill(pad, ' ');
          out.append(pad);
        }
      }
      out.append('\n');
    }
    return out.toString();
  }
}
