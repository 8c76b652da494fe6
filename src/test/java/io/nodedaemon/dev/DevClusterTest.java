package io.nodedaemon.dev;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nodedaemon.dev.DevCluster.Choice;
import org.junit.jupiter.api.Test;

/** Which cluster {@code ./mvnw quarkus:dev} runs against (README, "Dev mode"). */
class DevClusterTest {

  @Test
  void autoUsesAConfiguredClusterAndOtherwiseTheEmbeddedOne() {
    assertThat(DevCluster.choose("auto", true)).isEqualTo(Choice.KUBECONFIG);
    assertThat(DevCluster.choose("auto", false)).isEqualTo(Choice.SIM);
    assertThat(DevCluster.choose(null, false)).isEqualTo(Choice.SIM);
    assertThat(DevCluster.choose(" AUTO ", true)).isEqualTo(Choice.KUBECONFIG);
  }

  @Test
  void anExplicitChoiceWinsOverAConfiguredCluster() {
    assertThat(DevCluster.choose("sim", true)).isEqualTo(Choice.SIM);
    assertThat(DevCluster.choose("real", true)).isEqualTo(Choice.REAL);
    assertThat(DevCluster.choose("kubeconfig", false)).isEqualTo(Choice.KUBECONFIG);
  }

  @Test
  void anUnknownChoiceIsAClearError() {
    assertThatThrownBy(() -> DevCluster.choose("kind", false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nodedaemon.dev.cluster=kind")
        .hasMessageContaining("auto (the default), sim, real, kubeconfig");
  }
}
