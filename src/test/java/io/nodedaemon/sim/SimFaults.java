package io.nodedaemon.sim;

import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * Faults injected into the simulated API server, for the operator's requests only: every request of
 * the cluster's own client (tests, the scheduler and kubelet stand-ins, the invariant sampler)
 * carries {@link #EXEMPT_HEADER} and passes untouched, so the stand-ins keep the cluster moving and
 * the tests keep observing it while the operator sees the fault.
 *
 * <p>Deterministic: a fault hits every matching request, in arrival order, until it has hit as many
 * as it was given ({@code times}) or is stopped; nothing is random. Kinds of fault:
 *
 * <ul>
 *   <li>{@link #fail}: the request is answered with an error {@code Status} (409, 500, 503, ...)
 *       and never reaches the store, so nothing is written;
 *   <li>{@link #throttle}: the request is answered 429 TooManyRequests with a {@code Retry-After}
 *       header, as API Priority and Fairness does;
 *   <li>{@link #delay}: the store serves the request at once, the answer leaves after the delay (a
 *       slow API server: the write is done, the client only learns it late);
 *   <li>{@link #outage}: every request of the operator, watches included, is answered 503 until
 *       stopped (the API server unreachable behind its load balancer).
 * </ul>
 *
 * Watches are faulted through the cluster: {@link SimulatedCluster#dropWatches()} closes open watch
 * connections, {@link SimulatedCluster#compactHistory()} makes a resumed watch answer 410 Gone.
 */
public final class SimFaults {

  /** The header that exempts a request from every fault (set by the cluster's own client). */
  public static final String EXEMPT_HEADER = "X-Sim-Fault-Exempt";

  private static final Set<String> WRITES = Set.of("POST", "PUT", "PATCH", "DELETE");

  /**
   * Which requests a fault hits: a method (null: any; "WRITE": any but GET), a regular expression
   * over the path without its query (null: any), and whether watches only, or no watches, or both.
   */
  public record Requests(String method, Pattern path, Boolean watch) {

    /** Every request, watches included. */
    public static Requests all() {
      return new Requests(null, null, null);
    }

    /** Requests of one method ("POST", "PATCH", "WRITE" for any write) on matching paths. */
    public static Requests of(String method, String pathRegex) {
      return new Requests(method, Pattern.compile(pathRegex), false);
    }

    /** Watch requests on matching paths (null: every watch). */
    public static Requests watches(String pathRegex) {
      return new Requests("GET", pathRegex == null ? null : Pattern.compile(pathRegex), true);
    }

    boolean matches(String requestMethod, String bare, boolean isWatch) {
      boolean methodMatches =
          method == null
              || ("WRITE".equals(method)
                  ? WRITES.contains(requestMethod)
                  : method.equals(requestMethod));
      return methodMatches
          && (path == null || path.matcher(bare).matches())
          && (watch == null || watch == isWatch);
    }
  }

  /** One injected fault: counts its hits, and can be stopped. */
  public static final class Fault {
    private final Requests which;
    private final int code;
    private final String reason;
    private final Integer retryAfterSeconds;
    private final Duration delay;
    private final AtomicInteger remaining;
    private final AtomicInteger hits = new AtomicInteger();

    private Fault(
        Requests which,
        int code,
        String reason,
        Integer retryAfterSeconds,
        Duration delay,
        int times) {
      this.which = which;
      this.code = code;
      this.reason = reason;
      this.retryAfterSeconds = retryAfterSeconds;
      this.delay = delay;
      this.remaining = new AtomicInteger(times < 0 ? Integer.MAX_VALUE : times);
    }

    /** How many requests this fault has hit so far. */
    public int hits() {
      return hits.get();
    }

    /** Hits no more requests from now on. */
    public void stop() {
      remaining.set(0);
    }

    /** Takes one of the fault's remaining hits if the request matches. */
    private boolean take(String method, String bare, boolean isWatch) {
      if (!which.matches(method, bare, isWatch)) {
        return false;
      }
      if (remaining.getAndUpdate(n -> n > 0 ? n - 1 : 0) <= 0) {
        return false;
      }
      hits.incrementAndGet();
      return true;
    }
  }

  private final List<Fault> faults = new CopyOnWriteArrayList<>();

  /**
   * Answers the next {@code times} matching requests (negative: until stopped) with {@code code}
   * and {@code reason}; they never reach the store.
   */
  public Fault fail(Requests which, int code, String reason, int times) {
    return add(new Fault(which, code, reason, null, null, times));
  }

  /** Answers matching requests 429 TooManyRequests with {@code Retry-After: seconds}. */
  public Fault throttle(Requests which, int retryAfterSeconds, int times) {
    return add(new Fault(which, 429, "TooManyRequests", retryAfterSeconds, null, times));
  }

  /** Serves matching requests (watches never) but holds each answer back for {@code delay}. */
  public Fault delay(Requests which, Duration delay, int times) {
    return add(new Fault(which, 0, null, null, delay, times));
  }

  /** Every request of the operator fails with 503 until the returned fault is stopped. */
  public Fault outage() {
    return fail(Requests.all(), 503, "ServiceUnavailable", -1);
  }

  /** Stops and forgets every fault. */
  public void clear() {
    faults.forEach(Fault::stop);
    faults.clear();
  }

  private Fault add(Fault fault) {
    faults.add(fault);
    return fault;
  }

  static boolean exempt(RecordedRequest request) {
    return request.getHeader(EXEMPT_HEADER) != null;
  }

  /** The error answer of the first failing fault that takes the request, or null. */
  MockResponse answer(RecordedRequest request, String bare, boolean isWatch) {
    if (faults.isEmpty() || exempt(request)) {
      return null;
    }
    for (Fault f : faults) {
      if (f.delay == null && f.take(request.getMethod(), bare, isWatch)) {
        MockResponse response =
            new MockResponse()
                .setResponseCode(f.code)
                .setHeader("Content-Type", "application/json")
                .setBody(statusJson(f.code, f.reason, request.getMethod() + " " + bare));
        if (f.retryAfterSeconds != null) {
          response.setHeader("Retry-After", f.retryAfterSeconds);
        }
        return response;
      }
    }
    return null;
  }

  /** How long to hold back the answer to the request (null: not at all). */
  Duration delayOf(RecordedRequest request, String bare, boolean isWatch) {
    if (faults.isEmpty() || isWatch || exempt(request)) {
      return null;
    }
    for (Fault f : faults) {
      if (f.delay != null && f.take(request.getMethod(), bare, false)) {
        return f.delay;
      }
    }
    return null;
  }

  private static String statusJson(int code, String reason, String what) {
    return "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
        + "\"reason\":\""
        + reason
        + "\",\"code\":"
        + code
        + ",\"message\":\"injected fault: "
        + code
        + " on "
        + what.replace("\"", "'")
        + "\"}";
  }
}
