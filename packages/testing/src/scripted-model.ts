import { TroupeError, type ContentBlock, type ModelClient, type ModelRequest, type ModelResponse } from "@troupe/core";

export interface ScriptedToolCall {
  name: string;
  input: Record<string, unknown>;
  id?: string;
}

/** One scripted model answer: text, tool calls, or a function of the request. */
export type ScriptedTurn =
  | string
  | {
      text?: string;
      toolCalls?: ScriptedToolCall[];
      usage?: { inputTokens: number; outputTokens: number; costUsd?: number };
    }
  | ((request: ModelRequest) => ScriptedTurn)
  | Error;

export interface UnusedTurn {
  agent: string | undefined;
  index: number;
  turn: ScriptedTurn;
}

/**
 * A model that plays given turns in order, per agent or from one shared queue, records every
 * request, and reports turns left unused. For tests; it makes no network calls.
 *
 * @example
 * const model = new ScriptedModel({
 *   lead: [delegate("researcher", "find sagas"), finish("Sagas undo steps in reverse.")],
 *   researcher: ["Sagas compensate completed steps."],
 * });
 * // ... run a team ...
 * model.assertAllUsed();
 */
export class ScriptedModel implements ModelClient {
  readonly id: string;
  /** Every request received, in order. */
  readonly calls: ModelRequest[] = [];
  private readonly queues: Map<string | undefined, { turns: ScriptedTurn[]; next: number }>;
  private counter = 0;

  constructor(script: ScriptedTurn[] | Record<string, ScriptedTurn[]>, options: { id?: string } = {}) {
    this.id = options.id ?? "scripted";
    this.queues = Array.isArray(script)
      ? new Map([[undefined, { turns: script, next: 0 }]])
      : new Map(Object.entries(script).map(([agent, turns]) => [agent, { turns, next: 0 }]));
  }

  /** Calls made by one agent (or all). */
  callsBy(agent?: string): ModelRequest[] {
    return agent ? this.calls.filter((c) => c.agent === agent) : this.calls;
  }

  async generate(request: ModelRequest): Promise<ModelResponse> {
    this.calls.push(structuredClone({ ...request, signal: undefined, onDelta: undefined }));
    const key = this.queues.has(request.agent) ? request.agent : undefined;
    const queue = this.queues.get(key);
    if (!queue || queue.next >= queue.turns.length) {
      throw new TroupeError(
        "MODEL_UNKNOWN",
        `ScriptedModel: no turn left for agent ${request.agent} (its call #${this.callsBy(request.agent).length}); add turns to the script`,
      );
    }
    let turn = queue.turns[queue.next++]!;
    while (typeof turn === "function") turn = turn(request);
    if (turn instanceof Error) throw turn;
    const content = this.contentOf(turn, request.agent);
    if (request.onDelta) {
      for (const block of content) {
        if (block.type === "text")
          for (const piece of chunks(block.text)) request.onDelta({ type: "text", text: piece });
        if (block.type === "tool_use")
          request.onDelta({
            type: "tool_input",
            toolUseId: block.id,
            name: block.name,
            partialJson: JSON.stringify(block.input),
          });
      }
    }
    const usage = typeof turn === "object" && turn.usage ? turn.usage : { inputTokens: 10, outputTokens: 5 };
    return {
      content,
      stopReason: content.some((b) => b.type === "tool_use") ? "tool_use" : "end_turn",
      usage: { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, costUsd: usage.costUsd ?? 0 },
      model: this.id,
    };
  }

  /** Turns never played. */
  unused(): UnusedTurn[] {
    const out: UnusedTurn[] = [];
    for (const [agent, queue] of this.queues)
      queue.turns.slice(queue.next).forEach((turn, i) => out.push({ agent, index: queue.next + i, turn }));
    return out;
  }

  /** Throws when turns are left, naming them. */
  assertAllUsed(): void {
    const left = this.unused();
    if (left.length) {
      const list = left.map((u) => `${u.agent ?? "(shared)"}#${u.index}: ${describe(u.turn)}`).join("; ");
      throw new Error(`ScriptedModel: ${left.length} turn(s) never played: ${list}`);
    }
  }

  private contentOf(
    turn: Exclude<ScriptedTurn, ((request: ModelRequest) => ScriptedTurn) | Error>,
    agent: string,
  ): ContentBlock[] {
    if (typeof turn === "string") return [{ type: "text", text: turn }];
    const blocks: ContentBlock[] = [];
    if (turn.text) blocks.push({ type: "text", text: turn.text });
    for (const call of turn.toolCalls ?? []) {
      blocks.push({
        type: "tool_use",
        id: call.id ?? `toolu_scripted_${agent}_${++this.counter}`,
        name: call.name,
        input: call.input,
      });
    }
    return blocks;
  }
}

function describe(turn: ScriptedTurn): string {
  if (typeof turn === "string") return JSON.stringify(turn.slice(0, 40));
  if (typeof turn === "function") return "(function)";
  if (turn instanceof Error) return `error ${turn.message}`;
  return turn.toolCalls?.map((c) => c.name).join(",") || JSON.stringify(turn.text ?? "");
}

function chunks(text: string): string[] {
  return text.match(/.{1,16}/gs) ?? [];
}

/** A turn that calls one tool. */
export const callTool = (name: string, input: Record<string, unknown>, text?: string): ScriptedTurn => ({
  ...(text ? { text } : {}),
  toolCalls: [{ name, input }],
});
/** A supervisor's turn that routes a task to a worker. */
export const delegate = (agent: string, task: string): ScriptedTurn => callTool("delegate", { agent, task });
/** A turn that finishes with an answer. */
export const finish = (answer: string): ScriptedTurn => callTool("finish", { answer });
/** A turn that hands off to another agent. */
export const transfer = (to: string, task: string, reason = "better suited", input?: unknown): ScriptedTurn =>
  callTool(`transfer_to_${to}`, { task, reason, ...(input === undefined ? {} : { input }) });
/** A structured answer through the respond tool. */
export const respond = (value: Record<string, unknown>): ScriptedTurn => callTool("respond", value);
