export { main } from "./cli.js";
export { processIO, UsageError, type CliIO } from "./cli-io.js";
export { formatEvent } from "./format-event.js";
