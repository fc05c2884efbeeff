import { setTimeout as sleep } from "node:timers/promises";
import { readEvents, TERMINAL_EVENTS, type LoggedEvent, type TeamStore } from "@troupe/core";
import { SIGNAL_EXIT, type CliIO, type StopSignal } from "../cli-io.js";
import { formatEvent } from "../format-event.js";

/** How often `troupe events --follow` looks for new events in the store. */
export const FOLLOW_POLL_MS = 200;

/**
 * `troupe events <thread>`: the thread's stored event log, every run, in order. `--json` prints one
 * JSON object per line (the event with its `seq`); `--follow` keeps polling the store until the
 * thread's latest run settles (Ctrl-C exits 130).
 */
export async function eventsCommand(
  store: TeamStore,
  threadId: string,
  flags: { json?: boolean | undefined; follow?: boolean | undefined },
  io: CliIO,
): Promise<number> {
  let stopped: StopSignal | undefined;
  const stopper = new AbortController();
  const unlisten = flags.follow
    ? (io.onSignal?.((signal) => {
        stopped = signal;
        stopper.abort();
      }) ?? (() => undefined))
    : () => undefined;
  if (flags.follow) io.err(`following thread ${threadId} in ${store.kind} until its run settles (Ctrl-C stops)`);
  try {
    let afterSeq = 0;
    let settled = true;
    let any = false;
    for (;;) {
      const batch = await readEvents(store.events, threadId, { afterSeq });
      for (const logged of batch) {
        print(logged, flags.json === true, io);
        afterSeq = logged.seq;
        any = true;
        if (logged.event.type === "run.started" || logged.event.type === "run.resumed") settled = false;
        else if (TERMINAL_EVENTS.has(logged.event.type)) settled = true;
      }
      if (!flags.follow || (any && settled)) break;
      await sleep(FOLLOW_POLL_MS, undefined, { signal: stopper.signal }).catch(() => undefined);
      if (stopped) return SIGNAL_EXIT[stopped];
    }
    if (!any) io.err(`no events stored for thread ${threadId} in ${store.kind} (see troupe threads)`);
    return any ? 0 : 1;
  } finally {
    unlisten();
  }
}

function print(logged: LoggedEvent, json: boolean, io: CliIO): void {
  if (json) {
    io.out(JSON.stringify({ seq: logged.seq, ...logged.event }));
    return;
  }
  const line = formatEvent(logged.event, false);
  if (line) io.out(`${String(logged.seq).padStart(5)}  ${logged.event.at.slice(11, 23)}  ${line}`);
}
