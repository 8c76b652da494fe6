package io.nodedaemon.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReplicaUserAgentTest {

  @Test
  void namesTheReplicaWhenItHasAnIdentity() {
    assertThat(ReplicaUserAgent.of("0.1.0", Optional.of("nodedaemon-operator-5d9f-x2")))
        .isEqualTo("nodedaemon-operator/0.1.0 (nodedaemon-operator-5d9f-x2)");
  }

  @Test
  void withoutAnIdentityOnlyTheProduct() {
    assertThat(ReplicaUserAgent.of("0.1.0", Optional.empty()))
        .isEqualTo("nodedaemon-operator/0.1.0");
    assertThat(ReplicaUserAgent.of("0.1.0", Optional.of("  ")))
        .isEqualTo("nodedaemon-operator/0.1.0");
  }

  @Test
  void badCharactersDoNotReachTheHeader() {
    assertThat(ReplicaUserAgent.of("0.1.0", Optional.of("a\nb(c)")))
        .isEqualTo("nodedaemon-operator/0.1.0 (a_b_c_)");
  }

  @Test
  void setsTheClientsUserAgent() {
    Config config = new ConfigBuilder().build();
    new ReplicaUserAgent(LeaderElectionTest.settings("replica-7", true), "1.2.3").customize(config);
    assertThat(config.getUserAgent()).isEqualTo("nodedaemon-operator/1.2.3 (replica-7)");
  }
}
