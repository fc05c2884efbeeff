// After tsc -b: make the CLI entry executable (tsc does not keep file modes).
import { chmodSync, existsSync } from "node:fs";
const bin = new URL("../packages/cli/dist/bin.js", import.meta.url);
if (existsSync(bin)) chmodSync(bin, 0o755);
