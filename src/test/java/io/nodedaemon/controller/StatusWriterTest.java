package io.nodedaemon.controller;

import static io.nodedaemon.planner.PlannerFixtures.daemon;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What a status write costs on the wire, against a mock API server that records every request. */
class StatusWriterTest {

  private KubernetesMockServer server;

  @BeforeEach
  void start() {
    server = new KubernetesMockServer(false);
    server.init();
  }

  @AfterEach
  void stop() {
    server.destroy();
  }

  @Test
  void aStatusWriteIsOnePatchAndNoRead() throws Exception {
    NodeDaemon d = daemon();
    d.getMetadata().setResourceVersion("7");
    String path = "/apis/nodedaemon.io/v1alpha1/namespaces/default/nodedaemons/foo/status";
    server.expect().patch().withPath(path).andReturn(200, d).always();
    server
        .expect()
        .get()
        .withPath("/apis/nodedaemon.io/v1alpha1/namespaces/default/nodedaemons/foo")
        .andReturn(200, d)
        .always();
    StatusWriter writer = new StatusWriter(server.createClient());
    NodeDaemonStatus status = new NodeDaemonStatus();
    status.setDesiredNumberScheduled(3);

    writer.write(d, status, false);
    writer.write(d, status, false);

    List<String> requests = new ArrayList<>();
    for (RecordedRequest r; (r = server.takeRequest(100, TimeUnit.MILLISECONDS)) != null; ) {
      requests.add(r.getMethod() + " " + r.getPath());
    }
    assertThat(requests)
        .as("one merge patch of the status subresource; the unchanged second write is skipped")
        .containsExactly("PATCH " + path);
  }
}
