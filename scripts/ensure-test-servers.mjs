#!/usr/bin/env node
// pretest: integration tests start their own nats-server, PostgreSQL and Prometheus on loopback (the
// metrics tests also run promtool); make sure the binaries exist. Installs the Debian packages with apt when running as root, otherwise stops with
// the exact command to run. Integration tests are never skipped.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";

const needs = [
  { pkg: "nats-server", present: () => spawnSync("nats-server", ["--version"], { stdio: "ignore" }).status === 0 },
  {
    pkg: "postgresql",
    present: () =>
      Boolean(process.env.PG_BIN && existsSync(`${process.env.PG_BIN}/initdb`)) ||
      (existsSync("/usr/lib/postgresql") &&
        readdirSync("/usr/lib/postgresql").some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`))) ||
      spawnSync("initdb", ["--version"], { stdio: "ignore" }).status === 0,
  },
  {
    pkg: "prometheus",
    present: () =>
      spawnSync("prometheus", ["--version"], { stdio: "ignore" }).status === 0 &&
      spawnSync("promtool", ["--version"], { stdio: "ignore" }).status === 0,
  },
];

let missing = needs.filter((n) => !n.present());
if (missing.length === 0) process.exit(0);

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
const hasApt = spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status === 0;
const packages = missing.map((n) => n.pkg);
if (isRoot && hasApt) {
  console.error(`pretest: installing ${packages.join(" and ")} with apt-get for the integration tests ...`);
  try {
    execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
    execFileSync("apt-get", ["install", "-y", "-qq", ...packages], {
      stdio: "inherit",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
  } catch {
    // reported below
  }
  missing = missing.filter((n) => !n.present());
  if (missing.length === 0) process.exit(0);
}
console.error(
  `pretest: the integration tests need ${missing.map((n) => n.pkg).join(" and ")}, not installed here.\n` +
    `Install, then run npm test again:\n\n    sudo apt-get update && sudo apt-get install -y ${missing.map((n) => n.pkg).join(" ")}\n`,
);
process.exit(1);
