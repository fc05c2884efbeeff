import { z } from "zod";
import type { Directive, DirectiveOffer } from "./agent-protocol.js";
import { formatZodIssues, jsonSchemaOf } from "../zod-format.js";
import type { ToolSpec } from "./model-client.js";
import type { ToolUseBlock } from "./messages.js";

/** Tool names reserved for coordination; user tools may not use them. */
export const DELEGATE_TOOL = "delegate";
export const FINISH_TOOL = "finish";
export const RESPOND_TOOL = "respond";
export const TRANSFER_PREFIX = "transfer_to_";

const FinishInput = z.object({ answer: z.string().describe("The final answer for the user") });
const HandoffInput = z.object({
  task: z.string().min(1).describe("What the receiving agent should do"),
  reason: z.string().describe("Why this agent is the right one"),
  input: z.unknown().optional().describe("Typed input for the receiving agent, when it declares one"),
});

export type DirectiveCall =
  | { kind: "directive"; directive: Directive; answer?: string }
  | { kind: "error"; message: string }
  | { kind: "not-directive" };

/** The tools a model sees for the coordination a pattern offers. */
export function directiveToolSpecs(offers: readonly DirectiveOffer[]): ToolSpec[] {
  const specs: ToolSpec[] = [];
  for (const offer of offers) {
    if (offer.kind === "route") {
      const names = offer.targets.map((t) => t.name);
      specs.push({
        name: DELEGATE_TOOL,
        description:
          "Give one task to one teammate and wait for their result. Teammates:\n" +
          offer.targets.map((t) => `- ${t.name}: ${t.description}`).join("\n"),
        inputSchema: jsonSchemaOf(delegateInput(names)),
      });
    } else if (offer.kind === "finish") {
      specs.push({
        name: FINISH_TOOL,
        description: "Finish the task with the final answer for the user.",
        inputSchema: jsonSchemaOf(FinishInput),
      });
    } else {
      for (const target of offer.targets) {
        const schema = target.inputSchema
          ? {
              ...jsonSchemaOf(HandoffInput),
              properties: { ...(jsonSchemaOf(HandoffInput).properties as object), input: target.inputSchema },
            }
          : jsonSchemaOf(HandoffInput.omit({ input: true }));
        specs.push({
          name: `${TRANSFER_PREFIX}${target.name}`,
          description: `Transfer the conversation to ${target.name}: ${target.description}. Control does not come back unless they hand it back.`,
          inputSchema: schema,
        });
      }
    }
  }
  return specs;
}

/** Reads a tool call as a coordination directive, or says it is not one. */
export function readDirectiveCall(offers: readonly DirectiveOffer[], call: ToolUseBlock, from: string): DirectiveCall {
  if (call.name === DELEGATE_TOOL) {
    const route = offers.find((o) => o.kind === "route");
    if (!route) return { kind: "error", message: "delegate is not available to you here" };
    const parsed = delegateInput(route.targets.map((t) => t.name)).safeParse(call.input);
    if (!parsed.success) return { kind: "error", message: `delegate: ${formatZodIssues(parsed.error)}` };
    return {
      kind: "directive",
      directive: { type: "route", to: parsed.data.agent, task: parsed.data.task, toolUseId: call.id },
    };
  }
  if (call.name === FINISH_TOOL) {
    if (!offers.some((o) => o.kind === "finish"))
      return { kind: "error", message: "finish is not available to you here" };
    const parsed = FinishInput.safeParse(call.input);
    if (!parsed.success) return { kind: "error", message: `finish: ${formatZodIssues(parsed.error)}` };
    return { kind: "directive", directive: { type: "finish" }, answer: parsed.data.answer };
  }
  if (call.name.startsWith(TRANSFER_PREFIX)) {
    const to = call.name.slice(TRANSFER_PREFIX.length);
    const handoff = offers.find((o) => o.kind === "handoff");
    const allowed = handoff?.targets.map((t) => t.name) ?? [];
    if (!handoff || !allowed.includes(to)) {
      return {
        kind: "error",
        message: `transfer to "${to}" is not allowed from ${from}; allowed: ${allowed.length ? allowed.join(", ") : "none"}`,
      };
    }
    const parsed = HandoffInput.safeParse(call.input);
    if (!parsed.success) return { kind: "error", message: `${call.name}: ${formatZodIssues(parsed.error)}` };
    const { task, reason, input } = parsed.data;
    return {
      kind: "directive",
      directive: { type: "handoff", to, task, reason, ...(input === undefined ? {} : { input }), toolUseId: call.id },
    };
  }
  return { kind: "not-directive" };
}

function delegateInput(names: string[]) {
  return z.object({
    agent: z.enum(names as [string, ...string[]]).describe("Which teammate"),
    task: z.string().min(1).describe("The task, self-contained: the teammate sees only this"),
  });
}
