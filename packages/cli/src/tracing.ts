import { OTLPTraceExporter as OtlpJsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as OtlpProtoExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, ConsoleSpanExporter, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";

type Env = Readonly<Record<string, string | undefined>>;

/** A running trace SDK: `shutdown()` flushes the spans still buffered (bounded) and stops it. */
export interface Tracing {
  shutdown(): Promise<void>;
}

/**
 * Sets up the OpenTelemetry trace SDK when the standard variables ask for it: `OTEL_TRACES_EXPORTER`
 * (`otlp`, `console`; or an `OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT` alone means `otlp`),
 * `OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL` (`http/protobuf`, the default, or `http/json`),
 * `OTEL_SERVICE_NAME` (default `troupe`), `OTEL_RESOURCE_ATTRIBUTES`; `OTEL_SDK_DISABLED=true`
 * turns it off. Registers the provider globally (with the W3C propagator and async context), so
 * @troupe/core's spans reach it. Returns undefined when nothing asked for traces.
 *
 * @example
 * const tracing = startTracing(process.env, (line) => console.error(line));
 * try { await work(); } finally { await tracing?.shutdown(); }
 */
export function startTracing(env: Env, notice: (line: string) => void): Tracing | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return undefined;
  const endpoint = tracesEndpoint(env);
  const names = (env.OTEL_TRACES_EXPORTER ?? (endpoint ? "otlp" : "none"))
    .split(",")
    .map((n) => n.trim().toLowerCase())
    .filter((n) => n && n !== "none");
  const exporters: SpanExporter[] = [];
  for (const name of names) {
    if (name === "console") exporters.push(new ConsoleSpanExporter());
    else if (name === "otlp") {
      const exporter = otlpExporter(env, endpoint, notice);
      if (exporter) exporters.push(exporter);
    } else notice(`OTEL_TRACES_EXPORTER: "${name}" is not supported here (use otlp or console); no spans go there`);
  }
  if (!exporters.length) return undefined;
  const resource = defaultResource()
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(resourceFromAttributes(env.OTEL_SERVICE_NAME ? {} : { "service.name": "troupe" }));
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors: exporters.map((exporter) => new BatchSpanProcessor(exporter)),
  });
  provider.register();
  return {
    shutdown: async () => {
      // a collector that does not answer must not hold the command's exit for long
      const bounded = new Promise<void>((resolve) => setTimeout(resolve, 5000).unref());
      await Promise.race([provider.shutdown().catch(() => undefined), bounded]);
    },
  };
}

function otlpExporter(env: Env, url: string | undefined, notice: (line: string) => void): SpanExporter | undefined {
  const protocol = (
    env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ??
    env.OTEL_EXPORTER_OTLP_PROTOCOL ??
    "http/protobuf"
  ).trim();
  const options = url ? { url } : {};
  if (protocol === "http/json") return new OtlpJsonExporter(options);
  if (protocol === "http/protobuf") return new OtlpProtoExporter(options);
  notice(
    `OTEL_EXPORTER_OTLP_PROTOCOL: "${protocol}" is not supported here (use http/protobuf or http/json); traces are off`,
  );
  return undefined;
}

/** The traces URL: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is, else OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces. */
function tracesEndpoint(env: Env): string | undefined {
  const own = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (own) return own;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  return base ? `${base.replace(/\/+$/, "")}/v1/traces` : undefined;
}
