package io.nodedaemon.status;

import static io.nodedaemon.planner.PlannerFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** kstatus conditions: lastTransitionTime moves only when the status flips. */
class ConditionsTest {

  @Test
  void setAddsAConditionWithAllFields() {
    List<Condition> out = Conditions.set(null, Conditions.READY, true, "Ready", "all good", 3L, T0);

    assertThat(out)
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.getType()).isEqualTo("Ready");
              assertThat(c.getStatus()).isEqualTo("True");
              assertThat(c.getReason()).isEqualTo("Ready");
              assertThat(c.getMessage()).isEqualTo("all good");
              assertThat(c.getObservedGeneration()).isEqualTo(3L);
              assertThat(c.getLastTransitionTime()).isEqualTo(T0.toString());
            });
  }

  @Test
  void sameStatusKeepsTheTransitionTimeEvenWhenReasonAndMessageChange() {
    List<Condition> first =
        Conditions.set(null, Conditions.READY, false, "Placing", "1 of 3", 1L, T0);

    List<Condition> second =
        Conditions.set(
            first, Conditions.READY, false, "RollingUpdate", "2 of 3", 2L, T0.plusSeconds(60));

    assertThat(Conditions.find(second, Conditions.READY).getLastTransitionTime())
        .isEqualTo(T0.toString());
    assertThat(Conditions.find(second, Conditions.READY).getReason()).isEqualTo("RollingUpdate");
    assertThat(Conditions.find(second, Conditions.READY).getObservedGeneration()).isEqualTo(2L);
  }

  @Test
  void aFlipTakesTheNewTransitionTime() {
    List<Condition> first = Conditions.set(null, Conditions.READY, false, "Placing", "", 1L, T0);

    List<Condition> second =
        Conditions.set(first, Conditions.READY, true, "Ready", "", 1L, T0.plusSeconds(60));

    assertThat(Conditions.find(second, Conditions.READY).getLastTransitionTime())
        .isEqualTo(T0.plusSeconds(60).toString());
  }

  @Test
  void anUnchangedStateYieldsAnEqualList() {
    List<Condition> first =
        Conditions.set(null, Conditions.STALLED, false, "Progressing", "m", 1L, T0);

    assertThat(
            Conditions.set(
                first, Conditions.STALLED, false, "Progressing", "m", 1L, T0.plusSeconds(5)))
        .isEqualTo(first);
  }

  @Test
  void conditionsAreOrderedReadyReconcilingStalledAndOthersLast() {
    List<Condition> c = Conditions.set(null, "Custom", true, "r", "m", 1L, T0);
    c = Conditions.set(c, Conditions.STALLED, false, "r", "m", 1L, T0);
    c = Conditions.set(c, Conditions.READY, false, "r", "m", 1L, T0);
    c = Conditions.set(c, Conditions.RECONCILING, true, "r", "m", 1L, T0);

    assertThat(c)
        .extracting(Condition::getType)
        .containsExactly("Ready", "Reconciling", "Stalled", "Custom");
  }

  @Test
  void setDoesNotMutateItsInput() {
    List<Condition> first =
        new ArrayList<>(Conditions.set(null, Conditions.READY, false, "Placing", "", 1L, T0));

    Conditions.set(first, Conditions.READY, true, "Ready", "", 1L, T0.plusSeconds(1));

    assertThat(first).singleElement().extracting(Condition::getStatus).isEqualTo("False");
  }

  @Test
  void findAndIsTrue() {
    List<Condition> c = Conditions.set(null, Conditions.READY, true, "Ready", "", 1L, T0);

    assertThat(Conditions.isTrue(c, Conditions.READY)).isTrue();
    assertThat(Conditions.isTrue(c, Conditions.STALLED)).isFalse();
    assertThat(Conditions.find(c, Conditions.STALLED)).isNull();
    assertThat(Conditions.find(null, Conditions.READY)).isNull();
  }
}
