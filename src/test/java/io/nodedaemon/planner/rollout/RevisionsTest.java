package io.nodedaemon.planner.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.ControllerRevisionBuilder;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonStatus;
import io.nodedaemon.api.RollbackStatus;
import io.nodedaemon.planner.PodStates;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RevisionsTest {

  private static final PodTemplateSpec V1 = SimCluster.template("foo", "image:1");
  private static final PodTemplateSpec V2 = SimCluster.template("foo", "image:2");
  private static final PodTemplateSpec V3 = SimCluster.template("foo", "image:3");

  private final NodeDaemon daemon = SimCluster.newDaemon("foo");

  /** The revision a previous pass would have created for {@code template} with number {@code n}. */
  private ControllerRevision stored(PodTemplateSpec template, long n) throws Exception {
    ControllerRevision r = Revisions.snapshot(daemon, template, Revisions.hash(template, null), n);
    // Round trip through JSON as the API server would hand it back (ints, maps in wire order).
    ObjectMapper mapper = new ObjectMapper();
    return mapper.readValue(mapper.writeValueAsString(r), ControllerRevision.class);
  }

  private static Pod podWithHash(String name, String hash) {
    Pod pod = new SimCluster(0).newPod("node-00", hash);
    pod.getMetadata().setName(name);
    return pod;
  }

  // --- hash and name ------------------------------------------------------------------------

  @Test
  void hashIsStableShortAndDnsLabelSafe() {
    String h = Revisions.hash(V1, null);
    assertThat(h).isEqualTo(Revisions.hash(SimCluster.template("foo", "image:1"), null));
    assertThat(h).matches("[bcdfghjklmnpqrstvwxz2456789]{10}");
  }

  @Test
  void hashIgnoresMapOrder() {
    PodTemplateSpec a =
        new PodTemplateSpecBuilder(V1)
            .editSpec()
            .withTerminationGracePeriodSeconds(30L)
            .endSpec()
            .editMetadata()
            .withLabels(new java.util.LinkedHashMap<>(Map.of("a", "1")))
            .addToLabels("b", "2")
            .endMetadata()
            .build();
    java.util.LinkedHashMap<String, String> reversed = new java.util.LinkedHashMap<>();
    reversed.put("b", "2");
    reversed.put("a", "1");
    PodTemplateSpec b =
        new PodTemplateSpecBuilder(V1)
            .editSpec()
            .withTerminationGracePeriodSeconds(30L)
            .endSpec()
            .editMetadata()
            .withLabels(reversed)
            .endMetadata()
            .build();
    assertThat(Revisions.hash(a, null)).isEqualTo(Revisions.hash(b, null));
  }

  @Test
  void hashChangesWithTheTemplateAndTheCollisionCount() {
    assertThat(Revisions.hash(V2, null)).isNotEqualTo(Revisions.hash(V1, null));
    PodTemplateSpec relabelled =
        new PodTemplateSpecBuilder(V1)
            .editMetadata()
            .addToLabels("tier", "x")
            .endMetadata()
            .build();
    assertThat(Revisions.hash(relabelled, null)).isNotEqualTo(Revisions.hash(V1, null));
    assertThat(Revisions.hash(V1, 1)).isNotEqualTo(Revisions.hash(V1, null));
    assertThat(Revisions.hash(V1, 0))
        .isNotEqualTo(Revisions.hash(V1, null)); // as upstream: nil != 0
    assertThat(Revisions.hash(V1, 2)).isNotEqualTo(Revisions.hash(V1, 1));
  }

  @Test
  void revisionNameIsNamePlusHashTruncatedToFit() {
    assertThat(Revisions.revisionName("fluentd", "bcdfghjklm")).isEqualTo("fluentd-bcdfghjklm");
    String longName = "a".repeat(240) + ".b" + "c".repeat(20);
    String name = Revisions.revisionName(longName, "bcdfghjklm");
    assertThat(name).hasSize(253).endsWith("-bcdfghjklm").startsWith("aaaa");
    // A cut right after a dot would leave ".-": trimmed.
    String dotted = "a".repeat(241) + ".bbbbbbbbbbbb";
    assertThat(Revisions.revisionName(dotted, "bcdfghjklm"))
        .doesNotContain(".-")
        .endsWith("a-bcdfghjklm");
  }

  @Test
  void matchSurvivesTheApiRoundTripOfNumbersAndKeyOrder() throws Exception {
    PodTemplateSpec withLong =
        new PodTemplateSpecBuilder(V1)
            .editSpec()
            .withTerminationGracePeriodSeconds(30L)
            .endSpec()
            .build();
    ControllerRevision fromApi = stored(withLong, 1); // data read back: 30 is an Integer now
    assertThat(Revisions.match(withLong, fromApi)).isTrue();
    PodTemplateSpec other =
        new PodTemplateSpecBuilder(V1)
            .editSpec()
            .withTerminationGracePeriodSeconds(31L)
            .endSpec()
            .build();
    assertThat(Revisions.match(other, fromApi)).isFalse();
  }

  // --- the plan -----------------------------------------------------------------------------

  @Test
  void firstRevisionIsCreatedOwnedAndLabelled() {
    daemon
        .getMetadata()
        .setAnnotations(Map.of(Revisions.CHANGE_CAUSE_ANNOTATION, "initial", "other", "x"));
    RevisionPlan plan = Revisions.plan(daemon, List.of(), List.of());

    ControllerRevision created = plan.revisionToCreate();
    String hash = Revisions.hash(V1, null);
    assertThat(created).isNotNull().isSameAs(plan.updateRevision());
    assertThat(created.getMetadata().getName()).isEqualTo("foo-" + hash);
    assertThat(created.getMetadata().getNamespace()).isEqualTo("default");
    assertThat(created.getRevision()).isEqualTo(1L);
    assertThat(created.getMetadata().getLabels())
        .containsEntry("app", "foo")
        .containsEntry(PodStates.REVISION_LABEL, hash);
    assertThat(created.getMetadata().getAnnotations())
        .containsOnlyKeys(Revisions.CHANGE_CAUSE_ANNOTATION);
    OwnerReference owner = created.getMetadata().getOwnerReferences().get(0);
    assertThat(owner.getKind()).isEqualTo("NodeDaemon");
    assertThat(owner.getApiVersion()).isEqualTo("nodedaemon.io/v1alpha1");
    assertThat(owner.getUid()).isEqualTo("uid-foo");
    assertThat(owner.getController()).isTrue();
    assertThat(owner.getBlockOwnerDeletion()).isTrue();
    assertThat(created.getData())
        .isEqualTo(
            Map.of("spec", Map.of("template", new ObjectMapper().convertValue(V1, Map.class))));
    assertThat(Revisions.match(V1, created)).isTrue();
    assertThat(Revisions.match(V2, created)).isFalse();
    assertThat(plan.updateHash()).isEqualTo(hash);
    assertThat(plan.currentHash()).isEqualTo(hash);
    assertThat(plan.collisionCount()).isNull();
    assertThat(plan.revisionsToDelete()).isEmpty();
  }

  @Test
  void unchangedTemplateNeedsNoWrites() throws Exception {
    ControllerRevision r1 = stored(V1, 1);
    RevisionPlan plan =
        Revisions.plan(daemon, List.of(r1), List.of(podWithHash("p", Revisions.hashOf(r1))));
    assertThat(plan.hasWrites()).isFalse();
    assertThat(plan.updateRevision()).isSameAs(r1);
  }

  @Test
  void newTemplateGetsTheNextRevisionNumber() throws Exception {
    ControllerRevision r1 = stored(V1, 1);
    ControllerRevision r2 = stored(V2, 2);
    daemon.getSpec().setTemplate(V3);
    RevisionPlan plan = Revisions.plan(daemon, List.of(r1, r2), List.of());
    assertThat(plan.revisionToCreate().getRevision()).isEqualTo(3L);
    assertThat(plan.updateHash()).isEqualTo(Revisions.hash(V3, null));
  }

  @Test
  void rollbackReusesTheOldRevisionWithANewNumber() throws Exception {
    ControllerRevision r1 = stored(V1, 1);
    ControllerRevision r2 = stored(V2, 2);
    daemon
        .getSpec()
        .setTemplate(SimCluster.template("foo", "image:1")); // re-apply the first template
    RevisionPlan plan = Revisions.plan(daemon, List.of(r2, r1), List.of());

    assertThat(plan.revisionToCreate()).isNull();
    assertThat(plan.revisionToRenumber()).isNotNull();
    assertThat(plan.revisionToRenumber().getMetadata().getName())
        .isEqualTo(r1.getMetadata().getName());
    assertThat(plan.revisionToRenumber().getRevision()).isEqualTo(3L);
    assertThat(r1.getRevision()).as("the input is not mutated").isEqualTo(1L);
    assertThat(plan.updateHash()).isEqualTo(Revisions.hashOf(r1));
  }

  @Test
  void reusedRevisionKeepsItsHashEvenAfterACollisionCountChange() throws Exception {
    ControllerRevision r1 = stored(V1, 1);
    ControllerRevision r2 = stored(V2, 2);
    NodeDaemonStatus status = new NodeDaemonStatus();
    status.setCollisionCount(4);
    daemon.setStatus(status);
    RevisionPlan plan = Revisions.plan(daemon, List.of(r1, r2), List.of());
    assertThat(plan.updateHash()).isEqualTo(Revisions.hash(V1, null));
    assertThat(plan.collisionCount()).isEqualTo(4);
  }

  @Test
  void hashCollisionBumpsTheCollisionCountAndRehashes() {
    // A revision holding another template under the very name V1 would get.
    ControllerRevision squatter =
        new ControllerRevisionBuilder()
            .withNewMetadata()
            .withName(Revisions.revisionName("foo", Revisions.hash(V1, null)))
            .endMetadata()
            .withData(Revisions.revisionData(V2))
            .withRevision(1L)
            .build();
    RevisionPlan plan = Revisions.plan(daemon, List.of(squatter), List.of());

    assertThat(plan.collisionCount()).isEqualTo(1);
    assertThat(plan.updateHash()).isEqualTo(Revisions.hash(V1, 1));
    assertThat(plan.revisionToCreate().getMetadata().getName())
        .isEqualTo("foo-" + Revisions.hash(V1, 1));
    assertThat(plan.revisionToCreate().getRevision()).isEqualTo(2L);

    // A second squatter on the rehashed name: the count goes on rising.
    ControllerRevision second =
        new ControllerRevisionBuilder(squatter)
            .editMetadata()
            .withName("foo-" + Revisions.hash(V1, 1))
            .endMetadata()
            .withData(Revisions.revisionData(V3))
            .build();
    plan = Revisions.plan(daemon, List.of(squatter, second), List.of());
    assertThat(plan.collisionCount()).isEqualTo(2);
    assertThat(plan.updateHash()).isEqualTo(Revisions.hash(V1, 2));
    assertThat(Revisions.nextCollisionCount(null)).isEqualTo(1);
  }

  @Test
  void historyLimitDeletesOldestButNeverALiveOrTheUpdateRevision() throws Exception {
    daemon.getSpec().setRevisionHistoryLimit(2);
    List<ControllerRevision> revisions = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      revisions.add(stored(SimCluster.template("foo", "image:old-" + i), i));
    }
    ControllerRevision current = stored(V1, 6);
    revisions.add(current);
    // A pod still runs revision 1, so it must survive although it is the oldest.
    Pod live = podWithHash("live", Revisions.hashOf(revisions.get(0)));
    Pod updated = podWithHash("updated", Revisions.hashOf(current));

    RevisionPlan plan = Revisions.plan(daemon, revisions, List.of(live, updated));

    // 5 old, keep 2 -> delete 3: revisions 2, 3, 4 (1 is live; 5 survives once 3 are gone).
    assertThat(plan.revisionsToDelete())
        .extracting(ControllerRevision::getRevision)
        .containsExactly(2L, 3L, 4L);
    assertThat(plan.updateRevision()).isSameAs(current);
    assertThat(plan.currentHash()).isEqualTo(Revisions.hashOf(revisions.get(0)));
  }

  @Test
  void historyLimitNeverDeletesTheTargetOfARollbackInForce() throws Exception {
    daemon.getSpec().setRevisionHistoryLimit(0);
    ControllerRevision target = stored(V1, 1);
    ControllerRevision other = stored(V2, 2);
    ControllerRevision current = stored(V3, 3);
    daemon.getSpec().setTemplate(V3);
    NodeDaemonStatus status = new NodeDaemonStatus();
    status.setRollback(
        new RollbackStatus(
            Revisions.hashOf(current), Revisions.hashOf(target), "2026-01-01T00:00:00Z"));
    daemon.setStatus(status);

    // No pod carries the target's hash (say its pods failed): only the rollback keeps it.
    RevisionPlan plan = Revisions.plan(daemon, List.of(target, other, current), List.of());

    assertThat(plan.revisionsToDelete()).containsExactly(other);
  }

  @Test
  void defaultHistoryLimitIsTen() throws Exception {
    List<ControllerRevision> revisions = new ArrayList<>();
    for (int i = 1; i <= 12; i++) {
      revisions.add(stored(SimCluster.template("foo", "image:old-" + i), i));
    }
    RevisionPlan plan = Revisions.plan(daemon, revisions, List.of());
    // 12 old + the new one to create: 2 beyond the limit.
    assertThat(plan.revisionsToDelete())
        .extracting(ControllerRevision::getRevision)
        .containsExactly(1L, 2L);
    assertThat(plan.revisionToCreate().getRevision()).isEqualTo(13L);
  }

  @Test
  void currentRevisionIsTheOldestRevisionPodsStillRunAndTheUpdateOneWhenDone() throws Exception {
    ControllerRevision r1 = stored(V2, 1);
    ControllerRevision r2 = stored(V3, 2);
    ControllerRevision r3 = stored(V1, 3);
    Pod onR2 = podWithHash("a", Revisions.hashOf(r2));
    Pod onR3 = podWithHash("b", Revisions.hashOf(r3));
    Pod terminatingOnR1 = podWithHash("c", Revisions.hashOf(r1));
    terminatingOnR1.getMetadata().setDeletionTimestamp("2026-01-01T00:00:00Z");

    RevisionPlan midway =
        Revisions.plan(daemon, List.of(r1, r2, r3), List.of(onR2, onR3, terminatingOnR1));
    assertThat(midway.currentHash()).isEqualTo(Revisions.hashOf(r2));
    assertThat(midway.updateHash()).isEqualTo(Revisions.hashOf(r3));

    RevisionPlan done = Revisions.plan(daemon, List.of(r1, r2, r3), List.of(onR3));
    assertThat(done.currentHash()).isEqualTo(done.updateHash());
  }

  @Test
  void duplicateMatchesKeepTheNewestAndBecomeHistory() throws Exception {
    daemon.getSpec().setRevisionHistoryLimit(0);
    ControllerRevision older =
        new ControllerRevisionBuilder(stored(V1, 1))
            .editMetadata()
            .withName("foo-dup")
            .endMetadata()
            .build();
    ControllerRevision newer = stored(V1, 2);
    RevisionPlan plan = Revisions.plan(daemon, List.of(older, newer), List.of());
    assertThat(plan.updateRevision()).isSameAs(newer);
    assertThat(plan.revisionsToDelete()).containsExactly(older);
  }

  // --- claiming orphans (upstream's ClaimControllerRevisions) ------------------------------------

  @Test
  void orphansMatchingTheSelectorAreAdoptedOthersAreNot() throws Exception {
    ControllerRevision orphan = stored(V1, 1);
    orphan.getMetadata().setOwnerReferences(List.of());
    ControllerRevision otherApp = stored(V2, 2);
    otherApp.getMetadata().setOwnerReferences(List.of());
    otherApp.getMetadata().setLabels(Map.of("app", "bar"));
    ControllerRevision controlled = stored(V3, 3);
    controlled.getMetadata().getOwnerReferences().get(0).setUid("uid-of-someone-else");
    ControllerRevision nonControllingOwner = stored(V2, 4);
    nonControllingOwner.getMetadata().getOwnerReferences().get(0).setController(false);

    assertThat(
            Revisions.orphansToAdopt(
                daemon, List.of(orphan, otherApp, controlled, nonControllingOwner)))
        .containsExactly(orphan, nonControllingOwner);
  }

  @Test
  void aNodeDaemonBeingDeletedAdoptsNothing() throws Exception {
    ControllerRevision orphan = stored(V1, 1);
    orphan.getMetadata().setOwnerReferences(List.of());
    daemon.getMetadata().setDeletionTimestamp("2026-01-01T00:00:00Z");
    assertThat(Revisions.orphansToAdopt(daemon, List.of(orphan))).isEmpty();
  }
}
