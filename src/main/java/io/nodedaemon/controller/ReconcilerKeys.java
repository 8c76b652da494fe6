package io.nodedaemon.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * The key under which per-NodeDaemon memory (in-flight writes, backoffs, last status written) is
 * kept: the uid, so that a NodeDaemon deleted and re-created under the same name inherits nothing.
 */
final class ReconcilerKeys {
  private ReconcilerKeys() {}

  static String of(HasMetadata daemon) {
    return daemon.getMetadata().getUid();
  }

  /**
   * namespace/name, for what is named after the NodeDaemon rather than kept for one incarnation
   * (metrics).
   */
  static String name(HasMetadata daemon) {
    return daemon.getMetadata().getNamespace() + "/" + daemon.getMetadata().getName();
  }
}
