import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { InProcessBus, memoryStore, readEvents, type TeamStore, type TroupeEvent } from "@troupe/core";
import { loadTeam } from "@troupe/patterns";
import { ROOT } from "./troupe-cli.js";

// How a run feeds the stored event log: every event once, in order, and a log that fails never
// stops or hangs the run.

const SPEC = join(ROOT, "test/fixtures/failing-pipeline/team.yaml");

afterEach(() => vi.restoreAllMocks());

describe("a run's event log", () => {
  it("appends each event once even when the bus delivers it twice (at-least-once), in the order the run emitted it", async () => {
    const bus = new InProcessBus();
    const subscribe = bus.subscribe.bind(bus);
    vi.spyOn(bus, "subscribe").mockImplementation((topic, handler) =>
      subscribe(topic, (message) => {
        handler(message);
        handler(message);
      }),
    );
    const store = memoryStore();
    const team = await loadTeam(SPEC, { store, bus, env: {}, onNotice: () => undefined });
    try {
      const stream = team.stream("sagas", { threadId: "dup" });
      const seen: TroupeEvent[] = [];
      for await (const event of stream) seen.push(event);
      await stream.result.catch(() => undefined);
      const logged = await readEvents(store.events, "dup");
      expect(logged.map((e) => e.seq)).toEqual(logged.map((_, i) => i + 1));
      expect(logged.map((e) => e.event)).toEqual(seen.filter((e, i) => seen.indexOf(e) === i && i % 2 === 0));
      expect(logged.at(-1)!.event.type).toBe("run.failed");
    } finally {
      await team.close();
    }
  });

  it("a log that cannot append: the run still settles with its result, and a TROUPE_EVENT_LOG warning says so once", async () => {
    const inner = memoryStore();
    const broken: TeamStore = {
      ...inner,
      events: { append: () => Promise.reject(new Error("disk full")), read: (t, o) => inner.events.read(t, o) },
    };
    const warnings: string[] = [];
    vi.spyOn(process, "emitWarning").mockImplementation((warning) => void warnings.push(String(warning)));
    const team = await loadTeam(SPEC, { store: broken, env: {}, onNotice: () => undefined });
    try {
      await expect(team.run("sagas", { threadId: "broken" })).rejects.toMatchObject({
        code: "TOOL_FAILED",
        details: { node: "check", step: "check_json" },
      });
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('event log of thread "broken": disk full');
    } finally {
      await team.close();
    }
  });
});
