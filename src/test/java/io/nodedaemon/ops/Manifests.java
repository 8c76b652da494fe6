package io.nodedaemon.ops;

import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Test helper: reads multi-document YAML manifests as fabric8 objects. */
final class Manifests {
  static final Path PROJECT = Path.of(System.getProperty("user.dir"));

  private Manifests() {}

  static List<HasMetadata> load(Path file) throws IOException {
    List<HasMetadata> out = new ArrayList<>();
    try (YAMLParser parser = new YAMLFactory().createParser(file.toFile())) {
      var docs = ManifestSync.YAML.readValues(parser, Map.class);
      while (docs.hasNext()) {
        Map<?, ?> doc = docs.next();
        if (doc != null && !doc.isEmpty()) {
          out.add(
              Serialization.unmarshal(
                  ManifestSync.JSON.writeValueAsString(doc), HasMetadata.class));
        }
      }
    }
    return out;
  }

  static <T extends HasMetadata> List<T> ofKind(List<HasMetadata> all, Class<T> type) {
    return all.stream().filter(type::isInstance).map(type::cast).toList();
  }
}
