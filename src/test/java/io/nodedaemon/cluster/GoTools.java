package io.nodedaemon.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The Go programs the build makes from upstream modules (src/test/go/build.sh), for plain JUnit
 * tests.
 */
public final class GoTools {
  private GoTools() {}

  /** What one run printed (stdout and stderr together), and its exit code. */
  public record Run(int exitCode, String out) {
    public Run assertOk() {
      if (exitCode != 0) {
        throw new AssertionError("exited with " + exitCode + ":\n" + out);
      }
      return this;
    }
  }

  /**
   * The program's path; without it the calling test is skipped with the reason, or fails where
   * {@link Backend#realRequired()} (CI), so CI never skips it silently.
   */
  public static Path require(String name) {
    Path binary = RealControlPlane.BINARIES.resolve(name).toAbsolutePath();
    if (!Files.isExecutable(binary) && !Backend.realRequired()) {
      Assumptions.abort(
          binary + " is missing: Go was not found when the build ran src/test/go/build.sh");
    }
    if (!Files.isExecutable(binary)) {
      throw new IllegalStateException(
          binary + " is missing although CI requires it: src/test/go/build.sh did not build it");
    }
    return binary;
  }

  public static Run run(String name, String... args) {
    return run(name, Duration.ofSeconds(60), args);
  }

  /**
   * Runs the program with {@code args}, from the project directory, for at most {@code timeout}.
   */
  public static Run run(String name, Duration timeout, String... args) {
    List<String> command = new ArrayList<>(List.of(require(name).toString()));
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(
            name
                + " "
                + String.join(" ", args)
                + " did not finish in "
                + timeout.toSeconds()
                + " s");
      }
      return new Run(p.exitValue(), out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
