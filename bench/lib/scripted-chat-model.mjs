// The LangChain side of the scripted model: a minimal BaseChatModel whose _generate returns the
// next scripted AIMessage (text or tool calls), cycling. No I/O, no streaming, near-zero cost.
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage } from "@langchain/core/messages";

let ids = 0;

export class ScriptedChatModel extends BaseChatModel {
  /** @param {Array<string | { text?: string, toolCalls?: Array<{ name: string, input: Record<string, unknown> }> }>} turns */
  constructor(turns) {
    super({});
    this.turns = turns;
    this.next = 0;
    this.calls = 0;
  }

  _llmType() {
    return "bench-scripted";
  }

  /** Tools are part of the script already; binding them changes nothing. */
  bindTools() {
    return this;
  }

  async _generate() {
    this.calls++;
    const turn = this.turns[this.next++ % this.turns.length];
    const text = typeof turn === "string" ? turn : (turn.text ?? "");
    const toolCalls = typeof turn === "string" ? [] : (turn.toolCalls ?? []);
    const message = new AIMessage({
      content: text,
      tool_calls: toolCalls.map((c) => ({ name: c.name, args: c.input, id: `call_${++ids}`, type: "tool_call" })),
      usage_metadata: { input_tokens: 10, output_tokens: 5, total_tokens: 15 },
    });
    return { generations: [{ text, message }] };
  }
}

/** Model calls made by a set of scripted chat models. */
export const callsOf = (models) => () => models.reduce((sum, m) => sum + m.calls, 0);
