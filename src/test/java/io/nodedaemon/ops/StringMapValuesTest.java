package io.nodedaemon.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Every value of every labels, annotations, matchLabels and nodeSelector map in every manifest we
 * ship (committed, and the build's output when present) is a string (issue 10, defect 12: the CSV's
 * {@code prometheus.io/port: 8080} was a number, which the API server refuses). Read with
 * SnakeYAML's YAML 1.1 rules, as strict as the Go YAML readers of kubectl and OLM: {@code 8080},
 * {@code yes}, {@code 0x1F} and {@code 2026-01-01} are not strings unless quoted.
 */
class StringMapValuesTest {
  static final Set<String> STRING_MAPS =
      Set.of("labels", "annotations", "matchLabels", "nodeSelector", "commonLabels");

  static List<Path> manifests() throws IOException {
    List<Path> out = new ArrayList<>();
    for (String dir : List.of("k8s", "olm-bundle", "src/main/kubernetes", ManifestSync.OUTPUT)) {
      Path root = Manifests.PROJECT.resolve(dir);
      if (!Files.isDirectory(root)) {
        continue;
      }
      try (Stream<Path> files = Files.walk(root)) {
        files
            .filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
            .sorted()
            .forEach(out::add);
      }
    }
    return out;
  }

  /** "file: path.to.key = value (Type)" for every value of a string map that is not a string. */
  static List<String> nonStrings(String file, String yaml) {
    List<String> out = new ArrayList<>();
    int doc = 0;
    for (Object document : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(yaml)) {
      walk(document, null, file + "#" + doc++, out);
    }
    return out;
  }

  private static void walk(Object node, String parentKey, String path, List<String> out) {
    if (node instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        String key = String.valueOf(e.getKey());
        // A CRD schema's "properties: {labels: {type: object, ...}}" describes a map, it is not
        // one.
        if (STRING_MAPS.contains(key)
            && !"properties".equals(parentKey)
            && e.getValue() instanceof Map<?, ?> values) {
          values.forEach(
              (k, v) -> {
                if (!(v instanceof String)) {
                  out.add(
                      path
                          + "."
                          + key
                          + "."
                          + k
                          + " = "
                          + v
                          + " ("
                          + (v == null ? "null" : v.getClass().getSimpleName())
                          + ")");
                }
              });
        }
        walk(e.getValue(), key, path + "." + key, out);
      }
    } else if (node instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        walk(list.get(i), parentKey, path + "[" + i + "]", out);
      }
    }
  }

  @Test
  void everyLabelAndAnnotationValueInEveryManifestIsAString() throws IOException {
    List<Path> files = manifests();
    assertThat(files)
        .extracting(f -> f.getFileName().toString())
        .contains(
            "nodedaemon-operator.clusterserviceversion.yaml", "operator.yaml", "annotations.yaml");
    List<String> wrong = new ArrayList<>();
    for (Path f : files) {
      wrong.addAll(nonStrings(Manifests.PROJECT.relativize(f).toString(), Files.readString(f)));
    }
    assertThat(wrong).isEmpty();
  }

  @Test
  void theCheckCatchesABareNumberBooleanOrDate() {
    String csv =
        """
        spec:
          template:
            metadata:
              annotations:
                prometheus.io/port: 8080
                prometheus.io/scrape: "true"
              labels:
                enabled: yes
                since: 2026-01-01
          schema:
            properties:
              labels:
                maxProperties: 64
        """;

    assertThat(nonStrings("csv", csv))
        .containsExactly(
            "csv#0.spec.template.metadata.annotations.prometheus.io/port = 8080 (Integer)",
            "csv#0.spec.template.metadata.labels.enabled = true (Boolean)",
            "csv#0.spec.template.metadata.labels.since = " + dateAsLoaded() + " (Date)");
  }

  private static String dateAsLoaded() {
    return String.valueOf(
        new Yaml(new SafeConstructor(new LoaderOptions())).<Object>load("2026-01-01"));
  }

  @Test
  void theManifestWriterQuotesEveryValueOfAStringMap() throws IOException {
    Map<String, Object> annotations = new LinkedHashMap<>();
    for (String value :
        List.of(
            "8080",
            "true",
            "yes",
            "on",
            "0x1F",
            "1_000",
            "1e3",
            "2026-01-01",
            "~",
            "null",
            "/q/metrics",
            "")) {
      annotations.put("a" + annotations.size(), value);
    }
    Map<String, Object> doc =
        Map.of(
            "metadata", Map.of("labels", Map.of("port", "8080"), "annotations", annotations),
            "spec",
                Map.of(
                    "selector",
                    Map.of("matchLabels", Map.of("v", "1.0")),
                    "resources",
                    Map.of("cpu", "1"),
                    "properties",
                    Map.of("labels", Map.of("type", "object"))));

    String yaml = ManifestSync.YAML.writeValueAsString(doc);

    assertThat(nonStrings("written", yaml)).isEmpty();
    assertThat(yaml)
        .contains(
            "port: \"8080\"", "a0: \"8080\"", "a10: \"/q/metrics\"", "v: \"1.0\"", "cpu: \"1\"")
        // Outside a string map nothing changes: a schema's "type: object" stays bare.
        .contains("type: object");
  }
}
