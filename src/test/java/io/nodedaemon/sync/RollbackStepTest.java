package io.nodedaemon.sync;

import static io.nodedaemon.planner.PlannerFixtures.T0;
import static io.nodedaemon.planner.PlannerFixtures.bound;
import static io.nodedaemon.planner.PlannerFixtures.daemon;
import static io.nodedaemon.planner.PlannerFixtures.node;
import static io.nodedaemon.planner.PlannerFixtures.ready;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.api.NodeDaemonStatus;
import io.nodedaemon.api.NodeDaemonUpdateStrategy;
import io.nodedaemon.api.RollingUpdateNodeDaemon;
import io.nodedaemon.planner.DaemonPlanner;
import io.nodedaemon.planner.DaemonPodFactory;
import io.nodedaemon.planner.FailedPodBackoff;
import io.nodedaemon.planner.InFlight;
import io.nodedaemon.planner.PlannedEvent;
import io.nodedaemon.planner.PodStates;
import io.nodedaemon.planner.rollout.ProgressDeadline;
import io.nodedaemon.planner.rollout.RevisionPlan;
import io.nodedaemon.planner.rollout.Revisions;
import io.nodedaemon.planner.rollout.Rollback;
import io.nodedaemon.status.Conditions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Automatic rollback (SPEC §9) as a step simulation through the pure core: each step is one pass of
 * {@link DaemonSync} whose writes (revisions, pods, status) are applied to an in-memory cluster,
 * then a kubelet stand-in that makes pods of every image but "bad" Ready. The budget is checked
 * after every step.
 */
class RollbackStepTest {

  private static final int NODES = 5;
  private static final Duration STEP = Duration.ofSeconds(10);
  private static final int DEADLINE = 60;

