package io.nodedaemon.planner.rollout;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.ControllerRevision;
import io.fabric8.kubernetes.api.model.apps.ControllerRevisionBuilder;
import io.nodedaemon.api.NodeDaemon;
import io.nodedaemon.planner.DaemonPodFactory;
import io.nodedaemon.planner.Hashing;
import io.nodedaemon.planner.LabelSelectors;
import io.nodedaemon.planner.PodStates;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Revision history of a NodeDaemon (upstream's history.go and the constructHistory/cleanupHistory
 * of update.go, pure): template hashes, revision names, and the plan of ControllerRevision writes.
 */
public final class Revisions {

  /** Revisions kept for rollback when spec.revisionHistoryLimit is absent (as apps/v1). */
  public static final int DEFAULT_REVISION_HISTORY_LIMIT = 10;

  /**
   * Copied from the NodeDaemon onto each new revision, so a history listing shows why it changed.
   */
  public static final String CHANGE_CAUSE_ANNOTATION = "kubernetes.io/change-cause";

  /** Upstream's rand.SafeEncodeString alphabet: no vowels (no words), no 0/1/3 (look-alikes). */
  private static final String SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

  private static final int HASH_LENGTH = 10;
  private static final int MAX_NAME_LENGTH = 253;
  private static final int MAX_COLLISION_RETRIES = 1000;
  private static final Comparator<ControllerRevision> BY_REVISION =
      Comparator.comparing((ControllerRevision r) -> revisionNumber(r))
          .thenComparing(r -> r.getMetadata().getName());

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private Revisions() {}

  /**
   * A stable, DNS-label-safe hash of the template and the collision count (upstream's
   * ControllerRevisionHash). The template is hashed as canonical JSON (keys sorted, empty fields
   * omitted as the API omits them), so two templates that serialise alike hash alike. It is not
   * byte-compatible with upstream's hash, which hashes Go's in-memory dump of the struct.
   */
  public static String hash(PodTemplateSpec template, Integer collisionCount) {
    // As upstream: no collision count and a count of 0 hash differently.
    byte[] sum =
        Hashing.sha256(
            collisionCount == null
                ? canonicalJson(template)
                : canonicalJson(template) + "\u0000" + collisionCount);
    long bits = 0;
    for (int i = 0; i < 8; i++) {
      bits = (bits << 8) | (sum[i] & 0xff);
    }
    StringBuilder out = new StringBuilder(HASH_LENGTH);
    for (int i = 0; i < HASH_LENGTH; i++) {
      out.append(SAFE_ALPHABET.charAt((int) Long.remainderUnsigned(bits, SAFE_ALPHABET.length())));
      bits = Long.divideUnsigned(bits, SAFE_ALPHABET.length());
    }
    return out.toString();
  }

  /**
   * {@code <name>-<hash>}, the name shortened so that the whole stays a valid 253-character object
   * name.
   */
  public static String revisionName(String daemonName, String hash) {
    String prefix = daemonName;
    int room = MAX_NAME_LENGTH - 1 - hash.length();
    if (prefix.length() > room) {
      prefix = prefix.substring(0, room);
      // A DNS subdomain may not have "." next to "-": trim what the cut left dangling.
      while (!prefix.isEmpty() && (prefix.endsWith(".") || prefix.endsWith("-"))) {
        prefix = prefix.substring(0, prefix.length() - 1);
      }
    }
    return prefix + "-" + hash;
  }

  /**
   * The data a revision stores, upstream's getPatch without its strategic-merge directive (custom
   * resources take no strategic merge patch): {@code {"spec": {"template": ...}}}.
   */
  public static Map<String, Object> revisionData(PodTemplateSpec template) {
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("template", MAPPER.convertValue(template, Object.class));
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("spec", spec);
    return data;
  }

  /**
   * The template a revision stores (the inverse of {@link #revisionData}), or null when its data
   * holds none. Read from the API server, data is a RawExtension; written by us, a map.
   */
  public static PodTemplateSpec storedTemplate(ControllerRevision revision) {
    if (revision.getData() == null) {
      return null;
    }
    Object data = MAPPER.convertValue(revision.getData(), Object.class);
    if (data instanceof Map<?, ?> map
        && map.get("spec") instanceof Map<?, ?> spec
        && spec.get("template") != null) {
      return MAPPER.convertValue(spec.get("template"), PodTemplateSpec.class);
    }
    return null;
  }

  /** Upstream's Match: whether the revision stores exactly this template. */
  public static boolean match(PodTemplateSpec template, ControllerRevision revision) {
    return canonicalJson(revisionData(template)).equals(canonicalJson(revision.getData()));
  }

  /** The hash a revision stands for: its controller-revision-hash label, else its name's suffix. */
  public static String hashOf(ControllerRevision revision) {
    Map<String, String> labels = revision.getMetadata().getLabels();
    String label = labels == null ? null : labels.get(PodStates.REVISION_LABEL);
    if (label != null && !label.isEmpty()) {
      return label;
    }
    String name = revision.getMetadata().getName();
    int dash = name.lastIndexOf('-');
    return dash < 0 ? name : name.substring(dash + 1);
  }

