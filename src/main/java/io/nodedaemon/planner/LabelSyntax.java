package io.nodedaemon.planner;

import java.util.regex.Pattern;

/**
 * Label keys and values as apimachinery's validation checks them (IsQualifiedName,
 * IsValidLabelValue): the pod the operator creates carries the template's labels, so a label the
 * API server would refuse on a pod is refused up front. Total: any string, null included, gets an
 * answer (null when valid, else why not), and the regular expressions only ever see strings already
 * known to be short.
 */
final class LabelSyntax {
  static final int NAME_MAX = 63;
  static final int PREFIX_MAX = 253;
  static final int VALUE_MAX = 63;

  private static final Pattern NAME = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
  private static final Pattern DNS1123_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  private LabelSyntax() {}

  /** Why {@code key} is not a valid label key, or null when it is. */
  static String keyProblem(String key) {
    if (key == null || key.isEmpty()) {
      return "must not be empty";
    }
    int slash = key.indexOf('/');
    String name = key;
    if (slash >= 0) {
      String prefix = key.substring(0, slash);
      name = key.substring(slash + 1);
      if (prefix.isEmpty()) {
        return "prefix part must not be empty";
      }
      if (prefix.length() > PREFIX_MAX) {
        return "prefix part must be no more than " + PREFIX_MAX + " characters";
      }
      if (!DNS1123_SUBDOMAIN.matcher(prefix).matches()) {
        return "prefix part must be a lowercase DNS subdomain (e.g. example.com)";
      }
    }
    if (name.isEmpty()) {
      return "name part must not be empty";
    }
    if (name.length() > NAME_MAX) {
      return "name part must be no more than " + NAME_MAX + " characters";
    }
    if (!NAME.matcher(name).matches()) {
      return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
    }
    return null;
  }

  /**
   * Why {@code value} is not a valid label value, or null when it is (the empty string is valid).
   */
  static String valueProblem(String value) {
    if (value == null) {
      return "must not be null";
    }
    if (value.length() > VALUE_MAX) {
      return "must be no more than " + VALUE_MAX + " characters";
    }
    if (!value.isEmpty() && !NAME.matcher(value).matches()) {
      return "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
    }
    return null;
  }

  /**
   * A string as it may appear in a message: quoted and cut short, since it may be megabytes long.
   */
  static String quote(String s) {
    if (s == null) {
      return "null";
    }
    return "\"" + (s.length() <= 64 ? s : s.substring(0, 64) + "...") + "\"";
  }
}
