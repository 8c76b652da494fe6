package io.nodedaemon.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;

/** The namespace/name key under which per-NodeDaemon memory (in-flight writes, backoff) is kept. */
final class ReconcilerKeys {
  private ReconcilerKeys() {}

  static String of(HasMetadata daemon) {
    return daemon.getMetadata().getNamespace() + "/" + daemon.getMetadata().getName();
  }
}
