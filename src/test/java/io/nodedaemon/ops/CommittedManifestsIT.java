package io.nodedaemon.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Drift check (failsafe, after package): the committed k8s/generated and olm-bundle/ must equal
 * what this build produced in target/nodedaemon-install. Fix with {@code ./mvnw -B package
 * -DskipTests -Dnodedaemon.sync} and commit.
 */
class CommittedManifestsIT {

  @Test
  void committedCopiesEqualTheBuildOutput() throws IOException {
    Path built = Manifests.PROJECT.resolve(ManifestSync.OUTPUT);
    assertThat(built).as("ManifestSync output (package phase)").isDirectory();
    List<String> drift = new ArrayList<>();
    for (String dir : ManifestSync.SYNCED_DIRS) {
      drift.addAll(diff(built.resolve(dir), Manifests.PROJECT.resolve(dir), dir));
    }
    assertThat(drift)
        .as(
            "committed files differ from the build output; run "
                + "./mvnw -B package -DskipTests -Dnodedaemon.sync and commit")
        .isEmpty();
  }

  static List<String> diff(Path expected, Path actual, String label) throws IOException {
    List<String> out = new ArrayList<>();
    List<String> e = files(expected);
    List<String> a = files(actual);
    for (String f : e) {
      if (!a.contains(f)) {
        out.add(label + "/" + f + " missing");
      } else if (Files.mismatch(expected.resolve(f), actual.resolve(f)) != -1) {
        out.add(label + "/" + f + " differs");
      }
    }
    a.stream()
        .filter(f -> !e.contains(f))
        .forEach(f -> out.add(label + "/" + f + " not generated"));
    return out;
  }

  private static List<String> files(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile)
          .map(p -> dir.relativize(p).toString())
          .sorted()
          .toList();
    }
  }
}
