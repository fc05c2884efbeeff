// Validates spec files for test/hostile-specs.test.ts in a worker thread, with the validateTeam
// `troupe validate` calls (built: npm run build), so the test can stop a case that hangs.
import { parentPort } from "node:worker_threads";
import { isTroupeError } from "../packages/core/dist/index.js";
import { validateTeam } from "../patterns/dist/index.js";

// the imports above are done: the test starts its clock per case from here
parentPort.postMessage({ ready: true });

parentPort.on("message", async ({ id, file }) => {
  try {
    const spec = await validateTeam(file);
    parentPort.postMessage({ id, accepted: true, name: spec.name });
  } catch (error) {
    parentPort.postMessage({
      id,
      accepted: false,
      typed: isTroupeError(error),
      code: error?.code,
      message: error instanceof Error ? error.message : String(error),
      problems: isTroupeError(error) ? error.details?.problems : undefined,
    });
  }
});
