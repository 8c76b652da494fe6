package io.nodedaemon.planner;

/**
 * The apps/v1 DaemonSet status counters, computed per node from the oldest pod on it (upstream's
 * updateDaemonSetStatus).
 */
public record DaemonCounts(
    int desiredNumberScheduled,
    int currentNumberScheduled,
    int numberMisscheduled,
    int numberReady,
    int updatedNumberScheduled,
    int numberAvailable,
    int numberUnavailable) {}
