package io.nodedaemon.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.nodedaemon.cluster.GoTools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The committed olm-bundle/ passes operator-framework's own validators (the Go module behind {@code
 * operator-sdk bundle validate --select-optional suite=operatorframework}, built by src/test/go),
 * and each fault, given a bundle copy broken in exactly that way, is caught: by those validators,
 * or, for the few rules they do not check, by {@link BundleValidator}, never by both.
 */
class BundleValidatorTest {
  static final Path BUNDLE = Manifests.PROJECT.resolve("olm-bundle");
  static final String CSV = "manifests/" + ManifestSync.BUNDLE + ".clusterserviceversion.yaml";

  @TempDir Path tmp;

  static GoTools.Run operatorFramework(Path bundle) {
    return GoTools.run("bundlevalidate", "--fail-on-warnings", bundle.toString());
  }

  @Test
  void committedBundlePassesOperatorFrameworksValidators() throws IOException {
    GoTools.Run run = operatorFramework(BUNDLE);
    assertThat(run.exitCode()).as(run.out()).isZero();
    assertThat(run.out()).contains("0 errors, 0 warnings");
    assertThat(BundleValidator.validate(BUNDLE)).isEmpty();
    assertThat(BUNDLE.resolve("bundle.Dockerfile"))
        .content()
        .contains("FROM scratch")
        .contains("COPY manifests /manifests/");
  }

  interface Mutation {
    void apply(Path bundle, Map<String, Object> csv) throws IOException;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> m(Object o, String key) {
    return (Map<String, Object>) ((Map<String, Object>) o).get(key);
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> l(Object o, String key) {
    return (List<Map<String, Object>>) ((Map<String, Object>) o).get(key);
  }

  static Map<String, Object> ann(Map<String, Object> csv) {
    return m(m(csv, "metadata"), "annotations");
  }

  static Map<String, Object> ownedCrd(Map<String, Object> csv) {
    return l(m(m(csv, "spec"), "customresourcedefinitions"), "owned").get(0);
  }

  static Map<String, Object> container(Map<String, Object> csv) {
    var deployment = l(m(m(csv, "spec"), "install").get("spec"), "deployments").get(0);
    return l(m(m(deployment, "spec"), "template").get("spec"), "containers").get(0);
  }

  static Arguments broken(String rule, Mutation mutation) {
    return Arguments.of(rule, mutation);
  }

  static Stream<Arguments> faults() {
    return Stream.of(
        broken("bundle-layout", (b, csv) -> Files.delete(b.resolve("metadata/annotations.yaml"))),
        broken(
            "bundle-annotations",
            (b, csv) ->
                replaceIn(b.resolve("metadata/annotations.yaml"), "registry+v1", "plain+v0")),
        broken("bundle-size", (b, csv) -> Files.write(b.resolve("padding.bin"), new byte[1 << 20])),
        broken(
            "bundle-csv",
            (b, csv) ->
                Files.copy(
                    b.resolve(CSV), b.resolve("manifests/second.clusterserviceversion.yaml"))),
        broken(
            "owned-crds",
            (b, csv) -> {
              try (Stream<Path> f = Files.list(b.resolve("manifests"))) {
                for (Path p :
                    f.filter(p -> p.getFileName().toString().contains(".crd.")).toList()) {
                  Files.delete(p);
                }
              }
            }),
        broken("owned-crds", (b, csv) -> ownedCrd(csv).put("version", "v9")),
        broken("alm-examples", (b, csv) -> ann(csv).put("alm-examples", "{not json")),
        broken(
            "alm-examples",
            (b, csv) ->
                ann(csv)
                    .put("alm-examples", "[{\"apiVersion\":\"apps/v1\",\"kind\":\"DaemonSet\"}]")),
        broken("alm-examples", (b, csv) -> ann(csv).remove("alm-examples")),
        broken(
            "install-modes",
            (b, csv) -> l(m(csv, "spec"), "installModes").forEach(x -> x.put("supported", false))),
        broken(
            "install-modes",
            (b, csv) -> l(m(csv, "spec"), "installModes").get(0).put("type", "EveryNamespace")),
        broken("min-kube-version", (b, csv) -> m(csv, "spec").put("minKubeVersion", "1.25")),
        broken("csv-version", (b, csv) -> m(csv, "spec").put("version", "latest")),
        broken(
            "operatorhub-icon",
            (b, csv) -> l(m(csv, "spec"), "icon").get(0).put("mediatype", "image/bmp")),
        broken(
            "operatorhub-icon",
            (b, csv) -> l(m(csv, "spec"), "icon").get(0).put("base64data", "%%%not-base64")),
        broken("operatorhub-icon", (b, csv) -> m(csv, "spec").remove("icon")),
        broken(
            "operatorhub-categories",
            (b, csv) -> ann(csv).put("categories", "Application Runtime,Daemons")),
        broken(
            "operatorhub-capabilities",
            (b, csv) -> ann(csv).put("capabilities", "Fully Automatic")),
        broken("operatorhub-provider", (b, csv) -> m(m(csv, "spec"), "provider").remove("name")),
        broken(
            "operatorhub-maintainers",
            (b, csv) -> l(m(csv, "spec"), "maintainers").get(0).put("email", "nobody")),
        broken(
            "operatorhub-links",
            (b, csv) -> l(m(csv, "spec"), "links").get(0).put("url", "not a url")),
        broken("resource-requests", (b, csv) -> m(container(csv), "resources").remove("requests")),
        broken("crd-description", (b, csv) -> ownedCrd(csv).put("description", "")),
        broken(
            "channel-naming",
            (b, csv) ->
                replaceIn(
                    b.resolve("metadata/annotations.yaml"),
                    ".v1: candidate",
                    ".v1: mychannel-4.5")));
  }

  @ParameterizedTest(name = "[{index}] rule {0}")
  @MethodSource("faults")
  @SuppressWarnings("unchecked")
  void eachRuleCatchesItsFault(String rule, Mutation mutation) throws IOException {
    Path copy = tmp.resolve("bundle");
    ManifestSync.copyTree(BUNDLE, copy);
    Path csvFile = copy.resolve(CSV);
    Map<String, Object> csv = ManifestSync.YAML.readValue(csvFile.toFile(), Map.class);
    mutation.apply(copy, csv);
    if (Files.exists(csvFile)) {
      Files.writeString(csvFile, ManifestSync.YAML.writeValueAsString(csv));
    }
    GoTools.Run upstream = operatorFramework(copy);
    boolean ours =
        BundleValidator.validate(copy).stream().anyMatch(e -> e.startsWith("[" + rule + "]"));
    assertThat(upstream.exitCode() != 0 || ours)
        .as("the fault %s is caught: %s", rule, upstream.out())
        .isTrue();
    assertThat(upstream.exitCode() != 0 && ours)
        .as("%s is checked by operator-framework's validators and ours", rule)
        .isFalse();
  }

  private static void replaceIn(Path file, String from, String to) throws IOException {
    String s = Files.readString(file);
    assertThat(s).contains(from);
    Files.writeString(file, s.replace(from, to));
  }
}
