package io.nodedaemon.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Build step (exec-maven-plugin, package phase, after the Quarkus build): turns what
 * quarkus-kubernetes and the bundle generator wrote under target/ into the install artifacts, in
 * target/nodedaemon-install/{k8s/generated,olm-bundle}. It completes the CSV with what the
 * generator cannot fill (alm-examples read from the sample, owned-CRD description and descriptors).
 * With {@code -Dnodedaemon.sync} it also copies them over the committed k8s/generated and
 * olm-bundle/; {@code CommittedManifestsIT} fails the build when those differ.
 */
public final class ManifestSync {
  public static final String BUNDLE = "nodedaemon-operator";
  public static final String OUTPUT = "target/nodedaemon-install";

  /** Committed locations, relative to the project directory, of what the build produces. */
  public static final List<String> SYNCED_DIRS = List.of("k8s/generated", "olm-bundle");

  public static final String SAMPLE = "k8s/samples/fluentd-elasticsearch.yaml";
  public static final String SAMPLE_STAND_IN = "src/test/resources/ops/sample-stand-in.yaml";

  /**
   * The aggregated user roles, written by hand in k8s/ and copied into the bundle, one file each.
   */
  public static final String USER_ROLES = "k8s/rbac/user-roles.yaml";

  // Map.of iterates in a per-JVM random order: sort keys so that every build writes the same bytes.
  static final ObjectMapper YAML = yaml().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  /** For a manifest read from a file: its key order is already stable, and kept. */
  static final ObjectMapper YAML_IN_ORDER = yaml();

  static final ObjectMapper JSON = new ObjectMapper();

