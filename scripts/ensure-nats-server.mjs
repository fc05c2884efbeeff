#!/usr/bin/env node
// pretest: integration tests start their own nats-server on loopback; make sure the binary exists.
// Installs Debian's nats-server with apt when running as root, otherwise says the exact command.
import { execFileSync, spawnSync } from "node:child_process";

const has = () => spawnSync("nats-server", ["--version"], { stdio: "ignore" }).status === 0;
if (has()) process.exit(0);

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
const hasApt = spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status === 0;
if (isRoot && hasApt) {
  console.error("pretest: nats-server is missing; installing Debian's nats-server with apt-get ...");
  try {
    execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
    execFileSync("apt-get", ["install", "-y", "-qq", "nats-server"], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  } catch {
    // reported below
  }
  if (has()) process.exit(0);
}
console.error(
  "pretest: the integration tests need nats-server and it is not installed.\n" +
    "Install it, then run npm test again:\n\n    sudo apt-get update && sudo apt-get install -y nats-server\n",
);
process.exit(1);
