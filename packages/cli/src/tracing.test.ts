import { describe, expect, it } from "vitest";
import { startTracing } from "./tracing.js";

describe("startTracing (OTEL_* variables)", () => {
  const notices: string[] = [];
  const notice = (line: string) => notices.push(line);

  it("sets nothing up unless the variables ask for traces", () => {
    expect(startTracing({}, notice)).toBeUndefined();
    expect(startTracing({ OTEL_TRACES_EXPORTER: "none" }, notice)).toBeUndefined();
    expect(startTracing({ OTEL_TRACES_EXPORTER: "otlp", OTEL_SDK_DISABLED: "true" }, notice)).toBeUndefined();
    expect(notices).toEqual([]);
  });

  it("says so when it cannot honour the exporter or protocol asked for", () => {
    notices.length = 0;
    expect(startTracing({ OTEL_TRACES_EXPORTER: "zipkin" }, notice)).toBeUndefined();
    expect(startTracing({ OTEL_TRACES_EXPORTER: "otlp", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }, notice)).toBeUndefined();
    expect(notices).toEqual([
      'OTEL_TRACES_EXPORTER: "zipkin" is not supported here (use otlp or console); no spans go there',
      'OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" is not supported here (use http/protobuf or http/json); traces are off',
    ]);
  });
});