  /**
   * Plans the revision history for this pass.
   *
   * @param daemon the NodeDaemon (its template, revisionHistoryLimit and status.collisionCount)
   * @param revisions the ControllerRevisions the NodeDaemon controls
   * @param pods the pods the NodeDaemon controls, terminating ones included: a revision a pod still
   *     carries is never deleted
   */
  public static RevisionPlan plan(
      NodeDaemon daemon, Collection<ControllerRevision> revisions, Collection<Pod> pods) {
    PodTemplateSpec template = daemon.getSpec().getTemplate();
    String expected = canonicalJson(revisionData(template));

    List<ControllerRevision> current = new ArrayList<>();
    List<ControllerRevision> old = new ArrayList<>();
    for (ControllerRevision r : revisions) {
      (expected.equals(canonicalJson(r.getData())) ? current : old).add(r);
    }
    Integer collisionCount =
        daemon.getStatus() == null ? null : daemon.getStatus().getCollisionCount();

    ControllerRevision updateRevision;
    ControllerRevision toCreate = null;
    ControllerRevision toRenumber = null;
    if (!current.isEmpty()) {
      // Keep the newest match (upstream's dedupCurHistories); other matches become plain history,
      // deleted by the history limit once no pod carries their hash.
      current.sort(BY_REVISION);
      ControllerRevision keep = current.remove(current.size() - 1);
      old.addAll(current);
      long nextRevision = maxRevision(old) + 1;
      if (revisionNumber(keep) < nextRevision) {
        // Going back to an earlier template: reuse its revision, but as the newest one.
        toRenumber = new ControllerRevisionBuilder(keep).withRevision(nextRevision).build();
        updateRevision = toRenumber;
      } else {
        updateRevision = keep;
      }
    } else {
      Map<String, ControllerRevision> byName = new HashMap<>();
      for (ControllerRevision r : revisions) {
        byName.put(r.getMetadata().getName(), r);
      }
      String name = revisionName(daemon.getMetadata().getName(), hash(template, collisionCount));
      for (int i = 0; byName.containsKey(name); i++) {
        if (i == MAX_COLLISION_RETRIES) {
          throw new IllegalStateException("no free revision name after " + i + " hash collisions");
        }
        // A revision by that name stores another template: upstream bumps collisionCount and
        // rehashes.
        collisionCount = nextCollisionCount(collisionCount);
        name = revisionName(daemon.getMetadata().getName(), hash(template, collisionCount));
      }
      toCreate = snapshot(daemon, template, hash(template, collisionCount), maxRevision(old) + 1);
      updateRevision = toCreate;
    }
    String updateHash = hashOf(updateRevision);
    List<ControllerRevision> toDelete = cleanupHistory(daemon, old, pods);
    String currentHash = currentHash(updateRevision, old, pods);
    return new RevisionPlan(
        updateRevision, updateHash, currentHash, collisionCount, toCreate, toRenumber, toDelete);
  }

  /**
   * Upstream's ClaimControllerRevisions, the adopting half: revisions of the namespace that no
   * controller owns and whose labels match the NodeDaemon's selector join its history (a NodeDaemon
   * deleted with orphan propagation and created again gets its history back). None while the
   * NodeDaemon is being deleted, or when its selector is empty. Releasing owned revisions that stop
   * matching is left out: spec.selector is immutable.
   */
  public static List<ControllerRevision> orphansToAdopt(
      NodeDaemon daemon, Collection<ControllerRevision> revisions) {
    if (daemon.getMetadata().getDeletionTimestamp() != null
        || daemon.getSpec() == null
        || LabelSelectors.isEmpty(daemon.getSpec().getSelector())) {
      return List.of();
    }
    List<ControllerRevision> orphans = new ArrayList<>();
    for (ControllerRevision r : revisions) {
      boolean controlled =
          r.getMetadata().getOwnerReferences() != null
              && r.getMetadata().getOwnerReferences().stream()
                  .anyMatch(o -> Boolean.TRUE.equals(o.getController()));
      Map<String, String> labels =
          r.getMetadata().getLabels() == null ? Map.of() : r.getMetadata().getLabels();
      if (!controlled && LabelSelectors.matches(daemon.getSpec().getSelector(), labels)) {
        orphans.add(r);
      }
    }
    return orphans;
  }

  /**
   * The collision count after one more collision (nil counts as 0, as upstream). The shell uses it
   * too when creating a revision fails with AlreadyExists on an object it did not list.
   */
  public static int nextCollisionCount(Integer collisionCount) {
    return collisionCount == null ? 1 : collisionCount + 1;
  }

