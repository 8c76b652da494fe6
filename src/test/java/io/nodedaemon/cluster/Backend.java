package io.nodedaemon.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Which cluster the end-to-end tests of this run use: {@code -Dnodedaemon.e2e.backend=sim} (the
 * default: the embedded simulated cluster) or {@code real} (the control plane built from upstream's
 * Go modules); {@code -Dnodedaemon.e2e.kubeconfig=FILE} selects an existing cluster instead.
 *
 * <p>Without Go the control plane is not built; its tests are then skipped with one line saying
 * why, except where {@code CI=true} (or {@code -Dnodedaemon.e2e.require-real=true}): there a
 * missing control plane fails the run, so CI can never skip the real backend silently.
 */
public final class Backend {
  private Backend() {}

  public static boolean real() {
    return "real".equals(System.getProperty("nodedaemon.e2e.backend", "sim"))
        || existingKubeconfig().isPresent();
  }

  public static Optional<Path> existingKubeconfig() {
    String file = System.getProperty("nodedaemon.e2e.kubeconfig", "");
    return file.isBlank() ? Optional.empty() : Optional.of(Path.of(file));
  }

  /** Why the real control plane cannot run here, or empty when it can. */
  public static Optional<String> realUnavailable() {
    if (existingKubeconfig().isPresent()) {
      return Optional.empty();
    }
    Path binary = RealControlPlane.BINARIES.resolve("controlplane");
    if (Files.isExecutable(binary)) {
      return Optional.empty();
    }
    return Optional.of(
        binary
            + " is missing: Go was not found when the build ran src/test/go/build.sh,"
            + " so the real control plane was not built (install Go at the version src/test/go/controlplane/go.mod names)");
  }

  /** True where a missing real control plane must fail the run instead of skipping its tests. */
  public static boolean realRequired() {
    return "true".equals(System.getenv("CI")) || Boolean.getBoolean("nodedaemon.e2e.require-real");
  }

  static void requireRealControlPlane() {
    realUnavailable()
        .ifPresent(
            why -> {
              throw new IllegalStateException(why);
            });
  }

  /** The cluster of this run's backend for a test class that starts and owns it. */
  public static TestCluster startCluster() {
    return real()
        ? RealControlPlane.shared()
        : io.nodedaemon.sim.SimulatedCluster.builder()
            .withStandIns(java.time.Duration.ZERO)
            .start();
  }
}
