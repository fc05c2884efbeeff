// A throwaway Prometheus (Debian `prometheus` 2.42, with promtool) for the metrics tests: started on
// loopback with a free port and a temp config, scraping the given targets every second.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "@troupe/testing";

const INSTALL = "sudo apt-get update && sudo apt-get install -y prometheus";

/** The path of a Prometheus binary (prometheus, promtool); fails with the install command when absent. */
export function prometheusBinary(name: "prometheus" | "promtool"): string {
  const found = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).stdout.trim();
  if (!found)
    throw new Error(
      `${name} not found on PATH; the metrics tests need Debian's prometheus package:\n\n    ${INSTALL}\n`,
    );
  return found;
}

/** `promtool check <what> [file]`, with `input` on stdin: its exit code and what it said. */
export function promtool(args: string[], input?: string): { code: number | null; output: string } {
  const result = spawnSync(prometheusBinary("promtool"), args, { input, encoding: "utf8" });
  return { code: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

export interface RunningPrometheus {
  url: string;
  /** GET <url>/api/v1/<path>: the JSON `data` of a successful answer. */
  api<T>(path: string): Promise<T>;
  stop(): Promise<void>;
}

/** Starts Prometheus on 127.0.0.1 scraping `targets` (host:port, path /metrics) as job "troupe". */
export async function startPrometheus(targets: string[]): Promise<RunningPrometheus> {
  const binary = prometheusBinary("prometheus");
  const dir = mkdtempSync(join(tmpdir(), "troupe-prom-"));
  const port = await freePort();
  const config = join(dir, "prometheus.yml");
  writeFileSync(
    config,
    [
      "global:",
      "  scrape_interval: 1s",
      "  scrape_timeout: 1s",
      "scrape_configs:",
      "  - job_name: troupe",
      "    static_configs:",
      `      - targets: [${targets.map((t) => JSON.stringify(t)).join(", ")}]`,
      "",
    ].join("\n"),
  );
  const child: ChildProcess = spawn(
    binary,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let log = "";
  child.stderr!.setEncoding("utf8").on("data", (c: string) => (log += c));
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    child.kill("SIGTERM");
    await Promise.race([exited, sleep(5000)]);
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  const until = Date.now() + 20_000;
  for (;;) {
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (child.exitCode !== null || Date.now() > until) {
      await stop();
      throw new Error(`prometheus did not become ready on ${url}:\n${log}`);
    }
    await sleep(100);
  }
  return {
    url,
    stop,
    async api<T>(path: string): Promise<T> {
      const body = (await (await fetch(`${url}/api/v1/${path}`)).json()) as { status: string; data: T; error?: string };
      if (body.status !== "success") throw new Error(`prometheus ${path}: ${body.error ?? body.status}`);
      return body.data;
    },
  };
}
