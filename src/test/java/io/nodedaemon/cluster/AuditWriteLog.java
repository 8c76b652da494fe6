package io.nodedaemon.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nodedaemon.sim.WriteLog;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/**
 * The operator's writes on the real control plane, read from kube-apiserver's audit log (one JSON
 * event per line, written before the response is sent): each create, update, patch or delete made
 * with the operator's ServiceAccount becomes a {@link WriteLog} line in the simulated cluster's
 * form, {@code "POST /api/v1/namespaces/x/pods"}.
 */
final class AuditWriteLog {
  private static final Map<String, String> METHODS =
      Map.of(
          "create",
          "POST",
          "update",
          "PUT",
          "patch",
          "PATCH",
          "delete",
          "DELETE",
          "deletecollection",
          "DELETE");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;
  private final String user;
  private final WriteLog log = new WriteLog(this::readNewEvents);
  private long offset;
  private String partial = "";

  AuditWriteLog(Path file, String user) {
    this.file = file;
    this.user = user;
  }

  WriteLog log() {
    return log;
  }

  private void readNewEvents() {
    if (file == null || !Files.exists(file)) {
      return;
    }
    try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
      long length = in.length();
      if (length <= offset) {
        return;
      }
      byte[] bytes = new byte[(int) (length - offset)];
      in.seek(offset);
      in.readFully(bytes);
      offset = length;
      String text = partial + new String(bytes, StandardCharsets.UTF_8);
      int end = text.lastIndexOf('\n');
      partial = text.substring(end + 1);
      for (String line : text.substring(0, Math.max(end, 0)).split("\n")) {
        record(line);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void record(String line) throws IOException {
    if (line.isBlank()) {
      return;
    }
    JsonNode event = JSON.readTree(line);
    String method = METHODS.get(event.path("verb").asText());
    if (method != null
        && user.equals(event.path("user").path("username").asText())
        && "ResponseComplete".equals(event.path("stage").asText())) {
      String uri = event.path("requestURI").asText();
      int query = uri.indexOf('?');
      log.record(
          method + " " + (query < 0 ? uri : uri.substring(0, query)),
          Instant.parse(event.path("requestReceivedTimestamp").asText()),
          event.path("userAgent").asText(),
          event.path("responseStatus").path("code").asInt(0));
    }
  }
}
