package io.nodedaemon.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

/** Which update strategy a NodeDaemon uses, and its rolling-update parameters. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NodeDaemonUpdateStrategy {

  /** The two strategies of apps/v1 DaemonSet; the constants carry the API spelling. */
  public enum Type {
    RollingUpdate,
    OnDelete
  }

  @Default("RollingUpdate")
  @JsonPropertyDescription(
      "RollingUpdate (default) replaces old pods automatically within the budget; OnDelete replaces a pod only after someone deletes it.")
  private Type type;

  // Defaulted whatever the type (a schema default cannot depend on a sibling): with OnDelete the
  // defaulted budget is shown but not read.
  @Default("{}")
  @JsonPropertyDescription("Rolling update parameters; only read when type is RollingUpdate.")
  private RollingUpdateNodeDaemon rollingUpdate;

  public Type getType() {
    return type;
  }

  public void setType(Type type) {
    this.type = type;
  }

  public RollingUpdateNodeDaemon getRollingUpdate() {
    return rollingUpdate;
  }

  public void setRollingUpdate(RollingUpdateNodeDaemon rollingUpdate) {
    this.rollingUpdate = rollingUpdate;
  }
}
