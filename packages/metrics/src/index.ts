export { TroupeMetrics, type TroupeMetricsOptions, type MetricSources, type BreakerState } from "./troupe-metrics.js";
export { metricsInterceptor } from "./metrics-interceptor.js";
export { observeRunEvents, type RunEventObserver } from "./run-event-metrics.js";
export { serveMetrics, type ServeMetricsOptions, type MetricsServer } from "./serve-metrics.js";
