#!/usr/bin/env node
import { processIO } from "./cli-io.js";
import { main } from "./cli.js";
import { startTracing } from "./tracing.js";

// a closed pipe (troupe schema | head) ends the output, not the program with a stack trace
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});
// spans go out when OTEL_TRACES_EXPORTER etc. ask for it; every way out flushes them first
const tracing = startTracing(process.env, processIO.err);
const io = tracing
  ? { ...processIO, exit: (code: number) => void tracing.shutdown().finally(() => process.exit(code)) }
  : processIO;
try {
  process.exitCode = await main(process.argv.slice(2), io);
} finally {
  await tracing?.shutdown();
}
