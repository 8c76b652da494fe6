package io.nodedaemon.status;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The kstatus conditions of a NodeDaemon and the rule that keeps them stable: a condition's
 * lastTransitionTime changes only when its status flips, so an unchanged state writes nothing. The
 * one exception is the Reconciling condition during a timed rollout, whose lastTransitionTime is
 * the progress-deadline clock ({@link #setSince}).
 */
public final class Conditions {

  public static final String READY = "Ready";
  public static final String RECONCILING = "Reconciling";
  public static final String STALLED = "Stalled";

  private Conditions() {}

  /** Returns a copy of {@code current} with the condition of that type set. */
  public static List<Condition> set(
      List<Condition> current,
      String type,
      boolean status,
      String reason,
      String message,
      Long generation,
      Instant now) {
    List<Condition> out = new ArrayList<>();
    Condition previous = null;
    for (Condition c : current == null ? List.<Condition>of() : current) {
      if (type.equals(c.getType())) {
        previous = c;
      } else {
        out.add(c);
      }
    }
    String statusText = status ? "True" : "False";
    String since =
        previous != null
                && statusText.equals(previous.getStatus())
                && previous.getLastTransitionTime() != null
            ? previous.getLastTransitionTime()
            : now.toString();
    out.add(
        new ConditionBuilder()
            .withType(type)
            .withStatus(statusText)
            .withReason(reason)
            .withMessage(message)
            .withObservedGeneration(generation)
            .withLastTransitionTime(since)
            .build());
    out.sort((a, b) -> order(a.getType()) - order(b.getType()));
    return out;
  }

  /**
   * As {@link #set}, but with the transition time given: the Reconciling condition carries the
   * progress-deadline clock, which moves on progress although the condition stays True.
   */
  public static List<Condition> setSince(
      List<Condition> current,
      String type,
      boolean status,
      String reason,
      String message,
      Long generation,
      Instant since) {
    List<Condition> out = new ArrayList<>();
    for (Condition c : current == null ? List.<Condition>of() : current) {
      if (!type.equals(c.getType())) {
        out.add(c);
      }
    }
    out.add(
        new ConditionBuilder()
            .withType(type)
            .withStatus(status ? "True" : "False")
            .withReason(reason)
            .withMessage(message)
            .withObservedGeneration(generation)
            .withLastTransitionTime(since.toString())
            .build());
    out.sort((a, b) -> order(a.getType()) - order(b.getType()));
    return out;
  }

  public static Condition find(List<Condition> conditions, String type) {
    if (conditions == null) {
      return null;
    }
    return conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
  }

  public static boolean isTrue(List<Condition> conditions, String type) {
    Condition c = find(conditions, type);
    return c != null && "True".equals(c.getStatus());
  }

  private static int order(String type) {
    return switch (type) {
      case READY -> 0;
      case RECONCILING -> 1;
      case STALLED -> 2;
      default -> 3;
    };
  }
}
