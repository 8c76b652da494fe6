package io.nodedaemon.controller;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.planner.DaemonPodFactory;
import io.nodedaemon.planner.PodStates;
import io.nodedaemon.planner.rollout.RevisionPlan;
import io.nodedaemon.planner.rollout.Revisions;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Carries out a {@link RevisionPlan} (upstream's constructHistory and snapshot): creates the update
 * revision, renumbers a reused one, deletes history beyond the limit.
 *
 * <p>A create refused because the name is taken is resolved as upstream does: the existing revision
 * is ours if it stores this template and we control it; an orphan storing this template is adopted;
 * anything else (another template, another controller) is a hash collision, reported so the
 * reconciler bumps collisionCount. The update revision is {@link Outcome#ready() ready} only when
 * it exists, is ours and carries its number: pods may carry its hash only then (SPEC §6).
 */
@Singleton
class RevisionWriter {
  private static final Logger LOG = Logger.getLogger(RevisionWriter.class);

  /** The outcome: whether the update revision now exists as ours, and whether its name collided. */
  record Outcome(boolean ready, boolean collided) {}

  private final KubernetesClient client;

  @Inject
  RevisionWriter(KubernetesClient client) {
    this.client = client;
  }

  Outcome apply(NodeDaemon daemon, RevisionPlan plan) {
    var revisions =
        client.apps().controllerRevisions().inNamespace(daemon.getMetadata().getNamespace());
    boolean ready = true;
    boolean collided = false;
    if (plan.revisionToCreate() != null) {
      String name = plan.revisionToCreate().getMetadata().getName();
      try {
        revisions.resource(plan.revisionToCreate()).create();
      } catch (KubernetesClientException e) {
        if (e.getCode() == 409) {
          ControllerRevision existing = get(daemon, name);
          if (existing == null) {
            ready = false; // deleted meanwhile: the next pass creates it
          } else if (!Revisions.match(daemon.getSpec().getTemplate(), existing)) {
            collided = true;
          } else {
            OwnerReference controller = PodStates.controllerOf(existing);
            if (controller == null) {
              ready = adopt(daemon, existing) != null;
            } else if (!daemon.getMetadata().getUid().equals(controller.getUid())) {
              collided = true; // our template, another controller's revision: not ours to use
            }
            // else: ours, not yet in the cache
          }
        } else {
          LOG.warnf(
              "could not create revision %s/%s: %s",
              daemon.getMetadata().getNamespace(), name, e.getMessage());
          ready = false;
        }
        ready = ready && !collided;
      }
    }
    if (plan.revisionToRenumber() != null) {
      try {
        revisions
            .withName(plan.revisionToRenumber().getMetadata().getName())
            .patch(
                PatchContext.of(PatchType.JSON_MERGE),
                "{\"revision\":" + plan.revisionToRenumber().getRevision() + "}");
      } catch (KubernetesClientException e) {
        // Upstream's constructHistory fails the sync too: until the reused revision is the newest,
        // history and currentRevision would read it as an old one.
        LOG.warnf(
            "could not renumber revision %s: %s",
            plan.revisionToRenumber().getMetadata().getName(), e.getMessage());
        ready = false;
      }
    }
    for (ControllerRevision old : plan.revisionsToDelete()) {
      try {
        revisions.withName(old.getMetadata().getName()).delete();
      } catch (KubernetesClientException e) {
        LOG.debugf("could not delete revision %s: %s", old.getMetadata().getName(), e.getMessage());
      }
    }
    return new Outcome(ready, collided);
  }

  private ControllerRevision get(NodeDaemon daemon, String name) {
    try {
      return client
          .apps()
          .controllerRevisions()
          .inNamespace(daemon.getMetadata().getNamespace())
          .withName(name)
          .get();
    } catch (KubernetesClientException e) {
      LOG.warnf("could not read revision %s: %s", name, e.getMessage());
      return null;
    }
  }

  /** Adopts these orphans; returns those now ours, as the server returned them. */
  List<ControllerRevision> adopt(NodeDaemon daemon, List<ControllerRevision> orphans) {
    List<ControllerRevision> adopted = new ArrayList<>();
    for (ControllerRevision orphan : orphans) {
      ControllerRevision ours = adopt(daemon, orphan);
      if (ours != null) {
        adopted.add(ours);
      }
    }
    return adopted;
  }

  /**
   * Adds our controller reference to an orphaned revision (upstream's ClaimControllerRevisions).
   * The patch carries the revision's uid and resourceVersion, so one that changed meanwhile is left
   * for the next pass. Returns the adopted revision, null if it was not adopted.
   */
  private ControllerRevision adopt(NodeDaemon daemon, ControllerRevision orphan) {
    List<OwnerReference> refs =
        new ArrayList<>(
            orphan.getMetadata().getOwnerReferences() == null
                ? List.of()
                : orphan.getMetadata().getOwnerReferences());
    refs.add(DaemonPodFactory.controllerReference(daemon));
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("uid", orphan.getMetadata().getUid());
    metadata.put("resourceVersion", orphan.getMetadata().getResourceVersion());
    metadata.put("ownerReferences", refs);
    try {
      ControllerRevision adopted =
          client
              .apps()
              .controllerRevisions()
              .inNamespace(orphan.getMetadata().getNamespace())
              .withName(orphan.getMetadata().getName())
              .patch(
                  PatchContext.of(PatchType.JSON_MERGE),
                  Serialization.asJson(Map.of("metadata", metadata)));
      LOG.infof(
          "adopted orphaned revision %s/%s",
          orphan.getMetadata().getNamespace(), orphan.getMetadata().getName());
      return adopted;
    } catch (KubernetesClientException e) {
      LOG.debugf("could not adopt revision %s: %s", orphan.getMetadata().getName(), e.getMessage());
      return null;
    }
  }
}
