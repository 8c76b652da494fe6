package io.nodedaemon.ops;

import io.fabric8.kubernetes.client.Config;
import io.quarkus.kubernetes.client.KubernetesConfigCustomizer;
import jakarta.inject.Singleton;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Names the replica in every request's User-Agent: {@code nodedaemon-operator/<version>
 * (<replica>)}, where the replica is the identity it holds the Lease under (pod name by default).
 *
 * <p>Why: all replicas share one ServiceAccount, so the API server's audit log (and its APF/metrics
 * labels) cannot tell them apart by user; the User-Agent can. After a failover an audit log then
 * shows which replica made each write, in production as in the frozen-leader test
 * (docs/reliability.md). fabric8's default ({@code fabric8-kubernetes-client/<v>}) names no one,
 * and Quarkus' client has no user-agent setting, hence this customizer.
 */
@Singleton
public class ReplicaUserAgent implements KubernetesConfigCustomizer {

  static final String PRODUCT = "nodedaemon-operator";

  private final String userAgent;

  ReplicaUserAgent(
      LeaderElectionSettings election,
      @ConfigProperty(name = "quarkus.application.version", defaultValue = "unknown")
          String version) {
    this.userAgent =
        of(
            version,
            election
                .identity()
                .or(() -> Optional.ofNullable(System.getenv("POD_NAME")))
                .or(() -> Optional.ofNullable(System.getenv("HOSTNAME"))));
  }

  /** The User-Agent for {@code version} and the replica's identity, if it has one. */
  static String of(String version, Optional<String> replica) {
    String base = PRODUCT + "/" + version;
    return replica
        .map(String::strip)
        .filter(r -> !r.isEmpty())
        // A header value: no control characters (an identity is a pod name, but bad input never
        // throws).
        .map(r -> base + " (" + r.replaceAll("[\\p{Cntrl}()]", "_") + ")")
        .orElse(base);
  }

  @Override
  public void customize(Config config) {
    config.setUserAgent(userAgent);
  }
}
