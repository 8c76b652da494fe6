package io.nodedaemon.ops;

import io.quarkiverse.operatorsdk.annotations.CSVMetadata;
import io.quarkiverse.operatorsdk.annotations.CSVMetadata.Annotations;
import io.quarkiverse.operatorsdk.annotations.CSVMetadata.Icon;
import io.quarkiverse.operatorsdk.annotations.CSVMetadata.InstallMode;
import io.quarkiverse.operatorsdk.annotations.CSVMetadata.Link;
import io.quarkiverse.operatorsdk.annotations.CSVMetadata.Maintainer;
import io.quarkiverse.operatorsdk.annotations.CSVMetadata.Provider;
import io.quarkiverse.operatorsdk.annotations.SharedCSVMetadata;

/**
 * The single source of the OLM ClusterServiceVersion metadata of the NodeDaemon bundle. What the
 * generator cannot take from here (alm-examples from k8s/samples, spec/status descriptors) is added
 * by {@code ManifestSync} during the build.
 */
@CSVMetadata(
    bundleName = NodeDaemonCSVMetadata.BUNDLE_NAME,
    displayName = "NodeDaemon",
    description =
        """
        NodeDaemon runs one copy of a pod on every node that qualifies, like an apps/v1 DaemonSet, \
        and adds what DaemonSet users have asked for: canary partitions, node-selector rollouts, \
        pause, a progress deadline, kstatus conditions and explained placement.""",
    icon = @Icon(fileName = "nodedaemon-icon.svg", mediatype = "image/svg+xml"),
    keywords = {"daemonset", "node", "rollout", "canary", "workload"},
    maturity = "alpha",
    minKubeVersion = "1.25.0",
    provider =
        @Provider(name = "NodeDaemon project", url = "https://github.com/nodedaemon/nodedaemon"),
    maintainers = @Maintainer(name = "NodeDaemon maintainers", email = "maintainers@nodedaemon.io"),
    links = {
      @Link(name = "Source", url = "https://github.com/nodedaemon/nodedaemon"),
      @Link(name = "Documentation", url = "https://github.com/nodedaemon/nodedaemon/tree/main/docs")
    },
    annotations =
        @Annotations(
            containerImage = "quay.io/nodedaemon/nodedaemon-operator:0.1.0",
            repository = "https://github.com/nodedaemon/nodedaemon",
            capabilities = "Basic Install",
            categories = "Application Runtime"),
    installModes = {
      @InstallMode(type = "OwnNamespace", supported = true),
      @InstallMode(type = "SingleNamespace", supported = true),
      @InstallMode(type = "MultiNamespace", supported = false),
      @InstallMode(type = "AllNamespaces", supported = true)
    })
public class NodeDaemonCSVMetadata implements SharedCSVMetadata {
  public static final String BUNDLE_NAME = "nodedaemon-operator";
}
