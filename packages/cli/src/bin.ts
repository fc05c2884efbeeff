#!/usr/bin/env node
import { processIO } from "./cli-io.js";
import { main } from "./cli.js";

// a closed pipe (troupe schema | head) ends the output, not the program with a stack trace
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});
process.exitCode = await main(process.argv.slice(2), processIO);
