package io.nodedaemon.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Runs against the built artifact: the native binary after {@code ./mvnw verify -Dnative}, the jar
 * in a plain JVM {@code verify}. The operator starts against a mock API server and reports live and
 * ready.
 */
@QuarkusIntegrationTest
@WithTestResource(NativeOperatorIT.MockApi.class)
class NativeOperatorIT {

  /** Starts the mock API server and points the launched artifact at it. */
  public static class MockApi implements QuarkusTestResourceLifecycleManager {
    MockApiServer api;

    @Override
    public Map<String, String> start() {
      try {
        api = new MockApiServer();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      return Map.of(
          "quarkus.kubernetes-client.api-server-url",
          api.url(),
          "quarkus.kubernetes-client.trust-certs",
          "true",
          "nodedaemon.leader-election.enabled",
          "false");
    }

    @Override
    public void stop() {
      if (api != null) {
        api.close();
      }
    }
  }

  @Test
  void startsLiveAndReady() {
    HttpClient http = HttpClient.newHttpClient();
    int port = Integer.getInteger("quarkus.http.test-port", 8081);
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              for (String path : new String[] {"/q/health/live", "/q/health/ready"}) {
                HttpResponse<String> r =
                    http.send(
                        HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                            .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(path).isEqualTo(200);
              }
            });
  }
}
