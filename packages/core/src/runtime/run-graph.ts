import { GraphDrained, type RunControl } from "@langchain/langgraph";
import { RUN_ID_KEY } from "../graph/agent-node.js";
import { isRunStop, toTroupeError } from "../errors.js";
import type { EventBody } from "../protocol/events.js";
import type { TeamStateValue } from "../protocol/team-state.js";
import type { RunMachineEvent } from "./run-machine.js";
import { stateOf } from "./run-settle.js";
import type { ExecutorDeps } from "./run-work.js";

export interface GraphRun {
  threadId: string;
  runId: string;
  input: unknown;
  checkpointId: string | undefined;
  control: RunControl;
  signal: AbortSignal;
  /** True once the machine is stopping the run (cancel, timeout): an abort is then expected. */
  stopping: () => boolean;
  emit: (body: EventBody) => void;
  checkControl: () => Promise<void>;
}

/** Streams the graph until it ends, drains or is stopped; returns what the run machine is told. */
export async function runGraph(deps: ExecutorDeps, run: GraphRun): Promise<RunMachineEvent> {
  try {
    const stream = await deps.graph.stream(run.input, {
      configurable: {
        thread_id: run.threadId,
        [RUN_ID_KEY]: run.runId,
        ...(run.checkpointId ? { checkpoint_id: run.checkpointId } : {}),
      },
      streamMode: ["checkpoints"],
      signal: run.signal,
      control: run.control,
      recursionLimit: deps.spec.limits.maxTurns * 4 + 20,
    });
    for await (const chunk of stream) {
      const [kind, payload] = chunk as [
        string,
        { config?: { configurable?: { checkpoint_id?: string } }; metadata?: { step?: number } },
      ];
      const id = payload.config?.configurable?.checkpoint_id;
      if (kind === "checkpoints" && id)
        run.emit({ type: "checkpoint.saved", checkpointId: id, step: payload.metadata?.step ?? -1 });
      await run.checkControl();
    }
  } catch (error) {
    if (error instanceof GraphDrained) return { type: "GRAPH_DRAINED" };
    if (!(run.stopping() && isRunStop(toTroupeError(error)))) throw error;
  }
  const snapshot = await stateOf(deps.graph, run.threadId);
  return {
    type: "GRAPH_ENDED",
    status: (snapshot?.values as TeamStateValue | undefined)?.status ?? "running",
    interrupted: snapshot?.tasks.some((t) => (t.interrupts ?? []).length > 0) ?? false,
    checkpointed: snapshot !== undefined,
  };
}
