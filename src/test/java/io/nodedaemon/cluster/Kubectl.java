package io.nodedaemon.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The kubectl built from {@code k8s.io/kubectl}'s release (src/test/go), run against a kubeconfig. */
public final class Kubectl {

  /** What one kubectl call printed, and its exit code. */
  public record Result(int exitCode, String out) {
    public Result assertOk() {
      if (exitCode != 0) {
        throw new AssertionError("kubectl exited with " + exitCode + ":\n" + out);
      }
      return this;
    }
  }

  private final Path kubeconfig;

  public Kubectl(Path kubeconfig) {
    this.kubeconfig = kubeconfig;
  }

  public static Path binary() {
    return RealControlPlane.BINARIES.resolve("kubectl").toAbsolutePath();
  }

  /** Runs {@code kubectl --kubeconfig=... args} from the project directory (stdout and stderr together). */
  public Result run(String... args) {
    List<String> command = new ArrayList<>(List.of(binary().toString(), "--kubeconfig=" + kubeconfig));
    command.addAll(List.of(args));
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(120, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("kubectl " + String.join(" ", args) + " did not finish in 120 s");
      }
      return new Result(process.exitValue(), out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
