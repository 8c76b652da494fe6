package io.nodedaemon.controller;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.ops.NodeDaemonMetrics;
import io.nodedaemon.ops.NodeDaemonCSVMetadata;
import io.quarkiverse.operatorsdk.annotations.CSVMetadata;
import io.quarkiverse.operatorsdk.annotations.RBACRule;
import jakarta.inject.Inject;

/**
 * PLACEHOLDER from the `ship` branch: it exists only so that RBAC, CSV and metrics generation
 * work before the real reconciler lands. At merge time keep the lead's implementation and carry
 * over the annotations below unchanged (the k8s/ and olm-bundle/ drift checks depend on them).
 */
@ControllerConfiguration(name = NodeDaemonReconciler.NAME)
@CSVMetadata(bundleName = NodeDaemonCSVMetadata.BUNDLE_NAME)
@RBACRule(apiGroups = "", resources = "nodes", verbs = {"get", "list", "watch"})
@RBACRule(apiGroups = "", resources = "pods", verbs = {"get", "list", "watch", "create", "delete", "patch"})
@RBACRule(apiGroups = "apps", resources = "controllerrevisions",
    verbs = {"get", "list", "watch", "create", "delete", "patch"})
@RBACRule(apiGroups = {"", "events.k8s.io"}, resources = "events", verbs = {"create", "patch"})
@RBACRule(apiGroups = "coordination.k8s.io", resources = "leases",
    verbs = {"get", "list", "watch", "create", "update", "patch"})
public class NodeDaemonReconciler implements Reconciler<NodeDaemon> {
  public static final String NAME = "nodedaemon";

  @Inject
  NodeDaemonMetrics metrics;

  @Override
  public UpdateControl<NodeDaemon> reconcile(NodeDaemon resource, Context<NodeDaemon> context) {
    metrics.recordStatus(resource.getMetadata().getNamespace(), resource.getMetadata().getName(),
        0, 0, 0, 0, 0, 0);
    return UpdateControl.noUpdate();
  }
}
