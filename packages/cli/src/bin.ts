#!/usr/bin/env node
import { processIO } from "./cli-io.js";
import { main } from "./cli.js";

process.exitCode = await main(process.argv.slice(2), processIO);