  /** Upstream's snapshot: the revision object to create for the current template. */
  static ControllerRevision snapshot(
      NodeDaemon daemon, PodTemplateSpec template, String hash, long revision) {
    Map<String, String> labels = new TreeMap<>();
    if (template.getMetadata() != null && template.getMetadata().getLabels() != null) {
      labels.putAll(template.getMetadata().getLabels());
    }
    labels.put(PodStates.REVISION_LABEL, hash);
    ObjectMeta meta = daemon.getMetadata();
    Map<String, String> annotations = new TreeMap<>();
    if (meta.getAnnotations() != null
        && meta.getAnnotations().containsKey(CHANGE_CAUSE_ANNOTATION)) {
      annotations.put(CHANGE_CAUSE_ANNOTATION, meta.getAnnotations().get(CHANGE_CAUSE_ANNOTATION));
    }
    return new ControllerRevisionBuilder()
        .withNewMetadata()
        .withName(revisionName(meta.getName(), hash))
        .withNamespace(meta.getNamespace())
        .withLabels(labels)
        .withAnnotations(annotations.isEmpty() ? null : annotations)
        .withOwnerReferences(DaemonPodFactory.controllerReference(daemon))
        .endMetadata()
        .withData(revisionData(template))
        .withRevision(revision)
        .build();
  }

  /**
   * Upstream's cleanupHistory: beyond revisionHistoryLimit, delete old revisions from the lowest
   * revision number up, skipping any whose hash a pod still carries (it may be needed to tell that
   * pod's template, and a rollback to it should find it), nor the target of a rollback in force
   * (SPEC §9: its template is what the rollback creates pods from).
   */
  static List<ControllerRevision> cleanupHistory(
      NodeDaemon daemon, List<ControllerRevision> old, Collection<Pod> pods) {
    Integer limit = daemon.getSpec().getRevisionHistoryLimit();
    int toKill = old.size() - (limit == null ? DEFAULT_REVISION_HISTORY_LIMIT : Math.max(0, limit));
    if (toKill <= 0) {
      return List.of();
    }
    Set<String> liveHashes = new HashSet<>();
    for (Pod pod : pods) {
      String hash = PodStates.revision(pod);
      if (hash != null && !hash.isEmpty()) {
        liveHashes.add(hash);
      }
    }
    if (daemon.getStatus() != null && daemon.getStatus().getRollback() != null) {
      liveHashes.add(daemon.getStatus().getRollback().toRevision());
    }
    List<ControllerRevision> sorted = new ArrayList<>(old);
    sorted.sort(BY_REVISION);
    List<ControllerRevision> toDelete = new ArrayList<>();
    for (ControllerRevision r : sorted) {
      if (toKill <= 0) {
        break;
      }
      if (liveHashes.contains(hashOf(r))) {
        continue;
      }
      toDelete.add(r);
      toKill--;
    }
    return toDelete;
  }

  /**
   * status.currentRevision: the hash of the lowest-numbered revision that a live (not terminating)
   * pod still carries, i.e. where the rollout started from; the update hash once every pod is
   * updated, as StatefulSet reports it. Pods with a hash no revision knows are ignored.
   */
  static String currentHash(
      ControllerRevision updateRevision, List<ControllerRevision> old, Collection<Pod> pods) {
    Map<String, Long> numberByHash = new HashMap<>();
    // Keys interned as a cached pod's revision is (CachedPod): each pod's lookup compares by ==.
    for (ControllerRevision r : old) {
      numberByHash.merge(hashOf(r).intern(), revisionNumber(r), Math::min);
    }
    String updateHash = hashOf(updateRevision).intern();
    numberByHash.put(updateHash, revisionNumber(updateRevision));
    String oldest = null;
    long oldestNumber = Long.MAX_VALUE;
    for (Pod pod : pods) {
      if (PodStates.isTerminating(pod)) {
        continue;
      }
      String hash = PodStates.revision(pod);
      Long number = hash == null ? null : numberByHash.get(hash);
      if (number != null
          && (number < oldestNumber || (number == oldestNumber && hash.compareTo(oldest) < 0))) {
        oldest = hash;
        oldestNumber = number;
      }
    }
    return oldest == null ? updateHash : oldest;
  }

  private static long maxRevision(Collection<ControllerRevision> revisions) {
    long max = 0;
    for (ControllerRevision r : revisions) {
      max = Math.max(max, revisionNumber(r));
    }
    return max;
  }

  private static long revisionNumber(ControllerRevision r) {
    return r.getRevision() == null ? 0 : r.getRevision();
  }

  /**
   * JSON with map keys sorted at every depth, so that equal content yields equal text whatever the
   * field order or number type (int vs long) it was read with.
   */
  static String canonicalJson(Object value) {
    try {
      return MAPPER.writeValueAsString(sorted(MAPPER.convertValue(value, Object.class)));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot serialise " + value.getClass().getSimpleName(), e);
    }
  }

  private static Object sorted(Object node) {
    if (node instanceof Map<?, ?> map) {
      TreeMap<String, Object> out = new TreeMap<>();
      map.forEach((k, v) -> out.put(String.valueOf(k), sorted(v)));
      return out;
    }
    if (node instanceof List<?> list) {
      List<Object> out = new ArrayList<>(list.size());
      list.forEach(v -> out.add(sorted(v)));
      return out;
    }
    return node;
  }
}
