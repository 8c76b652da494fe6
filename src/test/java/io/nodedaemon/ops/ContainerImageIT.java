package io.nodedaemon.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The JVM image that Jib built during {@code package} (profile image-tar, {@code
 * -Dnodedaemon.image.tar}), read from the Docker image tarball it wrote: the config a container
 * runtime will run (user, entrypoint, JVM flags, labels, port) and the files the entrypoint needs.
 * Without the profile there is no image and the test is skipped; in CI ({@code CI=true}), which
 * builds it, a missing image fails.
 */
class ContainerImageIT {
  static final Path TARBALL = Manifests.PROJECT.resolve("target/nodedaemon-operator-image.tar");

  /** The image's tarball entries: manifest.json, the config, the layers, by name. */
  static Map<String, byte[]> entries;

  static JsonNode manifest;
  static JsonNode config;

  @BeforeAll
  static void readImage() throws IOException {
    Properties artifact = new Properties();
    Path artifactFile = Manifests.PROJECT.resolve("target/quarkus-artifact.properties");
    if (Files.exists(artifactFile)) {
      try (InputStream in = Files.newInputStream(artifactFile)) {
        artifact.load(in);
      }
    }
    // Only an image this build made: a tarball left by an earlier build is not evidence.
    boolean built = "jar-container".equals(artifact.getProperty("type")) && Files.exists(TARBALL);
    if (!built && !"true".equals(System.getenv("CI"))) {
      Assumptions.abort("no image built: run the build with -Dnodedaemon.image.tar");
    }
    assertThat(built)
        .as("CI builds the image (.ci/run: -Dnodedaemon.image.tar); %s", artifactFile)
        .isTrue();
    entries = untar(Files.newInputStream(TARBALL), false);
    manifest = ManifestSync.JSON.readTree(entries.get("manifest.json")).get(0);
    config = ManifestSync.JSON.readTree(entries.get(manifest.path("Config").asText()));
  }

  @Test
  void runsAsTheNonRootUserTheDeploymentExpects() {
    // runAsNonRoot in the Deployment needs a numeric user id: the kubelet cannot tell whether a
    // user name is root.
    String user = config.at("/config/User").asText();
    assertThat(user).matches("[0-9]+");
    assertThat(Integer.parseInt(user)).isNotZero();
    assertThat(user).isEqualTo(dockerfileJvm("USER"));
  }

  @Test
  void entrypointIsRunJavaOnTheQuarkusJarThatTheImageCarries() throws IOException {
    assertThat(texts(config.at("/config/Entrypoint")))
        .containsExactly("/opt/jboss/container/java/run/run-java.sh");
    Map<String, String> env = env();
    String jar = env.get("JAVA_APP_JAR");
    assertThat(jar).isEqualTo(config.at("/config/WorkingDir").asText() + "/quarkus-run.jar");
    List<String> files = filesInLayers();
    assertThat(files).contains(jar.substring(1));
    assertThat(files)
        .anyMatch(f -> f.startsWith("home/jboss/lib/main/") && f.endsWith(".jar"))
        .anyMatch(f -> f.startsWith("home/jboss/app/") && f.endsWith(".jar"))
        .contains("home/jboss/quarkus/quarkus-application.dat");
  }