  @Test
  void aStalledRolloutGoesBackUnderMaxUnavailableAndIsNotRetried() {
    Cluster c = new Cluster(strategy(1, 0));
    c.converge();
    String good = c.known.getUpdateRevision();

    c.setImage("bad");
    String bad = c.updateHash();
    DaemonSync.Decision stall = c.untilRollbackStarts();

    assertThat(stall.plan()).as("the rollback is recorded before any pod moves").isNull();
    assertThat(stall.requeueAfter()).isEqualTo(Duration.ZERO);
    assertThat(stall.events())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.type()).isEqualTo(PlannedEvent.Type.Warning);
              assertThat(e.reason()).isEqualTo(Rollback.REASON);
              assertThat(e.message())
                  .isEqualTo(
                      "revision " + bad + " made no progress for 60 s; rolled back to " + good);
            });
    assertThat(c.known.getRollback().fromRevision()).isEqualTo(bad);
    assertThat(c.known.getRollback().toRevision()).isEqualTo(good);

    c.converge();

    assertThat(c.podsOf(bad)).as("no pod of the stalled revision is left").isZero();
    assertThat(c.podsOf(good)).isEqualTo(NODES);
    assertThat(c.readyPods()).isEqualTo(NODES);
    assertThat(c.daemon.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .as("spec is untouched")
        .isEqualTo("bad");
    assertRolledBack(c.known, bad, good);
    assertThat(c.eventReasons()).containsOnlyOnce(Rollback.REASON);
    assertThat(c.eventReasons()).doesNotContain(ProgressDeadline.REASON);

    // Re-applying the same spec retries nothing, however long we wait.
    c.daemon.getMetadata().setGeneration(c.daemon.getMetadata().getGeneration() + 1);
    for (int i = 0; i < 10; i++) {
      c.advance(Duration.ofMinutes(5));
      DaemonSync.Decision d = c.pass();
      assertThat(d.plan().hasWrites()).isFalse();
    }
    assertThat(c.podsOf(bad)).isZero();
    assertRolledBack(c.known, bad, good);
    assertThat(c.eventReasons()).containsOnlyOnce(Rollback.REASON);

    // A new template clears the rollback and rolls out normally.
    c.setImage("image:3");
    String fixed = c.updateHash();
    DaemonSync.Decision next = c.pass();
    assertThat(next.status().getRollback()).isNull();
    assertThat(next.status().getUpdateRevision()).isEqualTo(fixed);
    c.converge();
    assertThat(c.podsOf(fixed)).isEqualTo(NODES);
    assertThat(Conditions.isTrue(c.known.getConditions(), Conditions.READY)).isTrue();
    assertThat(Conditions.isTrue(c.known.getConditions(), Conditions.STALLED)).isFalse();
  }

  /**
   * Turning the automation off does not undo what it started: the rollback goes on under the same
   * budget and the stalled template is not tried again; only a new template ends the rollback.
   */
  @Test
  void turningAutoRollbackOffMidRollbackFinishesItAndRetriesNothing() {
    RollingUpdateNodeDaemon ru = strategy(1, 0);
    Cluster c = new Cluster(ru);
    c.converge();
    String good = c.known.getUpdateRevision();
    c.setImage("bad");
    String bad = c.updateHash();
    c.untilRollbackStarts();
    assertThat(c.podsOf(bad)).as("the rollback has pods to replace").isPositive();

    ru.setAutoRollback(false);
    c.daemon.getMetadata().setGeneration(c.daemon.getMetadata().getGeneration() + 1);
    c.converge();

    assertThat(c.podsOf(bad)).isZero();
    assertThat(c.podsOf(good)).isEqualTo(NODES);
    assertRolledBack(c.known, bad, good);
    assertThat(c.maxNodesDown).isLessThanOrEqualTo(1);
    assertThat(c.eventReasons()).containsOnlyOnce(Rollback.REASON);
  }

  @Test
  void aSurgeRollbackRemovesTheSurgePodsAndNeverTakesANodeDown() {
    Cluster c = new Cluster(strategy(0, 2));
    c.converge();
    String good = c.known.getUpdateRevision();

    c.setImage("bad");
    String bad = c.updateHash();
    c.untilRollbackStarts();
    c.converge();

    assertThat(c.podsOf(bad)).isZero();
    assertThat(c.podsOf(good)).isEqualTo(NODES);
    assertRolledBack(c.known, bad, good);
    assertThat(c.maxNodesDown).as("maxUnavailable 0: no node was ever without a pod").isZero();
  }

  @Test
  void partitionAndTheRolloutSelectorDoNotHoldTheRollbackBack() {
    RollingUpdateNodeDaemon ru = strategy(2, 0);
    Cluster c = new Cluster(ru);
    c.converge();
    String good = c.known.getUpdateRevision();

    // The canary: two nodes of five updated to a bad image.
    ru.setPartition(new IntOrString(3));
    c.setImage("bad");
    String bad = c.updateHash();
    c.untilRollbackStarts();
    assertThat(c.podsOf(bad)).isEqualTo(2);
    // Whoever widens the canary meanwhile does not make the rollback skip nodes.
    ru.setPartition(new IntOrString(4));
    ru.setSelector(new LabelSelector(null, Map.of("no-node", "has-this")));
    c.converge();

    assertThat(c.podsOf(bad)).isZero();
    assertThat(c.podsOf(good)).isEqualTo(NODES);
    assertRolledBack(c.known, bad, good);
  }

  @Test
  void goingBackToTheTargetTemplateClearsTheRollbackWithoutAWrite() {
    Cluster c = new Cluster(strategy(1, 0));
    c.converge();
    c.setImage("bad");
    c.untilRollbackStarts();
    c.converge();

    c.setImage("image:1");
    DaemonSync.Decision d = c.pass();

    assertThat(d.plan().hasWrites()).isFalse();
    assertThat(d.status().getRollback()).isNull();
    assertThat(Conditions.isTrue(d.status().getConditions(), Conditions.READY)).isTrue();
  }

  @Test
  void aPauseHoldsTheRollbackUntilItIsLifted() {
    RollingUpdateNodeDaemon ru = strategy(1, 0);
    Cluster c = new Cluster(ru);
    c.converge();
    c.setImage("bad");
    String bad = c.updateHash();
    c.untilRollbackStarts();

    ru.setPaused(true);
    for (int i = 0; i < 5; i++) {
      assertThat(c.pass().plan().hasWrites()).as("an explicit pause wins").isFalse();
      c.kubelet();
      c.advance(STEP);
    }
    assertThat(c.podsOf(bad)).isEqualTo(1);

    ru.setPaused(false);
    c.converge();
    assertThat(c.podsOf(bad)).isZero();
  }

  @Test
  void withoutAutoRollbackTheRolloutOnlyStalls() {
    RollingUpdateNodeDaemon ru = strategy(1, 0);
    ru.setAutoRollback(false);
    Cluster c = new Cluster(ru);
    c.converge();
    c.setImage("bad");
    String bad = c.updateHash();

    for (int i = 0; i < 20; i++) {
      c.pass();
      c.kubelet();
      c.advance(STEP);
    }

    assertThat(c.known.getRollback()).isNull();
    assertThat(Conditions.find(c.known.getConditions(), Conditions.STALLED).getReason())
        .isEqualTo(ProgressDeadline.REASON);
    assertThat(c.podsOf(bad)).as("the stalled pod stays, as before").isEqualTo(1);
    assertThat(c.eventReasons()).doesNotContain(Rollback.REASON);
  }

  @Test
  void aReplicaThatTakesOverMidRollbackCarriesItOnFromStatus() {
    Cluster c = new Cluster(strategy(1, 0));
    c.converge();
    String good = c.known.getUpdateRevision();
    c.setImage("bad");
    String bad = c.updateHash();
    c.untilRollbackStarts();
    c.pass();
    c.kubelet();

    // The new leader knows nothing but what the server holds: status, revisions and pods.
    c.remembered = null;
    c.known = Serialization.clone(c.known);
    c.converge();

    assertThat(c.podsOf(bad)).isZero();
    assertThat(c.podsOf(good)).isEqualTo(NODES);
    assertThat(c.eventReasons()).containsOnlyOnce(Rollback.REASON);
  }

  private static void assertRolledBack(NodeDaemonStatus s, String from, String to) {
    assertThat(s.getRollback()).isNotNull();
    assertThat(s.getRollback().fromRevision()).isEqualTo(from);
    assertThat(s.getRollback().toRevision()).isEqualTo(to);
    assertThat(s.getCurrentRevision()).isEqualTo(to);
    assertThat(s.getUpdateRevision()).as("the revision pods are updated to").isEqualTo(to);
    assertThat(Conditions.find(s.getConditions(), Conditions.STALLED).getReason())
        .isEqualTo(Rollback.REASON);
    assertThat(Conditions.isTrue(s.getConditions(), Conditions.STALLED)).isTrue();
    assertThat(Conditions.isTrue(s.getConditions(), Conditions.READY))
        .as("the template asked for is not running")
        .isFalse();
    assertThat(Conditions.isTrue(s.getConditions(), Conditions.RECONCILING)).isFalse();
  }

  private static RollingUpdateNodeDaemon strategy(int maxUnavailable, int maxSurge) {
    RollingUpdateNodeDaemon ru = new RollingUpdateNodeDaemon();
    ru.setMaxUnavailable(new IntOrString(maxUnavailable));
    ru.setMaxSurge(new IntOrString(maxSurge));
    ru.setAutoRollback(true);
    return ru;
  }

  /** The in-memory cluster: what the API server holds, changed only by the passes' writes. */
  private static final class Cluster {
    final DaemonSync sync =
        new DaemonSync(new DaemonPlanner(new FailedPodBackoff(), DaemonPlanner.BURST_REPLICAS));
    final NodeDaemon daemon = daemon();
    final RollingUpdateNodeDaemon rollingUpdate;
    final List<Node> nodes = new ArrayList<>();
    final Map<String, Pod> pods = new LinkedHashMap<>();
    final List<ControllerRevision> history = new ArrayList<>();
    final List<PlannedEvent> events = new ArrayList<>();
    NodeDaemonStatus known;
    ProgressDeadline.ProgressRecord remembered;
    Instant now = T0;
    int maxNodesDown;

    Cluster(RollingUpdateNodeDaemon rollingUpdate) {
      this.rollingUpdate = rollingUpdate;
      NodeDaemonUpdateStrategy strategy = new NodeDaemonUpdateStrategy();
      strategy.setType(NodeDaemonUpdateStrategy.Type.RollingUpdate);
      strategy.setRollingUpdate(rollingUpdate);
      daemon.getSpec().setUpdateStrategy(strategy);
      daemon.getSpec().setProgressDeadlineSeconds(DEADLINE);
      for (int i = 0; i < NODES; i++) {
        nodes.add(node("node-" + i));
      }
    }

    void setImage(String image) {
      daemon.getSpec().getTemplate().getSpec().getContainers().get(0).setImage(image);
      daemon.getMetadata().setGeneration(daemon.getMetadata().getGeneration() + 1);
    }

    String updateHash() {
      return Revisions.hash(daemon.getSpec().getTemplate(), null);
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    /** One pass: the revision writes, the decision, then its pod writes and status. */
    DaemonSync.Decision pass() {
      daemon.setStatus(known);
      RevisionPlan revisions = Revisions.plan(daemon, history, pods.values());
      if (revisions.revisionToCreate() != null) {
        history.add(asStored(revisions.revisionToCreate()));
      }
      if (revisions.revisionToRenumber() != null) {
        history.removeIf(r -> sameName(r, revisions.revisionToRenumber()));
        history.add(asStored(revisions.revisionToRenumber()));
      }
      revisions.revisionsToDelete().forEach(d -> history.removeIf(r -> sameName(r, d)));
      DaemonSync.Decision d =
          sync.decide(
              new DaemonSync.Observed(
                  daemon,
                  known,
                  nodes,
                  List.copyOf(pods.values()),
                  revisions,
                  List.copyOf(history),
                  InFlight.NONE,
                  remembered,
                  now));
      if (d.plan() != null) {
        d.plan().podsToDelete().forEach(p -> pods.remove(p.getMetadata().getName()));
        for (String node : d.plan().nodesNeedingDaemonPods()) {
          Pod pod = DaemonPodFactory.newPod(d.target(), node, d.targetRevision());
          pod.getMetadata().setCreationTimestamp(now.toString());
          pods.put(pod.getMetadata().getName(), bound(pod));
        }
      }
      known = d.status();
      remembered = d.progress();
      events.addAll(d.events());
      checkBudget();
      return d;
    }

    /** The kubelet stand-in: new pods start; all but the "bad" image turn Ready. */
    void kubelet() {
      pods.replaceAll(
          (name, pod) -> {
            if (pod.getStatus() != null) {
              return pod;
            }
            boolean bad = "bad".equals(pod.getSpec().getContainers().get(0).getImage());
            return bad
                ? new PodBuilder(pod).withNewStatus().withPhase("Running").endStatus().build()
                : ready(pod, now);
          });
      checkBudget();
    }

    /** Steps until a pass writes nothing and nothing is in progress (at most 100 steps). */
    void converge() {
      for (int i = 0; i < 100; i++) {
        DaemonSync.Decision d = pass();
        kubelet();
        advance(STEP);
        boolean reconciling = Conditions.isTrue(known.getConditions(), Conditions.RECONCILING);
        if ((d.plan() == null || !d.plan().hasWrites()) && !reconciling && !startsRollback(d)) {
          return;
        }
      }
      throw new AssertionError("did not settle in 100 steps: " + known);
    }

    DaemonSync.Decision untilRollbackStarts() {
      for (int i = 0; i < 100; i++) {
        DaemonSync.Decision d = pass();
        kubelet();
        advance(STEP);
        if (startsRollback(d)) {
          return d;
        }
      }
      throw new AssertionError("no rollback in 100 steps: " + known);
    }

    private static boolean startsRollback(DaemonSync.Decision d) {
      return d.events().stream().anyMatch(e -> Rollback.REASON.equals(e.reason()));
    }

    long podsOf(String hash) {
      return pods.values().stream().filter(p -> hash.equals(PodStates.revision(p))).count();
    }

    long readyPods() {
      return pods.values().stream().filter(Cluster::isReady).count();
    }

    List<String> eventReasons() {
      return events.stream().map(PlannedEvent::reason).toList();
    }

    /**
     * After every write: never two live pods on a node outside a surge, never more nodes without an
     * available pod than maxUnavailable once the daemon first converged.
     */
    private void checkBudget() {
      int down = 0;
      for (Node node : nodes) {
        String name = node.getMetadata().getName();
        List<Pod> on =
            pods.values().stream()
                .filter(p -> name.equals(p.getSpec().getNodeName()))
                .filter(p -> !PodStates.isTerminating(p))
                .toList();
        int allowed = rollingUpdate.getMaxSurge().getIntVal() > 0 ? 2 : 1;
        assertThat(on).as("live pods on %s", name).hasSizeLessThanOrEqualTo(allowed);
        if (on.stream().noneMatch(Cluster::isReady)) {
          down++;
        }
      }
      if (known != null && known.getNumberAvailable() > 0) {
        maxNodesDown = Math.max(maxNodesDown, down);
        assertThat(down)
            .as("nodes without a ready pod")
            .isLessThanOrEqualTo(rollingUpdate.getMaxUnavailable().getIntVal());
      }
    }

    static boolean isReady(Pod pod) {
      return PodStates.readyCondition(pod) != null
          && "True".equals(PodStates.readyCondition(pod).getStatus());
    }

    /** A revision as the API server returns it: its data a RawExtension, not the map we wrote. */
    private static ControllerRevision asStored(ControllerRevision written) {
      return Serialization.unmarshal(Serialization.asJson(written), ControllerRevision.class);
    }

    private static boolean sameName(ControllerRevision a, ControllerRevision b) {
      return a.getMetadata().getName().equals(b.getMetadata().getName());
    }
  }
}
