package io.nodedaemon.api;

/**
 * The bounds the CRD schema puts on every map, list and string that a CEL rule walks. A real
 * kube-apiserver estimates a rule's cost from these bounds before it accepts the CRD; without them
 * it assumes each value may be as large as a whole request (3 MiB) and refuses the rules as too
 * expensive. Where Kubernetes has its own limit we use it; where it has none we pick one far above
 * what a DaemonSet-like workload needs, and say so.
 */
final class SchemaLimits {
  private SchemaLimits() {}

  /** A qualified label key: an optional DNS-1123 subdomain prefix (253) + "/" + a name (63). */
  static final long LABEL_KEY = 253 + 1 + 63;

  /** A label value (validation.LabelValueMaxLength). */
  static final long LABEL_VALUE = 63;

  /**
   * Labels in a selector or a pod template. Kubernetes bounds labels only through the 256 KiB of
   * all metadata; 64 pairs is far beyond any real selector and keeps the CEL cost estimate small.
   */
  static final long LABELS = 64;

  /** Requirements in a label selector: upstream has no limit; 64 is far beyond any real one. */
  static final long REQUIREMENTS = 64;

  /**
   * Values of one In/NotIn requirement: upstream has no limit; 256 covers e.g. a list of node
   * names.
   */
  static final long REQUIREMENT_VALUES = 256;
}
