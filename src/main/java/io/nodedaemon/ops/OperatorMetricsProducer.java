package io.nodedaemon.ops;

import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * Backs JOSDK's reconciliation metrics with the Micrometer registry that `/q/metrics` exports.
 *
 * <p>quarkus-operator-sdk's default {@code Metrics} bean is read before Micrometer binds its {@code
 * MeterBinder}, so in the packaged jar it stays {@link Metrics#NOOP}; this producer replaces that
 * default bean.
 */
@Singleton
public class OperatorMetricsProducer {

  @Produces
  @Singleton
  Metrics operatorMetrics(MeterRegistry registry) {
    return MicrometerMetrics.newPerResourceCollectingMicrometerMetricsBuilder(registry).build();
  }
}
