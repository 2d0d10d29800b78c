import { DiagLogLevel, diag, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Logger } from 'pino';
import type { TracingConfig } from '../config.js';

export interface Tracing {
  /** What tailor's spans are made with; handed to the API, the queue and the worker. */
  tracer: Tracer;
  /** Sends the spans still buffered and stops; call it last, after the services closed. */
  shutdown(): Promise<void>;
}

/**
 * Starts OpenTelemetry's SDK for this process when tracing is configured: spans are batched
 * and sent as OTLP/HTTP (JSON) to `config.tracesUrl`; W3C trace context is the propagation
 * format (`traceparent` in requests, in BullMQ's job options between API and worker). The
 * context manager is the SDK's AsyncLocalStorage one, so a span stays current across awaits.
 * Off (no `config`): nothing is started, and callers make no spans at all.
 */
export function startTracing(
  config: TracingConfig | undefined,
  defaults: { serviceName: string; version: string },
  log: Logger,
): Tracing | undefined {
  if (config === undefined) return undefined;
  // The SDK reports failed exports through its diagnostic logger, silent unless one is set.
  diag.setLogger(
    {
      error: (message, ...args) => log.warn({ args }, `tracing: ${message}`),
      warn: (message, ...args) => log.warn({ args }, `tracing: ${message}`),
      info: () => {},
      debug: () => {},
      verbose: () => {},
    },
    DiagLogLevel.WARN,
  );
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: config.serviceName ?? defaults.serviceName,
      [ATTR_SERVICE_VERSION]: defaults.version,
    }),
    // Bounded: past 2048 spans waiting (a collector down), new ones are dropped.
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: config.tracesUrl }))],
  });
  provider.register();
  log.info({ tracesUrl: config.tracesUrl }, 'tracing on: spans go to the OTLP receiver');
  return {
    tracer: provider.getTracer('tailor', defaults.version),
    shutdown: () => provider.shutdown(),
  };
}
