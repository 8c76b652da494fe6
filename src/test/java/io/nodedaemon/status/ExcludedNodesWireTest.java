package io.nodedaemon.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.nodedaemon.api.ExcludedNodeGroup;
import io.nodedaemon.api.NodeDaemonStatus;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * SPEC §8: excludedNodes is absent when every node qualifies. The status goes out as a JSON merge
 * patch (StatusWriter), where a missing field keeps the server's old value and only null removes
 * it: an emptied list must be sent as null.
 */
class ExcludedNodesWireTest {

  @Test
  void anEmptyListIsSentAsNullSoTheMergePatchRemovesTheField() {
    NodeDaemonStatus status = new NodeDaemonStatus();
    status.setExcludedNodes(List.of());

    assertThat(status.getExcludedNodes()).isNull();
    assertThat(Serialization.asJson(Map.of("status", status))).contains("\"excludedNodes\":null");
  }

  @Test
  void groupsAreSentWithTheirFields() {
    NodeDaemonStatus status = new NodeDaemonStatus();
    status.setExcludedNodes(
        List.of(
            new ExcludedNodeGroup(
                "UntoleratedTaint", "taint a:NoSchedule not tolerated", 2, List.of("n1", "n2"))));

    String json = Serialization.asJson(status);
    assertThat(json)
        .contains(
            "\"excludedNodes\":[{\"reason\":\"UntoleratedTaint\",\"message\":\"taint a:NoSchedule not tolerated\","
                + "\"count\":2,\"nodes\":[\"n1\",\"n2\"]}]");
    assertThat(Serialization.unmarshal(json, NodeDaemonStatus.class)).isEqualTo(status);
  }
}
