package io.nodedaemon.ops;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The bundle checks that operator-framework's own validators (src/test/go/bundlevalidate, the Go
 * module behind {@code operator-sdk bundle validate}) do not make on a bundle directory, and that
 * OLM or the registry would still refuse: the layout, the 1 MiB size limit, the bundle annotations,
 * the install-mode names and the icon's base64. {@code BundleValidatorTest} proves for each fault
 * that exactly one of the two catches it. Each finding starts with its rule id in brackets.
 */
public final class BundleValidator {
  static final long MAX_BUNDLE_BYTES = 1L << 20;
  static final Set<String> INSTALL_MODES =
      Set.of("OwnNamespace", "SingleNamespace", "MultiNamespace", "AllNamespaces");

  private BundleValidator() {}

  @SuppressWarnings("unchecked")
  public static List<String> validate(Path bundle) throws IOException {
    List<String> errors = new ArrayList<>();
    Path manifests = bundle.resolve("manifests");
    Path annotationsFile = bundle.resolve("metadata/annotations.yaml");
    if (!Files.isDirectory(manifests) || !Files.exists(annotationsFile)) {
      errors.add("[bundle-layout] manifests/ and metadata/annotations.yaml are required");
      return errors;
    }
    // The registry refuses a bundle image over 1 MiB.
    long size;
    try (Stream<Path> files = Files.walk(bundle)) {
      size = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
    if (size > MAX_BUNDLE_BYTES) {
      errors.add("[bundle-size] bundle is " + size + " bytes, more than 1 MiB");
    }
    // The loader falls back to defaults where these are wrong; OLM reads them from the image
    // labels.
    Map<String, Object> annotations =
        (Map<String, Object>)
            ((Map<String, Object>) ManifestSync.YAML.readValue(annotationsFile.toFile(), Map.class))
                .get("annotations");
    if (annotations == null) {
      annotations = Map.of();
    }
    requireAnnotation(
        errors, annotations, "operators.operatorframework.io.bundle.mediatype.v1", "registry+v1");
    requireAnnotation(
        errors, annotations, "operators.operatorframework.io.bundle.manifests.v1", "manifests/");
    requireAnnotation(
        errors, annotations, "operators.operatorframework.io.bundle.metadata.v1", "metadata/");
    if (blank(annotations.get("operators.operatorframework.io.bundle.package.v1"))) {
      errors.add("[bundle-annotations] package name missing");
    }

    Map<String, Object> csv = null;
    try (Stream<Path> files = Files.list(manifests)) {
      for (Path f : files.sorted().toList()) {
        Map<String, Object> doc = ManifestSync.YAML.readValue(f.toFile(), Map.class);
        if ("ClusterServiceVersion".equals(Objects.toString(doc.get("kind"), ""))) {
          csv = doc;
        }
      }
    }
    Map<String, Object> spec = csv == null ? Map.of() : map(csv.get("spec"));
    for (Map<String, Object> m : list(spec.get("installModes"))) {
      String type = Objects.toString(m.get("type"), "");
      if (!INSTALL_MODES.contains(type)) {
        errors.add("[install-modes] unknown install mode " + type);
      }
    }
    for (Map<String, Object> icon : list(spec.get("icon"))) {
      try {
        Base64.getDecoder()
            .decode(Objects.toString(icon.get("base64data"), "").replaceAll("\\s", ""));
      } catch (IllegalArgumentException e) {
        errors.add("[operatorhub-icon] icon base64data is not valid base64");
      }
    }
    return errors;
  }

  private static void requireAnnotation(
      List<String> errors, Map<String, Object> a, String key, String value) {
    if (!value.equals(a.get(key))) {
      errors.add("[bundle-annotations] " + key + " must be " + value + " but is " + a.get(key));
    }
  }

  private static boolean blank(Object o) {
    return o == null || o.toString().isBlank();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> list(Object o) {
    return o instanceof List<?> l ? (List<Map<String, Object>>) l : List.of();
  }
}
