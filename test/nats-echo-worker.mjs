// A worker process for test/nats-bus.int.test.ts: serves agent "echo" on NATS and answers with its
// label, so the test can see which process served each request. Uses the built packages (npm run build).
// Usage: node test/nats-echo-worker.mjs <natsUrl> <namespace> <label>
import { defineAgent, serveAgent } from "@troupe/core";
import { NatsBus } from "@troupe/nats";

const [url, namespace, label] = process.argv.slice(2);
const model = {
  id: "echo",
  async generate() {
    return {
      content: [{ type: "text", text: `served by ${label}` }],
      stopReason: "end_turn",
      usage: { inputTokens: 1, outputTokens: 1, costUsd: 0 },
      model: "echo",
    };
  },
};
const echo = defineAgent({ name: "echo", description: "Says who served it", instructions: "Echo.", model });
const bus = await NatsBus.connect({ servers: url, namespace, name: `echo-worker-${label}` });
await serveAgent(bus, echo, { model });
process.stdout.write("ready\n");
const stop = async () => {
  await bus.close();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.stdin.on("end", stop);
process.stdin.resume();
