package io.nodedaemon.cluster;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The kubectl built from {@code k8s.io/kubectl}'s release (src/test/go), run against a kubeconfig.
 */
public final class Kubectl {

  private final Path kubeconfig;

  public Kubectl(Path kubeconfig) {
    this.kubeconfig = kubeconfig;
  }

  /**
   * Runs {@code kubectl --kubeconfig=... args} from the project directory (stdout and stderr
   * together).
   */
  public GoTools.Run run(String... args) {
    List<String> all = new ArrayList<>(List.of("--kubeconfig=" + kubeconfig));
    all.addAll(List.of(args));
    return GoTools.run("kubectl", Duration.ofSeconds(120), all.toArray(String[]::new));
  }
}
