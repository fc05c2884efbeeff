import { randomUUID } from "node:crypto";
import { TroupeError } from "../errors.js";
import { requestControl } from "./run-lifecycle.js";
import { execute } from "./run-executor.js";
import type { Execution, ExecutorDeps, Work } from "./run-work.js";
import type { RunResult } from "./run-result.js";
import { finishRun, runStream, type OnBreak, type RunStream } from "./run-stream.js";
import type { ThreadService } from "./thread-service.js";

export interface RunOptions {
  /** Continue (or start) this thread; a new id is made when absent. */
  threadId?: string;
  signal?: AbortSignal;
  /**
   * When another run holds the thread: false (default) fails at once with THREAD_BUSY; true waits
   * until it is free; a number waits at most that many ms.
   */
  wait?: boolean | number;
  /**
   * What breaking out of `for await (team.stream(...))` early does: "cancel" (default) cancels the
   * run (in-flight calls aborted, completed saga steps compensated) and waits for it to settle;
   * "detach" lets it run to the end in the background (read it later with team.status / team.result).
   */
  onBreak?: OnBreak;
}

export interface ReplayOptions {
  /** Checkpoint to replay from (default: the start of the thread's last user turn). */
  from?: string;
  /** Call the agents again instead of answering from the records. */
  live?: boolean;
  /**
   * With `live`: run tools that have `compensate` or are not `idempotent` again. By default a live
   * replay answers those calls from the recorded run (a call the recorded run never made is refused
   * with REPLAY_MISS), so no side effect happens twice.
   */
  liveTools?: boolean;
  /**
   * Replay into a new thread (this id, or `<thread>-fork-<n>` for `true`) that starts as a copy of
   * the original up to `from`; the original thread is left exactly as it was.
   */
  fork?: boolean | string;
  signal?: AbortSignal;
  /** As for run: wait for a busy thread (true, or at most this many ms) instead of THREAD_BUSY. Not used with `fork`. */
  wait?: boolean | number;
}

/** Starts and steers a team's runs: run, stream, replay, resume, pause, cancel. */
export class RunService {
  constructor(
    private readonly deps: ExecutorDeps,
    private readonly threads: ThreadService,
  ) {}

  run(input: string, options: RunOptions = {}): Promise<RunResult> {
    return finishRun(this.start({ kind: "run", input }, options.threadId ?? randomUUID(), options));
  }

  stream(input: string, options: RunOptions = {}): RunStream {
    return runStream(this.start({ kind: "run", input }, options.threadId ?? randomUUID(), options), options.onBreak);
  }

  async replay(threadId: string, options: ReplayOptions = {}): Promise<RunResult> {
    const target = await this.replayTarget(threadId, options);
    return finishRun(this.start(target.work, target.threadId, options));
  }

  replayStream(threadId: string, options: ReplayOptions = {}): RunStream {
    return runStream(this.replayTarget(threadId, options).then((t) => this.start(t.work, t.threadId, options)));
  }

  resume(threadId: string, answer?: unknown, options: Pick<RunOptions, "signal" | "wait"> = {}): Promise<RunResult> {
    return finishRun(this.start(resumeWork(answer), threadId, options));
  }

  resumeStream(threadId: string, answer?: unknown, options: Omit<RunOptions, "threadId"> = {}): RunStream {
    return runStream(this.start(resumeWork(answer), threadId, options), options.onBreak);
  }

  async pause(threadId: string): Promise<void> {
    const run = this.deps.active.get(threadId);
    if (run) return run.pause();
    await this.requireRunning(threadId, "pause");
    await requestControl(this.deps.store.docs, threadId, "pause");
  }

  async abandon(threadId: string): Promise<void> {
    await this.deps.store.leases.release(threadId, this.deps.active.get(threadId)?.runId ?? "");
  }

  async cancel(threadId: string): Promise<RunResult | undefined> {
    const run = this.deps.active.get(threadId);
    if (run) {
      run.cancel();
      return undefined;
    }
    const status = await this.threads.status(threadId);
    if (status && (status.state === "paused" || status.state === "interrupted")) {
      return finishRun(this.start({ kind: "cancel" }, threadId, {}), false);
    }
    await this.requireRunning(threadId, "cancel");
    await requestControl(this.deps.store.docs, threadId, "cancel");
    return undefined;
  }

  /** Starts a piece of work on a thread under its lease. */
  start(work: Work, threadId: string, options: Pick<RunOptions, "signal" | "wait">): Execution {
    const waitMs = options.wait === true ? Infinity : options.wait === false ? undefined : options.wait;
    return execute(this.deps, work, threadId, { signal: options.signal, waitMs });
  }

  private async requireRunning(threadId: string, action: string): Promise<void> {
    const status = await this.threads.status(threadId);
    if (status?.state !== "running") {
      throw new TroupeError(
        "RUN_NOT_RESUMABLE",
        `cannot ${action} thread "${threadId}": it is ${status?.state ?? "unknown"}, not running`,
      );
    }
  }

  /** The thread a replay runs on: the same one, or a fresh copy of it for `fork`. */
  private async replayTarget(threadId: string, options: ReplayOptions): Promise<{ threadId: string; work: Work }> {
    if (!options.fork) return { threadId, work: replayWork(options) };
    const fork = await this.threads.fork(threadId, options.from, options.fork);
    return {
      threadId: fork.threadId,
      work: { ...replayWork({ ...options, from: fork.from }), recordsThreadId: threadId } as Work,
    };
  }
}

function resumeWork(answer: unknown): Work {
  return { kind: "resume", ...(answer === undefined ? {} : { answer }) };
}

function replayWork(options: ReplayOptions): Work {
  return {
    kind: "replay",
    ...(options.from ? { from: options.from } : {}),
    live: options.live ?? false,
    ...(options.liveTools ? { liveTools: true } : {}),
  };
}
