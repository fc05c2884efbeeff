import os from "node:os";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** What the figures were measured on: they mean little without it. */
export function machineInfo() {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpus: cpus.length,
    availableParallelism: typeof os.availableParallelism === "function" ? os.availableParallelism() : cpus.length,
    cpuModel: cpus[0]?.model ?? "unknown",
    memoryGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    versions: Object.fromEntries(
      [
        "@langchain/langgraph",
        "@langchain/core",
        "@langchain/langgraph-supervisor",
        "@langchain/langgraph-swarm",
        "@langchain/langgraph-checkpoint-sqlite",
        "zod",
      ].map((name) => [name, versionOf(name)]),
    ),
  };
}

function versionOf(name) {
  try {
    return require(`${name}/package.json`).version;
  } catch {
    return "unknown";
  }
}
