/** @module Observability's public door: Prometheus metrics, the store timing decorator, OpenTelemetry tracing and their HTTP hooks. */
import type { TrellisConfig } from '../../core/config.js';
import type { Store } from '../../store/index.js';
import { startDefaultMetrics } from './metrics-registry.js';
import { instrumentStore } from './store-metrics.js';
import { type Tracing, createTracing } from './tracing.js';

export {
  type JobOutcome,
  type WebhookOutcome,
  metricsRegistry,
  recordEventHandoff,
  recordJob,
  recordWebhookDelivery,
  setJobCounts,
} from './metrics-registry.js';
export { registerHttpMetrics } from './http-metrics.js';
export { registerMetricsRoute } from './metrics-route.js';
export { instrumentStore } from './store-metrics.js';
export { type Tracing, createTracing, registerTracingHooks } from './tracing.js';

/** The observability of one process. */
export interface ObservabilityService {
  /** The tracer; null unless an OTLP endpoint is configured. */
  tracing: Tracing | null;
  /** Wraps a store with timing (and query spans when tracing). */
  instrument(store: Store): Store;
  /** Flushes and stops the trace exporter when the server stops. */
  readonly background: { readonly name: string; start(): void; stop(): Promise<void> };
}

/**
 * Starts the default process metrics and builds the tracer from configuration.
 * @example
 * const observability = createObservability(config);
 * const store = observability.instrument(openStore(config));
 */
export function createObservability(config: TrellisConfig): ObservabilityService {
  startDefaultMetrics();
  const tracing = createTracing(config.otlpEndpoint);
  return {
    tracing,
    instrument: (store) => instrumentStore(store, tracing),
    background: { name: 'tracing', start() {}, stop: async () => tracing?.shutdown() },
  };
}
