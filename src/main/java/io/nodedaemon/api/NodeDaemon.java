package io.nodedaemon.api;

import static io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.Type.DATE;
import static io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.Type.INTEGER;
import static io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.Type.STRING;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * NodeDaemon runs one copy of a pod on every node that qualifies, as an {@code apps/v1 DaemonSet}
 * does, with canary partitions, node-selector rollouts, pause and a progress deadline on top.
 */
@Group(NodeDaemon.GROUP)
@Version(NodeDaemon.VERSION)
@Kind(NodeDaemon.KIND)
@Plural("nodedaemons")
@ShortNames("nd")
@Categories("all")
// The same columns as `kubectl get ds` (priority 1 = only with -o wide).
@AdditionalPrinterColumn(
    name = "Desired",
    jsonPath = ".status.desiredNumberScheduled",
    type = INTEGER)
@AdditionalPrinterColumn(
    name = "Current",
    jsonPath = ".status.currentNumberScheduled",
    type = INTEGER)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.numberReady", type = INTEGER)
@AdditionalPrinterColumn(
    name = "Up-to-date",
    jsonPath = ".status.updatedNumberScheduled",
    type = INTEGER)
@AdditionalPrinterColumn(name = "Available", jsonPath = ".status.numberAvailable", type = INTEGER)
@AdditionalPrinterColumn(
    name = "Node Selector",
    jsonPath = ".spec.template.spec.nodeSelector",
    type = STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = DATE)
@AdditionalPrinterColumn(
    name = "Containers",
    jsonPath = ".spec.template.spec.containers[*].name",
    type = STRING,
    priority = 1)
@AdditionalPrinterColumn(
    name = "Images",
    jsonPath = ".spec.template.spec.containers[*].image",
    type = STRING,
    priority = 1)
@AdditionalPrinterColumn(
    name = "Selector",
    jsonPath = ".status.selector",
    type = STRING,
    priority = 1)
// Beyond kubectl get ds -o wide: why some nodes run no pod (SPEC §8), the reason of each group.
@AdditionalPrinterColumn(
    name = "Excluded",
    jsonPath = ".status.excludedNodes[*].reason",
    type = STRING,
    priority = 1)
public class NodeDaemon extends CustomResource<NodeDaemonSpec, NodeDaemonStatus>
    implements Namespaced {
  public static final String GROUP = "nodedaemon.io";
  public static final String VERSION = "v1alpha1";
  public static final String KIND = "NodeDaemon";
  public static final String API_VERSION = GROUP + "/" + VERSION;
}
