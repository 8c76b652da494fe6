package io.nodedaemon.cluster;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nodedaemon.sim.KubeletStandIn;
import io.nodedaemon.sim.SimNode;
import io.nodedaemon.sim.WriteLog;
import java.util.Map;

/**
 * What an end-to-end test needs of a cluster, on either backend: the simulated cluster ({@link
 * io.nodedaemon.sim.SimulatedCluster}) or the real control plane ({@link RealControlPlane}). The
 * same test classes run on both; {@link Backend} says which one a run uses.
 */
public interface TestCluster extends AutoCloseable {

  /** A client with every right (the cluster's admin), default namespace {@code default}. */
  KubernetesClient client();

  /**
   * The Quarkus kubernetes-client properties the operator uses against this cluster (server URL,
   * credentials, TLS), under their {@code quarkus.kubernetes-client.*} names. On the real control
   * plane they carry the token of the operator's ServiceAccount, so the operator has exactly the
   * rights of the generated RBAC.
   */
  Map<String, String> operatorClientProperties();

  Node addNode(SimNode node);

  /** Replaces labels, taints, readiness and cordon flag of an existing node. */
  Node updateNode(SimNode node);

  void removeNode(String name);

  /** Creates the namespace if it is missing, and waits until pods can be created in it. */
  void createNamespace(String name);

  /** The kubelet of every node: starts bound pods, and lets tests fail pods or hold readiness. */
  KubeletStandIn kubelet();

  /**
   * Replaces the kubelet with one that takes {@code kubeletDelay} to start a pod (tests that change
   * its pace).
   */
  void restartKubelet(java.time.Duration kubeletDelay);

  /** The writes the operator made (on the simulated cluster: every write the server received). */
  WriteLog writes();

  /** Which backend this is, for the rare assertion that differs ("sim" or "real"). */
  String backend();

  @Override
  void close();
}
