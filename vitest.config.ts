import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      "@troupe/core": src("./packages/core/src/index.ts"),
      "@troupe/testing": src("./packages/testing/src/index.ts"),
      "@troupe/patterns": src("./patterns/src/index.ts"),
      "@troupe/agents": src("./agents/src/index.ts"),
      "@troupe/nats": src("./packages/nats/src/index.ts"),
      "@troupe/metrics": src("./packages/metrics/src/index.ts"),
      "@troupe/store-sqlite": src("./packages/store-sqlite/src/index.ts"),
      "@troupe/store-postgres": src("./packages/store-postgres/src/index.ts"),
    },
  },
  test: {
    include: [
      "packages/*/src/**/*.test.ts",
      "patterns/src/**/*.test.ts",
      "agents/src/**/*.test.ts",
      "examples/*/**/*.test.ts",
      "test/**/*.test.ts",
    ],
    exclude: ["**/node_modules/**", "**/dist/**"],
    testTimeout: 60_000,
    // Integration tests time real servers (TTL expiry, failover, SIGKILL) on 2 shared cores: under
    // CI a failure gets one more try; a test that fails twice still fails the run.
    retry: process.env.CI ? 1 : 0,
    hookTimeout: 60_000,
  },
});
