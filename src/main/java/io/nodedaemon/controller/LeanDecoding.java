package io.nodedaemon.controller;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.quarkus.kubernetes.client.KubernetesClientObjectMapperCustomizer;
import jakarta.inject.Singleton;

/**
 * Makes the operator's client skip, while decoding, what the operator never reads: a Node's status
 * and every object's {@code managedFields}. The informers' first lists are decoded on one
 * event-loop thread, and at 5,000 nodes that decoding was most of the start-up
 * (docs/benchmarks.md): a real node's status (images, conditions, capacity, addresses) and its
 * managedFields are most of its 10–20 KB. The lean caches ({@link LeanCaches}) drop both anyway;
 * this drops them before they are built. Writing is unchanged (a Node the operator wrote would keep
 * its status), and only this process's client is affected.
 */
@Singleton
public class LeanDecoding implements KubernetesClientObjectMapperCustomizer {

  @Override
  public void customize(ObjectMapper mapper) {
    mapper.addMixIn(Node.class, NodeWithoutStatus.class);
    mapper.addMixIn(ObjectMeta.class, MetaWithoutManagedFields.class);
  }

  @JsonIgnoreProperties(value = "status", allowGetters = true)
  abstract static class NodeWithoutStatus {}

  @JsonIgnoreProperties(value = "managedFields", allowGetters = true)
  abstract static class MetaWithoutManagedFields {}
}
