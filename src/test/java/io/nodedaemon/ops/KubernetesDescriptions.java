package io.nodedaemon.ops;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The field descriptions of Kubernetes' own OpenAPI document, for the CRD's pod template: {@code
 * kubectl explain nd.spec.template.spec.containers} then reads what {@code kubectl explain
 * ds.spec.template.spec.containers} reads.
 *
 * <p>The document is {@code api/openapi-spec/v3/api__v1_openapi.json} of the {@code
 * k8s.io/kubernetes} Go module, at the release that src/test/go/controlplane/go.mod pins (the one
 * Kubernetes release of the project), found with {@code go mod download -json}. The build must give
 * the same CRD without Go, so it reads a committed extract ({@link #EXTRACT}: the definitions
 * reachable from PodTemplateSpec, their descriptions and the types of their fields); {@code
 * -Dnodedaemon.sync} refreshes it where Go is at hand, and {@code KubernetesDescriptionsTest} fails
 * when it differs from the document.
 */
public final class KubernetesDescriptions {
  /** The committed extract, relative to the project directory. */
  public static final String EXTRACT = "src/test/resources/ops/kubernetes-descriptions.json";

  static final String DOCUMENT = "api/openapi-spec/v3/api__v1_openapi.json";
  static final String GO_MOD_DIR = "src/test/go/controlplane";
  static final String POD_TEMPLATE_SPEC = "io.k8s.api.core.v1.PodTemplateSpec";

  private KubernetesDescriptions() {}

  /**
   * One definition of the extract: its description and, per field, the field's description and the
   * definition its value (or its list items, or its map values) is, if any.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Definition(String description, Map<String, Field> properties) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Field(String description, String type) {}

  /** The extract: the Kubernetes release it came from, and the definitions by name. */
  record Extract(String source, Map<String, Definition> definitions) {}

  static Extract read(Path base) throws IOException {
    return ManifestSync.JSON.readValue(base.resolve(EXTRACT).toFile(), Extract.class);
  }

  static void write(Path base, Extract extract) throws IOException {
    Files.writeString(
        base.resolve(EXTRACT),
        ManifestSync.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(extract) + "\n");
  }

  /** The definitions reachable from {@code root} in an OpenAPI v3 document. */
  static Extract extract(JsonNode document, String source, String root) {
    JsonNode schemas = document.path("components").path("schemas");
    Map<String, Definition> out = new TreeMap<>();
    Deque<String> todo = new ArrayDeque<>(List.of(root));
    while (!todo.isEmpty()) {
      String name = todo.pop();
      JsonNode schema = schemas.path(name);
      if (out.containsKey(name) || schema.isMissingNode()) {
        continue;
      }
      Map<String, Field> properties = new TreeMap<>();
      schema
          .path("properties")
          .fields()
          .forEachRemaining(
              p -> {
                String type = valueType(p.getValue());
                properties.put(p.getKey(), new Field(text(p.getValue(), "description"), type));
                if (type != null) {
                  todo.push(type);
                }
              });
      out.put(name, new Definition(text(schema, "description"), properties));
    }
    return new Extract(source, out);
  }

  /** The definition a field's value is: itself, its list items or its map values. */
  private static String valueType(JsonNode field) {
    for (JsonNode node : List.of(field, field.path("items"), field.path("additionalProperties"))) {
      String ref = ref(node);
      if (ref != null) {
        return ref;
      }
    }
    return null;
  }

  private static String ref(JsonNode node) {
    String ref = node.path("$ref").asText(null);
    if (ref == null && node.path("allOf").isArray() && !node.path("allOf").isEmpty()) {
      ref = node.path("allOf").get(0).path("$ref").asText(null);
    }
    return ref == null ? null : ref.substring(ref.lastIndexOf('/') + 1);
  }

  private static String text(JsonNode node, String field) {
    return node.has(field) ? node.get(field).asText() : null;
  }

  // ---- filling a CRD schema
  // -----------------------------------------------------------------------

  /**
   * Gives every field under {@code node} (a schema of type {@code definition}) that has no
   * description the shortened upstream one, list items their type's. A description already there
   * (the NodeDaemon API's own) is kept. Returns how many it filled.
   */
  @SuppressWarnings("unchecked")
  static int fill(Map<String, Object> node, String definition, Extract extract) {
    Definition def = extract.definitions().get(definition);
    if (def == null) {
      return 0;
    }
    int filled = 0;
    Map<String, Object> properties = (Map<String, Object>) node.get("properties");
    if (properties == null) {
      return 0;
    }
    for (Map.Entry<String, Object> e : properties.entrySet()) {
      Field field = def.properties().get(e.getKey());
      if (field == null || !(e.getValue() instanceof Map<?, ?>)) {
        continue;
      }
      Map<String, Object> child = (Map<String, Object>) e.getValue();
      filled += describe(child, field.description());
      if (field.type() == null) {
        continue;
      }
      if (child.get("items") instanceof Map<?, ?> items) {
        Definition itemType = extract.definitions().get(field.type());
        filled +=
            describe((Map<String, Object>) items, itemType == null ? null : itemType.description());
        filled += fill((Map<String, Object>) items, field.type(), extract);
      } else if (child.get("additionalProperties") instanceof Map<?, ?> values) {
        filled += fill((Map<String, Object>) values, field.type(), extract);
      } else {
        filled += fill(child, field.type(), extract);
      }
    }
    return filled;
  }

  private static int describe(Map<String, Object> node, String description) {
    if (description == null || description.isBlank() || node.containsKey("description")) {
      return 0;
    }
    node.put("description", shorten(description));
    return 1;
  }

  /** Most descriptions fit in this many characters, whole sentences, the first one at least. */
  static final int MAX_LENGTH = 200;

  private static final Pattern MORE_INFO = Pattern.compile("\\s*More info: \\S+");

  /** A sentence ends at a full stop before a capital, not at "e.g." or "i.e.". */
  private static final Pattern SENTENCE_END =
      Pattern.compile("(?<!\\be\\.g\\.)(?<!\\bi\\.e\\.)(?<=\\.)\\s+(?=[A-Z`\"'(])");

  /**
   * The first paragraph, without its "More info:" links, cut after the last whole sentence within
   * {@link #MAX_LENGTH} characters (the first sentence is always kept). The whole text of every pod
   * field would make the CRD larger than {@code kubectl apply} can store in its
   * last-applied-configuration annotation (256 KiB); the full text stays one {@code kubectl explain
   * pod.spec...} away.
   */
  static String shorten(String description) {
    String paragraph = description.strip().split("\\n\\s*\\n", 2)[0].strip();
    String text = MORE_INFO.matcher(paragraph).replaceAll("").strip();
    if (text.isEmpty()) {
      text = paragraph;
    }
    text = text.replaceAll("\\s*\\n\\s*", " ");
    String[] sentences = SENTENCE_END.split(text);
    StringBuilder out = new StringBuilder(sentences[0]);
    for (int i = 1; i < sentences.length; i++) {
      if (out.length() + 1 + sentences[i].length() > MAX_LENGTH) {
        break;
      }
      out.append(' ').append(sentences[i]);
    }
    return out.toString();
  }

  // ---- the upstream document
  // ----------------------------------------------------------------------

  /**
   * The OpenAPI document of the release go.mod pins, from the Go module cache ({@code go mod
   * download} fetches it from the module proxy if the cache lacks it); empty without Go.
   */
  static Optional<Upstream> upstream(Path base) {
    Path moduleDir = base.resolve(GO_MOD_DIR);
    try {
      Process p =
          new ProcessBuilder("go", "mod", "download", "-json", "k8s.io/kubernetes")
              .directory(moduleDir.toFile())
              .redirectErrorStream(false)
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
        return Optional.empty();
      }
      JsonNode info = ManifestSync.JSON.readTree(new String(out, StandardCharsets.UTF_8));
      Path document = Path.of(info.path("Dir").asText()).resolve(DOCUMENT);
      if (!Files.isRegularFile(document)) {
        return Optional.empty();
      }
      String source = "k8s.io/kubernetes@" + info.path("Version").asText() + " " + DOCUMENT;
      return Optional.of(new Upstream(source, document));
    } catch (IOException e) {
      return Optional.empty(); // no go on the PATH
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** Where the document is, and how the extract names it. */
  record Upstream(String source, Path document) {
    Extract extract() {
      try {
        return KubernetesDescriptions.extract(
            ManifestSync.JSON.readTree(document.toFile()), source, POD_TEMPLATE_SPEC);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
