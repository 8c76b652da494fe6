package io.nodedaemon.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nodedaemon.cluster.GoTools;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed bundle makes a valid file-based catalog, built the way docs/install.md ("Through a
 * catalog") tells a release to build one: {@code opm init} the package, {@code opm render} the
 * bundle, one {@code olm.channel}, {@code opm validate}. opm is operator-framework's
 * (operator-registry's cmd/opm), built from its Go module by src/test/go/build.sh.
 */
class FileBasedCatalogTest {
  static final String PACKAGE = ManifestSync.BUNDLE;
  static final String BUNDLE_IMAGE = "quay.io/nodedaemon/nodedaemon-operator-bundle:v0.1.0";

  @TempDir Path tmp;

  @Test
  void theBundleRendersIntoACatalogThatOpmValidates() throws IOException {
    Path catalog = catalog(channelEntry(bundleName()));

    GoTools.Run validate = GoTools.run("opm", "validate", catalog.toString()).assertOk();

    assertThat(validate.exitCode()).isZero();
  }

  @Test
  void theRenderedBundleCarriesTheCsvsPackageVersionAndApi() throws IOException {
    JsonNode bundle = renderBundle();

    assertThat(bundle.path("schema").asText()).isEqualTo("olm.bundle");
    assertThat(bundle.path("package").asText()).isEqualTo(PACKAGE);
    List<String> properties = new ArrayList<>();
    bundle
        .path("properties")
        .forEach(p -> properties.add(p.path("type").asText() + " " + p.path("value")));
    assertThat(properties)
        .anyMatch(p -> p.startsWith("olm.package ") && p.contains("\"version\":\"0.1.0\""))
        .anyMatch(
            p ->
                p.startsWith("olm.gvk ")
                    && p.contains("\"kind\":\"NodeDaemon\"")
                    && p.contains("\"version\":\"v1alpha1\""));
  }

  /** What shows that validate checks anything: a channel naming a bundle the catalog lacks. */
  @Test
  void opmValidateRefusesAChannelThatNamesNoBundle() throws IOException {
    Path catalog = catalog(channelEntry(PACKAGE + ".v9.9.9"));

    GoTools.Run validate = GoTools.run("opm", "validate", catalog.toString());

    assertThat(validate.exitCode()).as(validate.out()).isNotZero();
    assertThat(validate.out()).contains("not found");
  }

  // ---- building the catalog, as docs/install.md says ----------------------------------------

  /**
   * {@code opm render olm-bundle}: the bundle directory, with the image the release pushes it as.
   */
  JsonNode renderBundle() throws IOException {
    GoTools.Run render =
        GoTools.run(
                "opm",
                Duration.ofSeconds(120),
                "render",
                Manifests.PROJECT.resolve("olm-bundle").toString(),
                "--output=json")
            .assertOk();
    ObjectNode bundle = (ObjectNode) ManifestSync.JSON.readTree(jsonOf(render.out()));
    // A bundle directory has no image: set the one `docker push` gives it (docs/install.md).
    bundle.put("image", BUNDLE_IMAGE);
    return bundle;
  }

  String bundleName() throws IOException {
    return renderBundle().path("name").asText();
  }

  static String channelEntry(String bundle) {
    return "{\"schema\":\"olm.channel\",\"package\":\""
        + PACKAGE
        + "\",\"name\":\"candidate\",\"entries\":[{\"name\":\""
        + bundle
        + "\"}]}";
  }

  /** catalog/nodedaemon-operator/catalog.json: the package, the bundle and the channel. */
  Path catalog(String channel) throws IOException {
    GoTools.Run init =
        GoTools.run("opm", "init", PACKAGE, "--default-channel=candidate", "--output=json")
            .assertOk();
    String blobs =
        jsonOf(init.out())
            + "\n"
            + ManifestSync.JSON.writeValueAsString(renderBundle())
            + "\n"
            + channel
            + "\n";
    Path dir = tmp.resolve("catalog").resolve(PACKAGE);
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("catalog.json"), blobs);
    return tmp.resolve("catalog");
  }

  /** The JSON object opm printed, without any log line before it. */
  static String jsonOf(String out) {
    int start = out.indexOf('{');
    int end = out.lastIndexOf('}');
    assertThat(start).as(out).isNotNegative();
    return out.substring(start, end + 1);
  }
}
