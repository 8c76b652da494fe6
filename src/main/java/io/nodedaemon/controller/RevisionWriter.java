package io.nodedaemon.controller;

import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.nodedaemon.planner.rollout.RevisionPlan;
import io.nodedaemon.planner.rollout.Revisions;
import org.jboss.logging.Logger;

/**
 * Carries out a {@link RevisionPlan}: creates the update revision, renumbers a reused one, deletes
 * history beyond the limit. Reports a name collision (a revision of that name with another
 * template, not in our cache) so the reconciler can bump collisionCount, as upstream does.
 */
final class RevisionWriter {
  private static final Logger LOG = Logger.getLogger(RevisionWriter.class);

  /** The outcome: whether the update revision now exists, and whether its name collided. */
  record Outcome(boolean ready, boolean collided) {}

  private final KubernetesClient client;

  RevisionWriter(KubernetesClient client) {
    this.client = client;
  }

  Outcome apply(String namespace, RevisionPlan plan, PodTemplateSpec template) {
    var revisions = client.apps().controllerRevisions().inNamespace(namespace);
    boolean ready = true;
    boolean collided = false;
    if (plan.revisionToCreate() != null) {
      try {
        revisions.resource(plan.revisionToCreate()).create();
      } catch (KubernetesClientException e) {
        if (e.getCode() == 409) {
          ControllerRevision existing = revisions.withName(plan.revisionToCreate().getMetadata().getName()).get();
          // Ours but not yet in the cache is fine; anything else is a hash collision.
          collided = existing == null || !Revisions.match(template, existing);
        } else {
          LOG.warnf("could not create revision %s: %s", plan.revisionToCreate().getMetadata().getName(), e.getMessage());
        }
        ready = !collided && e.getCode() == 409;
      }
    }
    if (plan.revisionToRenumber() != null) {
      try {
        revisions.withName(plan.revisionToRenumber().getMetadata().getName())
            .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"revision\":" + plan.revisionToRenumber().getRevision() + "}");
      } catch (KubernetesClientException e) {
        LOG.debugf("could not renumber revision %s: %s", plan.revisionToRenumber().getMetadata().getName(), e.getMessage());
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
}
