package io.nodedaemon.controller;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SortedNodesTest {

  private final List<Node> cache = new ArrayList<>();
  private final AtomicInteger listings = new AtomicInteger();
  private final SortedNodes sorted = new SortedNodes();

  private List<String> names() {
    return sorted
        .get(
            () -> {
              listings.incrementAndGet();
              return new ArrayList<>(cache).stream();
            })
        .stream()
        .map(n -> n.getMetadata().getName())
        .toList();
  }

  private static Node node(String name) {
    return new NodeBuilder().withNewMetadata().withName(name).endMetadata().build();
  }

  @Test
  void listsInNameOrderAndAgainOnlyAfterAChange() {
    cache.add(node("b"));
    cache.add(node("a"));
    sorted.changed();
    assertThat(names()).containsExactly("a", "b");
    assertThat(names()).containsExactly("a", "b");
    assertThat(listings).hasValue(1);

    cache.add(node("c0"));
    cache.add(node("aa"));
    sorted.changed();
    assertThat(names()).containsExactly("a", "aa", "b", "c0");
    assertThat(listings).hasValue(2);
  }

  @Test
  void aChangeWhileListingMakesTheNextCallerListAgain() {
    cache.add(node("a"));
    sorted.get(
        () -> {
          sorted.changed(); // a node event delivered while this caller lists
          return cache.stream();
        });
    cache.add(node("b"));
    assertThat(names()).containsExactly("a", "b");
  }
}