  private static ObjectMapper yaml() {
    return new ObjectMapper(
            new LabelQuotingYAMLFactory()
                .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                // A string that looks like a number stays a string (a quantity such as cpu: "1").
                .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
                .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR))
        .enable(SerializationFeature.INDENT_OUTPUT);
  }

  private ManifestSync() {}

  public static void main(String[] args) throws IOException {
    Path base = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
    Path out = base.resolve(OUTPUT);
    if (System.getProperty("nodedaemon.sync") != null) {
      // The pod template's descriptions, from the OpenAPI document of the Kubernetes release the
      // project pins, where Go can find it; otherwise the committed extract stays as it is.
      var upstream = KubernetesDescriptions.upstream(base);
      if (upstream.isPresent()) {
        KubernetesDescriptions.write(base, upstream.get().extract());
        System.out.println("[ManifestSync] refreshed " + KubernetesDescriptions.EXTRACT);
      }
    }
    deleteTree(out);
    generate(base, out);
    if (System.getProperty("nodedaemon.sync") != null) {
      for (String dir : SYNCED_DIRS) {
        deleteTree(base.resolve(dir));
        copyTree(out.resolve(dir), base.resolve(dir));
      }
      System.out.println("[ManifestSync] copied " + SYNCED_DIRS + " into " + base);
    }
  }

  static void generate(Path base, Path out) throws IOException {
    Path k8s = out.resolve("k8s/generated");
    Files.createDirectories(k8s);
    copyWithHeader(
        base.resolve("target/kubernetes/nodedaemons.nodedaemon.io-v1.yml"),
        k8s.resolve("nodedaemons.nodedaemon.io-crd.yaml"));
    copyWithHeader(base.resolve("target/kubernetes/kubernetes.yml"), k8s.resolve("operator.yaml"));

    Path bundle = out.resolve("olm-bundle");
    copyTree(base.resolve("target/bundle/" + BUNDLE), bundle);
    KubernetesDescriptions.Extract descriptions = KubernetesDescriptions.read(base);
    finishCrd(k8s.resolve("nodedaemons.nodedaemon.io-crd.yaml"), descriptions);
    finishCrd(bundle.resolve("manifests/nodedaemons.nodedaemon.io-v1.crd.yml"), descriptions);
    requote(k8s.resolve("operator.yaml"));
    Path csvFile = bundle.resolve("manifests/" + BUNDLE + ".clusterserviceversion.yaml");
    Map<String, Object> csv = YAML.readValue(csvFile.toFile(), Map.class);
    finishCsv(csv, readSamples(base));
    Files.writeString(csvFile, YAML.writeValueAsString(csv));
    copyUserRoles(base.resolve(USER_ROLES), bundle.resolve("manifests"));
  }

  /**
   * Puts each ClusterRole of k8s/rbac/user-roles.yaml into the bundle's manifests as its own file
   * ({@code <name>.clusterrole.yaml}): OLM installs a bundle's ClusterRoles with the operator, and
   * its loader reads one object per file. The quarkus-operator-sdk generator knows only the
   * operator's own RBAC, which it turns into the CSV's permissions.
   */
  @SuppressWarnings("unchecked")
  static void copyUserRoles(Path roles, Path manifests) throws IOException {
    if (!Files.exists(roles)) {
      return;
    }
    try (YAMLParser parser = new YAMLFactory().createParser(roles.toFile())) {
      for (var docs = YAML_IN_ORDER.readValues(parser, Map.class); docs.hasNext(); ) {
        Map<String, Object> doc = docs.next();
        if (doc != null && "ClusterRole".equals(doc.get("kind"))) {
          String name = String.valueOf(((Map<String, Object>) doc.get("metadata")).get("name"));
          Files.writeString(
              manifests.resolve(name + ".clusterrole.yaml"), YAML_IN_ORDER.writeValueAsString(doc));
        }
      }
    }
  }

  /**
   * The release date of this version, as the CSV's {@code createdAt}: set it when the version
   * changes.
   */
  static final String CREATED_AT = "2026-12-01T00:00:00Z";

  /** The column order of {@code kubectl get ds}; the CRD generator emits them in hash order. */
  static final List<String> PRINTER_COLUMN_ORDER =
      List.of(
          "Desired",
          "Current",
          "Ready",
          "Up-to-date",
          "Available",
          "Node Selector",
          "Age",
          "Containers",
          "Images",
          "Selector",
          "Excluded");

  /** What {@code kubectl explain nd} says when the API's classes give the kind no description. */
  static final String KIND_DESCRIPTION =
      "NodeDaemon runs one copy of a pod on every node that qualifies, like an apps/v1 DaemonSet,"
          + " with canary partitions, node-selector rollouts, pause and a progress deadline.";

  /** What spec and status say when the API's classes give them no description. */
  static final Map<String, String> TOP_LEVEL_DESCRIPTIONS =
      Map.of(
          "spec",
              "The desired behaviour of this NodeDaemon: which pod runs on which nodes, and how"
                  + " it is replaced.",
          "status",
              "The most recently observed state of this NodeDaemon, written by the operator."
                  + " Read-only.");

  /**
   * Rewrites a CRD with what the generator cannot express: printer columns in kubectl's DaemonSet
   * order; status.conditions as a map-type list keyed by type (one condition per type, as
   * metav1.Condition lists are; its items' {@code type} is required by {@code ConditionSchema});
   * and descriptions for every field of the pod template, from Kubernetes' own OpenAPI document
   * ({@link KubernetesDescriptions}), so that {@code kubectl explain} explains them.
   */
  /**
   * Finishes a CRD the build generated in place, as the install manifests have it (column order,
   * descriptions, conditions as a map): dev mode's embedded cluster applies it this way.
   */
  public static void finishCrd(Path base, Path crdFile) throws IOException {
    finishCrd(crdFile, KubernetesDescriptions.read(base));
  }

  @SuppressWarnings("unchecked")
  static void finishCrd(Path crdFile, KubernetesDescriptions.Extract descriptions)
      throws IOException {
    String text = Files.readString(crdFile, StandardCharsets.UTF_8);
    StringBuilder header = new StringBuilder();
    for (String line : text.split("\n", -1)) {
      if (!line.startsWith("#")) {
        break;
      }
      header.append(line).append('\n');
    }
    Map<String, Object> crd = YAML.readValue(text, Map.class);
    Map<String, Object> spec = (Map<String, Object>) crd.get("spec");
    for (Map<String, Object> version : (List<Map<String, Object>>) spec.get("versions")) {
      List<Map<String, Object>> columns =
          (List<Map<String, Object>>) version.get("additionalPrinterColumns");
      if (columns != null) {
        columns.sort(
            java.util.Comparator.comparingInt(
                c -> {
                  int i = PRINTER_COLUMN_ORDER.indexOf(String.valueOf(c.get("name")));
                  return i < 0 ? PRINTER_COLUMN_ORDER.size() : i;
                }));
      }
      Map<String, Object> conditions =
          (Map<String, Object>)
              path(
                  version,
                  "schema",
                  "openAPIV3Schema",
                  "properties",
                  "status",
                  "properties",
                  "conditions");
      conditions.put("x-kubernetes-list-type", "map");
      conditions.put("x-kubernetes-list-map-keys", List.of("type"));
      Map<String, Object> schema = (Map<String, Object>) path(version, "schema", "openAPIV3Schema");
      schema.putIfAbsent("description", KIND_DESCRIPTION);
      Map<String, Object> root = (Map<String, Object>) schema.get("properties");
      TOP_LEVEL_DESCRIPTIONS.forEach(
          (field, description) ->
              ((Map<String, Object>) root.get(field)).putIfAbsent("description", description));
      KubernetesDescriptions.fill(
          (Map<String, Object>) path(root, "spec", "properties", "template"),
          KubernetesDescriptions.POD_TEMPLATE_SPEC,
          descriptions);
    }
    Files.writeString(crdFile, header + YAML.writeValueAsString(crd));
  }

  @SuppressWarnings("unchecked")
  private static Object path(Map<String, Object> root, String... keys) {
    Object node = root;
    for (String key : keys) {
      node = ((Map<String, Object>) node).get(key);
      if (node == null) {
        throw new IllegalStateException("generated CRD has no " + String.join(".", keys));
      }
    }
    return node;
  }

  /**
   * Writes a multi-document manifest again through {@link #YAML}, keeping its header comment and
   * key order, so that its label and annotation values are quoted like the bundle's.
   */
  @SuppressWarnings("unchecked")
  static void requote(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    StringBuilder out = new StringBuilder();
    for (String line : text.split("\n", -1)) {
      if (!line.startsWith("#")) {
        break;
      }
      out.append(line).append('\n');
    }
    try (YAMLParser parser = new YAMLFactory().createParser(text)) {
      for (var docs =
              (java.util.Iterator<Map<String, Object>>)
                  (java.util.Iterator<?>) YAML.readValues(parser, Map.class);
          docs.hasNext(); ) {
        Map<String, Object> doc = docs.next();
        if ("ClusterRole".equals(doc == null ? null : doc.get("kind"))) {
          doc.put("rules", trimPrimaryRules((List<Map<String, Object>>) doc.get("rules")));
        }
        if (doc != null && !doc.isEmpty()) {
          out.append("---\n").append(YAML_IN_ORDER.writeValueAsString(doc));
        }
      }
    }
    Files.writeString(file, out.toString());
  }

  /**
   * The generator grants every verb on the NodeDaemon and its subresources; the operator only
   * watches NodeDaemons (and reads one before it patches its status) and patches their status. It
   * never writes a NodeDaemon's spec and sets no finalizer (there is no cleanup to hold it for).
   */
  static List<Map<String, Object>> trimPrimaryRules(List<Map<String, Object>> rules) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Map<String, Object> rule : rules) {
      if (!List.of(NodeDaemonGroup.NAME).equals(rule.get("apiGroups"))) {
        out.add(rule);
        continue;
      }
      out.add(rule(NodeDaemonGroup.NAME, "nodedaemons", "get", "list", "watch"));
      out.add(rule(NodeDaemonGroup.NAME, "nodedaemons/status", "patch"));
    }
    return out;
  }

  private static Map<String, Object> rule(String group, String resource, String... verbs) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("apiGroups", List.of(group));
    r.put("resources", List.of(resource));
    r.put("verbs", List.of(verbs));
    return r;
  }

  /** The API group of the NodeDaemon resource. */
  private static final class NodeDaemonGroup {
    static final String NAME = io.nodedaemon.api.NodeDaemon.GROUP;
  }

  /** Adds what the generator cannot take from {@code @CSVMetadata}. */
  @SuppressWarnings("unchecked")
  static void finishCsv(Map<String, Object> csv, List<Object> samples) throws IOException {
    Map<String, Object> metadata = (Map<String, Object>) csv.get("metadata");
    Map<String, Object> annotations =
        (Map<String, Object>) metadata.computeIfAbsent("annotations", k -> new LinkedHashMap<>());
    // An example to create in the namespace the user picks, not in kube-system.
    for (Object sample : samples) {
      Object sampleMetadata = ((Map<String, Object>) sample).get("metadata");
      if (sampleMetadata instanceof Map<?, ?> m) {
        m.remove("namespace");
      }
    }
    annotations.put(
        "alm-examples", JSON.writerWithDefaultPrettyPrinter().writeValueAsString(samples));
    annotations.put(
        "operators.operatorframework.io/builder", "qosdk-bundle-generator+ManifestSync");
    // What community-operators asks of every CSV. createdAt is the release's date, not the build's,
    // so that the committed bundle stays reproducible.
    annotations.put("createdAt", CREATED_AT);
    annotations.put(
        "support", "NodeDaemon project (https://github.com/nodedaemon/nodedaemon/issues)");
    annotations.put(
        "description",
        "One pod per node, as a DaemonSet, with canaries, pause, a progress deadline "
            + "and explained placement.");

    Map<String, Object> spec = (Map<String, Object>) csv.get("spec");
    Map<String, Object> install =
        (Map<String, Object>) ((Map<String, Object>) spec.get("install")).get("spec");
    for (Map<String, Object> permission :
        (List<Map<String, Object>>) install.getOrDefault("clusterPermissions", List.of())) {
      permission.put(
          "rules", trimPrimaryRules((List<Map<String, Object>>) permission.get("rules")));
    }
    splitPermissions(install);
    // The images the bundle runs, for disconnected mirroring. By tag: no image is published yet,
    // so there is no digest to pin (docs/install.md).
    Map<String, Object> operatorImage = new LinkedHashMap<>();
    operatorImage.put("name", "nodedaemon-operator");
    operatorImage.put("image", annotations.get("containerImage"));
    spec.put("relatedImages", List.of(operatorImage));
    List<Map<String, Object>> owned =
        (List<Map<String, Object>>)
            ((Map<String, Object>) spec.get("customresourcedefinitions")).get("owned");
    for (Map<String, Object> crd : owned) {
      if ("NodeDaemon".equals(crd.get("kind"))) {
        crd.put("displayName", "NodeDaemon");
        crd.put(
            "description",
            "Runs one copy of a pod on every node that qualifies, like an "
                + "apps/v1 DaemonSet, with partitions, node-selector rollouts, pause and a progress deadline.");
        crd.put("resources", List.of(resource("Pod"), resource("ControllerRevision")));
        crd.put(
            "specDescriptors",
            List.of(
                descriptor(
                    "selector",
                    "Selector",
                    "Label query over the pods the NodeDaemon manages.",
                    "urn:alm:descriptor:com.tectonic.ui:selector:core:v1:Pod"),
                descriptor(
                    "template",
                    "Pod Template",
                    "The pod that runs on every qualifying node.",
                    "urn:alm:descriptor:com.tectonic.ui:podTemplate"),
                // Not the console's updateStrategy widget: that one offers a Deployment's Recreate.
                descriptor(
                    "updateStrategy.type",
                    "Update Strategy",
                    "RollingUpdate (default) or OnDelete.",
                    "urn:alm:descriptor:com.tectonic.ui:select:RollingUpdate",
                    "urn:alm:descriptor:com.tectonic.ui:select:OnDelete"),
                descriptor(
                    "updateStrategy.rollingUpdate.paused",
                    "Paused",
                    "Stop replacing pods; new nodes still get pods.",
                    "urn:alm:descriptor:com.tectonic.ui:booleanSwitch"),
                descriptor(
                    "updateStrategy.rollingUpdate.autoRollback",
                    "Auto Rollback",
                    "Roll the pods back by itself when a rollout passes its progress deadline.",
                    "urn:alm:descriptor:com.tectonic.ui:booleanSwitch"),
                descriptor(
                    "minReadySeconds",
                    "Min Ready Seconds",
                    "Seconds a new pod must be Ready to count as available.",
                    "urn:alm:descriptor:com.tectonic.ui:number"),
                descriptor(
                    "progressDeadlineSeconds",
                    "Progress Deadline Seconds",
                    "A rollout without progress for this long is Stalled.",
                    "urn:alm:descriptor:com.tectonic.ui:number")));
        crd.put(
            "statusDescriptors",
            List.of(
                descriptor(
                    "desiredNumberScheduled",
                    "Desired",
                    "Nodes that should run the daemon pod.",
                    "urn:alm:descriptor:text"),
                descriptor(
                    "numberReady",
                    "Ready",
                    "Nodes with a Ready daemon pod.",
                    "urn:alm:descriptor:text"),
                descriptor(
                    "updatedNumberScheduled",
                    "Up-to-date",
                    "Nodes with an updated daemon pod.",
                    "urn:alm:descriptor:text"),
                descriptor(
                    "numberAvailable",
                    "Available",
                    "Nodes with an available daemon pod.",
                    "urn:alm:descriptor:text"),
                descriptor(
                    "conditions",
                    "Conditions",
                    "kstatus conditions: Ready, Reconciling, Stalled.",
                    "urn:alm:descriptor:io.kubernetes.conditions")));
      }
    }
  }

  /** The resources the operator's rules name that are cluster-scoped: the node informer's. */
  static final java.util.Set<String> CLUSTER_SCOPED = java.util.Set.of("nodes");

  /** The resources the operator's rules name that live in a namespace. */
  static final java.util.Set<String> NAMESPACED =
      java.util.Set.of(
          "pods", "controllerrevisions", "events", "leases", "nodedaemons", "nodedaemons/status");

  /**
   * Moves every rule on a namespaced resource from the CSV's {@code clusterPermissions} to its
   * {@code permissions}, merged with the Lease rule already there, one entry per ServiceAccount.
   * OLM grants {@code clusterPermissions} cluster-wide in every install mode, but {@code
   * permissions} only in the target namespaces (OwnNamespace, SingleNamespace), or cluster-wide
   * when the OperatorGroup targets all namespaces: so an install that watches one namespace can
   * create and delete pods in that namespace only, while the node informer keeps its cluster-wide
   * rule. A resource of neither list stops the build: someone must say where its rule belongs.
   */
  @SuppressWarnings("unchecked")
  static void splitPermissions(Map<String, Object> install) {
    Map<String, List<Map<String, Object>>> cluster = new LinkedHashMap<>();
    Map<String, List<Map<String, Object>>> namespaced = new LinkedHashMap<>();
    for (String key : List.of("clusterPermissions", "permissions")) {
      for (Map<String, Object> permission :
          (List<Map<String, Object>>) install.getOrDefault(key, List.of())) {
        String account = String.valueOf(permission.get("serviceAccountName"));
        for (Map<String, Object> rule : (List<Map<String, Object>>) permission.get("rules")) {
          List<String> clusterResources = new ArrayList<>();
          List<String> namespacedResources = new ArrayList<>();
          for (String resource : (List<String>) rule.get("resources")) {
            if (CLUSTER_SCOPED.contains(resource)) {
              clusterResources.add(resource);
            } else if (NAMESPACED.contains(resource)) {
              namespacedResources.add(resource);
            } else {
              throw new IllegalStateException(
                  "CSV rule on '"
                      + resource
                      + "': add it to ManifestSync.CLUSTER_SCOPED or NAMESPACED");
            }
          }
          if (!clusterResources.isEmpty()) {
            cluster
                .computeIfAbsent(account, a -> new ArrayList<>())
                .add(withResources(rule, clusterResources));
          }
          if (!namespacedResources.isEmpty()) {
            namespaced
                .computeIfAbsent(account, a -> new ArrayList<>())
                .add(withResources(rule, namespacedResources));
          }
        }
      }
    }
    install.put("clusterPermissions", permissionBlocks(cluster));
    install.put("permissions", permissionBlocks(namespaced));
  }

  private static Map<String, Object> withResources(
      Map<String, Object> rule, List<String> resources) {
    Map<String, Object> out = new LinkedHashMap<>(rule);
    out.put("resources", resources);
    return out;
  }

  private static List<Map<String, Object>> permissionBlocks(
      Map<String, List<Map<String, Object>>> byAccount) {
    List<Map<String, Object>> out = new ArrayList<>();
    byAccount.forEach(
        (account, rules) -> {
          Map<String, Object> block = new LinkedHashMap<>();
          block.put("rules", rules);
          block.put("serviceAccountName", account);
          out.add(block);
        });
    return out;
  }

  /** Ordered (unlike Map.of) so that the output is byte-for-byte reproducible. */
  private static Map<String, Object> resource(String kind) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("kind", kind);
    r.put("name", "");
    r.put("version", "v1");
    return r;
  }

  private static Map<String, Object> descriptor(
      String path, String displayName, String description, String... xDescriptors) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("path", path);
    d.put("displayName", displayName);
    d.put("description", description);
    d.put("x-descriptors", List.of(xDescriptors));
    return d;
  }

  /** The fluentd-elasticsearch sample (or its stand-in), as alm-examples objects. */
  static List<Object> readSamples(Path base) throws IOException {
    Path sample = base.resolve(SAMPLE);
    if (!Files.exists(sample)) {
      sample = base.resolve(SAMPLE_STAND_IN);
    }
    List<Object> docs = new ArrayList<>();
    try (YAMLParser parser = new YAMLFactory().createParser(sample.toFile())) {
      YAML.readValues(parser, Map.class)
          .forEachRemaining(
              doc -> {
                if (doc != null && !((Map<?, ?>) doc).isEmpty()) {
                  docs.add(doc);
                }
              });
    }
    return docs;
  }

  private static void copyWithHeader(Path from, Path to) throws IOException {
    String header =
        "# GENERATED by the build from "
            + from.getFileName()
            + " (quarkus-kubernetes / quarkus-operator-sdk); do not edit.\n"
            + "# Regenerate: ./mvnw -B package -DskipTests -Dnodedaemon.sync\n";
    Files.writeString(to, header + Files.readString(from, StandardCharsets.UTF_8));
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : files.sorted().toList()) {
        Path target = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else {
          Files.createDirectories(target.getParent());
          Files.copy(f, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  public static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files
          .sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.delete(p);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    }
  }
}
