package io.nodedaemon.ops;

import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A Java rendition of the operator-framework/api bundle checks (pkg/validation/internal: bundle.go,
 * csv.go, operatorhub.go, good_practices.go) that matter for this bundle, so that `mvn verify`
 * validates it without operator-sdk. Each finding starts with its rule id in brackets.
 */
public final class BundleValidator {
  static final long MAX_BUNDLE_BYTES = 1L << 20;
  static final Set<String> INSTALL_MODES = Set.of("OwnNamespace", "SingleNamespace", "MultiNamespace", "AllNamespaces");
  static final Set<String> CAPABILITIES = Set.of("Basic Install", "Seamless Upgrades", "Full Lifecycle",
      "Deep Insights", "Auto Pilot");
  static final Set<String> CATEGORIES = Set.of("AI/Machine Learning", "Application Runtime", "Big Data",
      "Cloud Provider", "Developer Tools", "Database", "Integration & Delivery", "Logging & Tracing",
      "Monitoring", "Modernization & Migration", "Networking", "OpenShift Optional", "Security", "Storage",
      "Streaming & Messaging", "Drivers and plugins");
  static final Set<String> ICON_TYPES = Set.of("image/gif", "image/jpeg", "image/png", "image/svg+xml");
  static final List<String> CHANNEL_PREFIXES = List.of("candidate", "stable", "fast");
  static final Pattern SEMVER = Pattern.compile(
      "^v?(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$");
  static final Pattern EMAIL = Pattern.compile("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$");

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
    // bundle.go: size limit.
    long size;
    try (Stream<Path> files = Files.walk(bundle)) {
      size = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
    if (size > MAX_BUNDLE_BYTES) {
      errors.add("[bundle-size] bundle is " + size + " bytes, more than 1 MiB");
    }
    Map<String, Object> annotations = (Map<String, Object>) ((Map<String, Object>)
        ManifestSync.YAML.readValue(annotationsFile.toFile(), Map.class)).get("annotations");
    if (annotations == null) {
      annotations = Map.of();
    }
    requireAnnotation(errors, annotations, "operators.operatorframework.io.bundle.mediatype.v1", "registry+v1");
    requireAnnotation(errors, annotations, "operators.operatorframework.io.bundle.manifests.v1", "manifests/");
    requireAnnotation(errors, annotations, "operators.operatorframework.io.bundle.metadata.v1", "metadata/");
    if (blank(annotations.get("operators.operatorframework.io.bundle.package.v1"))) {
      errors.add("[bundle-annotations] package name missing");
    }
    List<String> channels = new ArrayList<>();
    String ch = Objects.toString(annotations.get("operators.operatorframework.io.bundle.channels.v1"), "");
    for (String c : ch.split(",")) {
      if (!c.isBlank()) {
        channels.add(c.trim());
      }
    }
    if (channels.isEmpty()) {
      errors.add("[bundle-annotations] no channel");
    }
    Object defaultChannel = annotations.get("operators.operatorframework.io.bundle.channel.default.v1");
    if (defaultChannel != null && !channels.contains(defaultChannel.toString())) {
      errors.add("[bundle-annotations] default channel " + defaultChannel + " is not among " + channels);
    }
    // good_practices.go: channel naming convention.
    for (String c : channels) {
      if (CHANNEL_PREFIXES.stream().noneMatch(c::startsWith)) {
        errors.add("[channel-naming] channel " + c + " does not follow candidate/stable/fast naming");
      }
    }

    // Read manifests: exactly one CSV, CRDs.
    List<Map<String, Object>> csvs = new ArrayList<>();
    List<Map<String, Object>> crds = new ArrayList<>();
    try (Stream<Path> files = Files.list(manifests)) {
      for (Path f : files.sorted().toList()) {
        Map<String, Object> doc = ManifestSync.YAML.readValue(f.toFile(), Map.class);
        String kind = Objects.toString(doc.get("kind"), "");
        if (kind.equals("ClusterServiceVersion")) {
          csvs.add(doc);
        } else if (kind.equals("CustomResourceDefinition")) {
          crds.add(doc);
        }
      }
    }
    if (csvs.size() != 1) {
      errors.add("[bundle-csv] expected exactly one ClusterServiceVersion, found " + csvs.size());
      return errors;
    }
    Map<String, Object> csv = csvs.get(0);
    Map<String, Object> meta = map(csv.get("metadata"));
    Map<String, Object> spec = map(csv.get("spec"));
    Map<String, Object> csvAnnotations = map(meta.get("annotations"));
    if (blank(meta.get("name"))) {
      errors.add("[csv-name] metadata.name missing");
    }
    if (blank(spec.get("version")) || !SEMVER.matcher(spec.get("version").toString()).matches()) {
      errors.add("[csv-version] spec.version is not a semantic version: " + spec.get("version"));
    }
    if (spec.get("minKubeVersion") != null
        && !SEMVER.matcher(spec.get("minKubeVersion").toString()).matches()) {
      errors.add("[min-kube-version] spec.minKubeVersion is not a semantic version: " + spec.get("minKubeVersion"));
    } else if (spec.get("minKubeVersion") == null) {
      errors.add("[min-kube-version] spec.minKubeVersion not set");
    }

    // csv.go: install modes.
    List<Map<String, Object>> modes = list(spec.get("installModes"));
    Set<String> seenModes = new HashSet<>();
    boolean anySupported = false;
    for (Map<String, Object> m : modes) {
      String type = Objects.toString(m.get("type"), "");
      if (!INSTALL_MODES.contains(type)) {
        errors.add("[install-modes] unknown install mode " + type);
      }
      if (!seenModes.add(type)) {
        errors.add("[install-modes] duplicate install mode " + type);
      }
      anySupported |= Boolean.TRUE.equals(m.get("supported"));
    }
    if (modes.isEmpty() || !anySupported) {
      errors.add("[install-modes] at least one supported install mode is required");
    }

    // bundle.go: owned CRDs present in the bundle and every bundled CRD owned.
    List<Map<String, Object>> owned = list(map(spec.get("customresourcedefinitions")).get("owned"));
    Set<String> ownedGvk = new HashSet<>();
    Set<String> bundledCrdVersions = new HashSet<>();
    Map<String, String> groupOf = new java.util.HashMap<>();
    for (Map<String, Object> crd : crds) {
      String name = Objects.toString(map(crd.get("metadata")).get("name"), "");
      Map<String, Object> crdSpec = map(crd.get("spec"));
      groupOf.put(name, Objects.toString(crdSpec.get("group"), ""));
      for (Map<String, Object> v : list(crdSpec.get("versions"))) {
        bundledCrdVersions.add(name + "/" + v.get("name"));
      }
    }
    Set<String> ownedNames = new HashSet<>();
    for (Map<String, Object> o : owned) {
      String key = o.get("name") + "/" + o.get("version");
      ownedNames.add(Objects.toString(o.get("name")));
      if (blank(o.get("name")) || blank(o.get("version")) || blank(o.get("kind"))) {
        errors.add("[owned-crds] owned CRD needs name, version and kind: " + o);
      }
      if (!bundledCrdVersions.contains(key)) {
        errors.add("[owned-crds] owned CRD " + key + " is not in the bundle");
      }
      // good_practices.go: owned CRD description.
      if (blank(o.get("description"))) {
        errors.add("[crd-description] owned CRD " + o.get("name") + " has an empty description");
      }
      ownedGvk.add(groupOf.get(Objects.toString(o.get("name"))) + "/" + o.get("version") + "/" + o.get("kind"));
    }
    for (Map<String, Object> crd : crds) {
      String name = Objects.toString(map(crd.get("metadata")).get("name"), "");
      if (!ownedNames.contains(name)) {
        errors.add("[owned-crds] CRD " + name + " is in the bundle but not owned by the CSV");
      }
    }

    // csv.go: alm-examples parse and match owned kinds.
    Object alm = csvAnnotations.get("alm-examples");
    if (blank(alm)) {
      errors.add("[alm-examples] alm-examples annotation missing");
    } else {
      try {
        List<Map<String, Object>> examples = ManifestSync.JSON.readValue(alm.toString(),
            new TypeReference<List<Map<String, Object>>>() {});
        if (examples.isEmpty()) {
          errors.add("[alm-examples] alm-examples is empty");
        }
        for (Map<String, Object> ex : examples) {
          String gvk = ex.get("apiVersion") + "/" + ex.get("kind");
          if (!ownedGvk.contains(gvk)) {
            errors.add("[alm-examples] example " + gvk + " is not an owned CRD kind " + ownedGvk);
          }
        }
        Set<String> exampleKinds = new HashSet<>();
        examples.forEach(ex -> exampleKinds.add(ex.get("apiVersion") + "/" + ex.get("kind")));
        for (String g : ownedGvk) {
          if (!exampleKinds.contains(g)) {
            errors.add("[alm-examples] no example for owned CRD " + g);
          }
        }
      } catch (IOException e) {
        errors.add("[alm-examples] alm-examples is not a JSON array of objects: " + e.getMessage());
      }
    }

    // operatorhub.go
    if (blank(map(spec.get("provider")).get("name"))) {
      errors.add("[operatorhub-provider] spec.provider.name not specified");
    }
    for (Map<String, Object> m : list(spec.get("maintainers"))) {
      if (blank(m.get("name")) || blank(m.get("email"))) {
        errors.add("[operatorhub-maintainers] maintainers need name and email");
      } else if (!EMAIL.matcher(m.get("email").toString()).matches()) {
        errors.add("[operatorhub-maintainers] invalid email " + m.get("email"));
      }
    }
    for (Map<String, Object> l : list(spec.get("links"))) {
      if (blank(l.get("name")) || blank(l.get("url"))) {
        errors.add("[operatorhub-links] links need name and url");
      } else if (!l.get("url").toString().matches("^https?://\\S+$")) {
        errors.add("[operatorhub-links] invalid url " + l.get("url"));
      }
    }
    Object capability = csvAnnotations.get("capabilities");
    if (capability == null || !CAPABILITIES.contains(capability.toString())) {
      errors.add("[operatorhub-capabilities] " + capability + " is not a valid capability level");
    }
    Object categories = csvAnnotations.get("categories");
    if (categories != null) {
      for (String c : categories.toString().split(",")) {
        if (!CATEGORIES.contains(c.trim())) {
          errors.add("[operatorhub-categories] " + c + " is not a valid category");
        }
      }
    }
    List<Map<String, Object>> icons = list(spec.get("icon"));
    if (icons.size() != 1) {
      errors.add("[operatorhub-icon] exactly one icon is required, found " + icons.size());
    } else {
      Map<String, Object> icon = icons.get(0);
      if (blank(icon.get("base64data")) || blank(icon.get("mediatype"))) {
        errors.add("[operatorhub-icon] icon needs base64data and mediatype");
      } else {
        if (!ICON_TYPES.contains(icon.get("mediatype").toString())) {
          errors.add("[operatorhub-icon] invalid icon mediatype " + icon.get("mediatype"));
        }
        try {
          byte[] data = Base64.getDecoder().decode(icon.get("base64data").toString().replaceAll("\\s", ""));
          if (icon.get("mediatype").equals("image/svg+xml")
              && !new String(data, java.nio.charset.StandardCharsets.UTF_8).contains("<svg")) {
            errors.add("[operatorhub-icon] icon data is not an SVG image");
          }
        } catch (IllegalArgumentException e) {
          errors.add("[operatorhub-icon] icon base64data is not valid base64");
        }
      }
    }
    for (String field : List.of("displayName", "description")) {
      if (blank(spec.get(field))) {
        errors.add("[operatorhub-" + field + "] spec." + field + " is empty");
      }
    }

    // good_practices.go: resource requests of every container of the install deployments.
    List<Map<String, Object>> deployments = list(map(map(spec.get("install")).get("spec")).get("deployments"));
    if (deployments.isEmpty()) {
      errors.add("[resource-requests] unable to find a deployment to install in the CSV");
    }
    for (Map<String, Object> d : deployments) {
      Map<String, Object> podSpec = map(map(map(d.get("spec")).get("template")).get("spec"));
      for (Map<String, Object> c : list(podSpec.get("containers"))) {
        Map<String, Object> requests = map(map(c.get("resources")).get("requests"));
        if (blank(requests.get("cpu")) || blank(requests.get("memory"))) {
          errors.add("[resource-requests] container " + c.get("name") + " has no cpu and memory requests");
        }
        if (blank(c.get("image"))) {
          errors.add("[container-image] container " + c.get("name") + " has no image");
        }
      }
    }
    return errors;
  }

  private static void requireAnnotation(List<String> errors, Map<String, Object> a, String key, String value) {
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
