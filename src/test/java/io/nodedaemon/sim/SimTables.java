package io.nodedaemon.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Server-side printing for the simulated API server: answers kubectl's {@code Accept:
 * application/json;as=Table;g=meta.k8s.io;v=v1} with a {@code meta.k8s.io/v1 Table}, as
 * kube-apiserver does. Custom resources get the columns of their CRD's {@code
 * additionalPrinterColumns} (a simple JSONPath per column, as apiextensions' table convertor
 * evaluates it); pods get kubectl's pod columns. Other kinds are answered as stored, and kubectl
 * then prints NAME and AGE, as against a server without printing.
 */
final class SimTables {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SimTables() {}

  /** True when a GET asks for a Table (kubectl lists and gets do; watches and clients do not). */
  static boolean wanted(String accept, String path) {
    return accept != null && accept.contains("as=Table") && !path.contains("watch=");
  }

  /**
   * The Table for a stored object or list, or null when this kind has no columns here.
   *
   * @param columns the printer columns of the custom resource, or null for a built-in kind
   */
  static String table(
      String body, String kind, List<CustomResourceColumnDefinition> columns, Instant now) {
    try {
      JsonNode doc = JSON.readTree(body);
      List<JsonNode> items = new ArrayList<>();
      if (doc.has("items")) {
        doc.get("items").forEach(items::add);
      } else {
        items.add(doc);
      }
      ObjectNode table =
          JSON.createObjectNode().put("kind", "Table").put("apiVersion", "meta.k8s.io/v1");
      table
          .putObject("metadata")
          .put("resourceVersion", doc.path("metadata").path("resourceVersion").asText(""));
      ArrayNode definitions = table.putArray("columnDefinitions");
      definitions
          .addObject()
          .put("name", "Name")
          .put("type", "string")
          .put("format", "name")
          .put("priority", 0)
          .put("description", "Name must be unique within a namespace.");
      if (columns != null) {
        for (CustomResourceColumnDefinition c : columns) {
          definitions
              .addObject()
              .put("name", c.getName())
              .put("type", c.getType())
              .put("format", c.getFormat() == null ? "" : c.getFormat())
              .put("priority", c.getPriority() == null ? 0 : c.getPriority())
              .put("description", c.getDescription() == null ? "" : c.getDescription());
        }
      } else if ("Pod".equals(kind)) {
        for (String[] c :
            new String[][] {
              {"Ready", "0"},
              {"Status", "0"},
              {"Restarts", "0"},
              {"Age", "0"},
              {"IP", "1"},
              {"Node", "1"}
            }) {
          definitions
              .addObject()
              .put("name", c[0])
              .put("type", "string")
              .put("format", "")
              .put("priority", Integer.parseInt(c[1]))
              .put("description", "");
        }
      } else {
        return null;
      }
      ArrayNode rows = table.putArray("rows");
      for (JsonNode item : items) {
        ObjectNode row = rows.addObject();
        ArrayNode cells = row.putArray("cells");
        cells.add(item.path("metadata").path("name").asText());
        if (columns != null) {
          for (CustomResourceColumnDefinition c : columns) {
            cells.add(cell(item, c, now));
          }
        } else {
          podCells(Serialization.unmarshal(item.toString(), Pod.class), now).forEach(cells::add);
        }
        ObjectNode object =
            row.putObject("object")
                .put("kind", "PartialObjectMetadata")
                .put("apiVersion", "meta.k8s.io/v1");
        object.set("metadata", item.path("metadata").deepCopy());
      }
      return JSON.writeValueAsString(table);
    } catch (java.io.IOException e) {
      return null;
    }
  }

  /** One cell: integers and numbers as such, dates as an age, anything else as text. */
  private static JsonNode cell(JsonNode item, CustomResourceColumnDefinition column, Instant now) {
    List<JsonNode> values = evaluate(item, column.getJsonPath());
    if (values.isEmpty() || values.get(0).isNull() || values.get(0).isMissingNode()) {
      // kube-apiserver leaves an absent string blank and an absent number null ("<none>").
      return "string".equals(column.getType())
          ? JSON.getNodeFactory().textNode("")
          : JSON.nullNode();
    }
    JsonNode first = values.get(0);
    switch (column.getType()) {
      case "integer":
        return first.isNumber()
            ? JSON.getNodeFactory().numberNode(first.asLong())
            : JSON.nullNode();
      case "number":
        return first.isNumber() ? first : JSON.nullNode();
      case "date":
        return JSON.getNodeFactory().textNode(KubectlTable.age(first.asText(), now));
      default:
        return JSON.getNodeFactory()
            .textNode(values.stream().map(SimTables::text).collect(Collectors.joining(" ")));
    }
  }

  /**
   * A value as kube-apiserver's JSONPath printer writes it: objects as compact JSON with sorted
   * keys.
   */
  private static String text(JsonNode value) {
    if (value.isTextual()) {
      return value.asText();
    }
    if (value.isObject()) {
      Map<String, JsonNode> sorted = new TreeMap<>();
      value.fields().forEachRemaining(e -> sorted.put(e.getKey(), e.getValue()));
      return sorted.entrySet().stream()
          .map(e -> JSON.getNodeFactory().textNode(e.getKey()) + ":" + e.getValue())
          .collect(Collectors.joining(",", "{", "}"));
    }
    return value.toString();
  }

  /**
   * A simple JSONPath ({@code .a.b}, {@code .a[*].b}, {@code .a[0]}), all the printer columns use.
   */
  static List<JsonNode> evaluate(JsonNode root, String path) {
    List<JsonNode> current = List.of(root);
    for (String step : path.replaceFirst("^\\.", "").split("\\.")) {
      String field = step.contains("[") ? step.substring(0, step.indexOf('[')) : step;
      String index =
          step.contains("[") ? step.substring(step.indexOf('[') + 1, step.indexOf(']')) : null;
      List<JsonNode> next = new ArrayList<>();
      for (JsonNode node : current) {
        JsonNode child = field.isEmpty() ? node : node.path(field);
        if (index == null) {
          next.add(child);
        } else if ("*".equals(index)) {
          for (Iterator<JsonNode> it = child.elements(); it.hasNext(); ) {
            next.add(it.next());
          }
        } else {
          next.add(child.path(Integer.parseInt(index)));
        }
      }
      current = next;
    }
    return current.stream().filter(n -> !n.isMissingNode()).toList();
  }

  private static List<String> podCells(Pod p, Instant now) {
    int containers = p.getSpec() == null ? 0 : p.getSpec().getContainers().size();
    var statuses =
        p.getStatus() == null || p.getStatus().getContainerStatuses() == null
            ? List.<io.fabric8.kubernetes.api.model.ContainerStatus>of()
            : p.getStatus().getContainerStatuses();
    long ready = statuses.stream().filter(s -> Boolean.TRUE.equals(s.getReady())).count();
    int restarts =
        statuses.stream()
            .mapToInt(s -> s.getRestartCount() == null ? 0 : s.getRestartCount())
            .sum();
    String ip =
        p.getStatus() == null || p.getStatus().getPodIP() == null
            ? "<none>"
            : p.getStatus().getPodIP();
    String node =
        p.getSpec() == null || p.getSpec().getNodeName() == null
            ? "<none>"
            : p.getSpec().getNodeName();
    return List.of(
        ready + "/" + containers,
        KubectlTable.podStatus(p),
        String.valueOf(restarts),
        KubectlTable.age(p.getMetadata().getCreationTimestamp(), now),
        ip,
        node);
  }
}