  /** The flags docs/operations.md sizes the operator with ("Memory: what the operator caches"). */
  @Test
  void jvmFlagsAreTheMeasuredFootprintFlags() {
    Map<String, String> env = env();
    assertThat(env.get("JAVA_OPTS_APPEND"))
        .contains(
            "-XX:MaxRAMPercentage=40",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-Djava.util.logging.manager=org.jboss.logmanager.LogManager");
    assertThat(env).containsEntry("MALLOC_ARENA_MAX", "2");
    // The same flags as the Dockerfile that builds the image with a container engine.
    assertThat(env.get("JAVA_OPTS_APPEND")).isEqualTo(dockerfileJvmEnv("JAVA_OPTS_APPEND"));
    assertThat(env.get("MALLOC_ARENA_MAX")).isEqualTo(dockerfileJvmEnv("MALLOC_ARENA_MAX"));
  }

  @Test
  void labelsNameTheOperatorAndItsVersion() {
    JsonNode labels = config.at("/config/Labels");
    assertThat(labels.path("org.opencontainers.image.title").asText()).isNotBlank();
    assertThat(labels.path("org.opencontainers.image.source").asText()).startsWith("https://");
    assertThat(labels.path("org.opencontainers.image.version").asText())
        .isEqualTo(tagOf(deploymentImage()));
    labels.fields().forEachRemaining(l -> assertThat(l.getValue().isTextual()).isTrue());
  }

  @Test
  void imageIsTheOneTheManifestsRunOnThePortTheyProbe() {
    assertThat(texts(manifest.path("RepoTags"))).containsExactly(deploymentImage());
    Container container = deployment().getSpec().getTemplate().getSpec().getContainers().get(0);
    int port = container.getPorts().get(0).getContainerPort();
    assertThat(config.at("/config/ExposedPorts").has(port + "/tcp")).isTrue();
  }

  /** No build time in the image, so the same sources give the same digest. */
  @Test
  void buildIsReproducible() {
    assertThat(config.path("created").asText()).isEqualTo("1970-01-01T00:00:00Z");
  }

  // ---- helpers ----------------------------------------------------------------------------------

  static Map<String, String> env() {
    Map<String, String> env = new LinkedHashMap<>();
    config
        .at("/config/Env")
        .forEach(
            e -> {
              String[] kv = e.asText().split("=", 2);
              env.put(kv[0], kv.length > 1 ? kv[1] : "");
            });
    return env;
  }

  static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  /** Every path in the image's layers, without the leading slash. */
  static List<String> filesInLayers() throws IOException {
    List<String> files = new ArrayList<>();
    for (JsonNode layer : manifest.path("Layers")) {
      byte[] blob = entries.get(layer.asText());
      files.addAll(untar(new java.io.ByteArrayInputStream(blob), true).keySet());
    }
    return files;
  }

  /** The entries of a tar stream (gzip-compressed if {@code gzip}); names only for layers. */
  static Map<String, byte[]> untar(InputStream in, boolean gzip) throws IOException {
    Map<String, byte[]> out = new HashMap<>();
    try (TarArchiveInputStream tar =
        new TarArchiveInputStream(gzip ? new GZIPInputStream(in) : in)) {
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        String name = e.getName().replaceFirst("^\\./", "").replaceFirst("^/", "");
        out.put(name, gzip ? new byte[0] : tar.readAllBytes());
      }
    }
    return out;
  }

  static Deployment deployment() {
    try {
      return Manifests.ofKind(
              Manifests.load(Manifests.PROJECT.resolve("k8s/generated/operator.yaml")),
              Deployment.class)
          .get(0);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static String deploymentImage() {
    return deployment().getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
  }

  static String tagOf(String image) {
    return image.substring(image.lastIndexOf(':') + 1);
  }

  /** The value of an instruction (e.g. USER) in src/main/docker/Dockerfile.jvm. */
  static String dockerfileJvm(String instruction) {
    for (String line : dockerfileLines()) {
      if (line.startsWith(instruction + " ")) {
        return line.substring(instruction.length() + 1).trim();
      }
    }
    throw new AssertionError("Dockerfile.jvm has no " + instruction);
  }

  /** The value of {@code ENV name="value"} or {@code ENV name=value} in Dockerfile.jvm. */
  static String dockerfileJvmEnv(String name) {
    Pattern env = Pattern.compile("^ENV " + Pattern.quote(name) + "=(\"([^\"]*)\"|(\\S+))$");
    for (String line : dockerfileLines()) {
      Matcher m = env.matcher(line);
      if (m.matches()) {
        return m.group(2) != null ? m.group(2) : m.group(3);
      }
    }
    throw new AssertionError("Dockerfile.jvm has no ENV " + name);
  }

  private static List<String> dockerfileLines() {
    try {
      return Files.readAllLines(
          Manifests.PROJECT.resolve("src/main/docker/Dockerfile.jvm"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
