package io.nodedaemon.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.Map;

/**
 * The CRD schema of {@code spec.template.metadata} (read only by the CRD generator, through
 * {@code @SchemaSwap}): every field of ObjectMeta, as before, with the labels bounded because the
 * CEL rules of {@link NodeDaemonSpec} walk them (see {@link SchemaLimits}).
 */
final class PodTemplateMetadataSchema extends ObjectMeta {

  @JsonProperty("labels")
  @Size(max = SchemaLimits.LABELS)
  @JsonPropertyDescription(
      "Labels of every daemon pod; must match spec.selector and may not use controller-revision-hash (the operator sets it).")
  private Map<String, @Size(max = SchemaLimits.LABEL_VALUE) String> labels;

  private PodTemplateMetadataSchema() {}

  @Override
  public Map<String, String> getLabels() {
    return labels;
  }

  @Override
  public void setLabels(Map<String, String> labels) {
    this.labels = labels;
  }
}
