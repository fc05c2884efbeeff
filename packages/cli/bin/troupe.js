#!/usr/bin/env node
// The `troupe` command. Committed (not built) so npm can link it at install time, before
// `npm run build` has made dist/; it loads the built CLI.
import { existsSync } from "node:fs";

const built = new URL("../dist/bin.js", import.meta.url);
if (!existsSync(built)) {
  process.stderr.write(
    "troupe: the CLI is not built yet; run `npm run build` in the Troupe checkout, then try again\n",
  );
  process.exit(1);
}
await import(built.href);
