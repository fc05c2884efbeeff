// A Troupe ModelClient that plays scripted turns per agent, cycling so one team can run many
// times. Near-zero cost on purpose: it records nothing (ScriptedModel from @troupe/testing deep-
// copies every request for test assertions, which would bill the model's work to Troupe).

/**
 * @param {Record<string, import("@troupe/testing").ScriptedTurn[]>} scripts turns per agent, in
 *   the shape @troupe/testing's helpers (delegate, finish, transfer) build
 */
export function scriptedClient(scripts) {
  const queues = new Map(Object.entries(scripts).map(([agent, turns]) => [agent, { turns, next: 0 }]));
  let ids = 0;
  const client = {
    id: "bench-scripted",
    calls: 0,
    async generate(request) {
      client.calls++;
      const queue = queues.get(request.agent);
      if (!queue) throw new Error(`no script for agent ${request.agent}`);
      const turn = queue.turns[queue.next++ % queue.turns.length];
      const content = [];
      if (typeof turn === "string") content.push({ type: "text", text: turn });
      else {
        if (turn.text) content.push({ type: "text", text: turn.text });
        for (const call of turn.toolCalls ?? [])
          content.push({ type: "tool_use", id: `toolu_${++ids}`, name: call.name, input: call.input });
      }
      return {
        content,
        stopReason: content.some((b) => b.type === "tool_use") ? "tool_use" : "end_turn",
        usage: { inputTokens: 10, outputTokens: 5, costUsd: 0 },
        model: client.id,
      };
    },
  };
  return client;
}
