import { END, START, StateGraph } from "@langchain/langgraph";
import {
  definePattern,
  finishOutcome,
  TeamState,
  type AgentNodePlan,
  type DirectiveOffer,
  type Outcome,
  type TeamStateUpdate,
  type TeamStateValue,
} from "@troupe/core";
import { calledFinish, resultText, runTokens, targetsOf } from "../pattern-helpers.js";
import { blackboardOf, nextByRoundRobin, renderBlackboard, type BlackboardEntry } from "./blackboard.js";
import {
  checkNetwork,
  entryOf,
  linksOf,
  NETWORK_ROUTER,
  NetworkOptions,
  peersOf,
  routerOf,
  terminationOf,
  type EndReason,
  type NetworkEnd,
  type NetworkSpec,
} from "./network-spec.js";

/** What the router asked of the peer it picked, kept in `scratch.next` until that peer speaks. */
interface RouterNote {
  userTurn: number;
  to: string;
  from: string;
  task: string;
}

/**
 * network: peers take turns on a shared blackboard (`scratch.blackboard`). A speaker may only pass
 * the floor along its `links`; the next one is picked by round robin, by a model router, or by a
 * moderating agent. The run ends completed when a termination condition holds, with the reason
 * in `scratch.endReason`.
 */
export const networkPattern = definePattern({
  name: "network",
  description:
    "Peers take turns on a shared blackboard; a router picks the next speaker along allowed links until a termination condition holds",
  options: NetworkOptions,
  check: checkNetwork,
  syntheticAgents(spec) {
    if (spec.router !== "model") return [];
    return [
      {
        name: NETWORK_ROUTER,
        description: "Picks who speaks next in a network of peers",
        instructions:
          "You moderate a discussion among peers. After each contribution, pick who speaks next with the delegate tool " +
          "and tell them in one sentence what to add. Pick whoever can move the answer forward most.",
      },
    ];
  },
  compile(spec, ctx) {
    const peers = peersOf(spec);
    const links = linksOf(spec);
    const router = routerOf(spec);
    const end = terminationOf(spec);
    // node names come from the spec, so the graph is typed by string names
    const graph = new StateGraph<typeof TeamState, TeamStateValue, TeamStateUpdate, string>(TeamState);
    for (const peer of peers) {
      graph.addNode(peer, ctx.agentNode(peer, speakerPlan(spec, peer, links, router, end)), {
        ends: [...(router ? [router] : links[peer]!), END],
      });
    }
    if (router)
      graph.addNode(router, ctx.agentNode(router, routerPlan(spec, router, links, end)), { ends: [...peers, END] });
    return graph.addEdge(START, entryOf(spec));
  },
});

function speakerPlan(
  spec: NetworkSpec,
  peer: string,
  links: Record<string, string[]>,
  router: string | undefined,
  end: NetworkEnd,
): AgentNodePlan {
  const others = peersOf(spec).filter((p) => p !== peer);
  const context = [
    `You are ${peer}, one of the peers of the team "${spec.name}" (the others: ${others.join(", ")}).`,
    "Peers take turns; everyone reads the shared blackboard of who said what. On your turn, add what you can to answer the current request.",
    ...(end.onFinish ? ["When the request is fully answered, call finish with the final answer."] : []),
    ...(end.phrase ? [`When the request is fully answered, say "${end.phrase}".`] : []),
  ].join(" ");
  return {
    prepare(state) {
      const note = state.scratch.next as RouterNote | null | undefined;
      const task = [
        `The blackboard:\n${renderBlackboard(state)}`,
        ...(note?.to === peer && note.userTurn === state.userTurn ? [`${note.from} asks you: ${note.task}`] : []),
        `It is your turn, ${peer}.`,
      ].join("\n\n");
      return { task, offers: end.onFinish ? [{ kind: "finish" }] : [], context };
    },
    commit(state, result) {
      const said: BlackboardEntry = {
        userTurn: state.userTurn,
        turn: state.turn + 1,
        agent: peer,
        text: resultText(result.output),
      };
      const blackboard = [...blackboardOf(state), said];
      const spoken = blackboard.filter((e) => e.userTurn === state.userTurn).length;
      const reason = endReasonOf(end, {
        finish: end.onFinish && calledFinish(result),
        phrase: end.phrase !== undefined && said.text.toLowerCase().includes(end.phrase.toLowerCase()),
        maxTurns: end.maxTurns !== undefined && spoken >= end.maxTurns,
        tokens: runTokens(state, result),
      });
      const scratch = { blackboard, next: null, endReason: reason ?? null };
      if (reason) return finishOutcome(result.output, { scratch });
      return { goto: router ?? nextByRoundRobin(links, peer, blackboard), update: { scratch } };
    },
  };
}

function routerPlan(
  spec: NetworkSpec,
  router: string,
  links: Record<string, string[]>,
  end: NetworkEnd,
): AgentNodePlan {
  const context =
    `You pick who speaks next among the peers of the team "${spec.name}": ${peersOf(spec).join(", ")}. ` +
    "A speaker may only pass to the peers it is linked to; the delegate tool lists them. Your task goes to the peer you pick." +
    (end.onFinish ? " When the request is fully answered, call finish with the final answer instead." : "");
  const lastSpeaker = (state: TeamStateValue) => blackboardOf(state).at(-1)?.agent ?? entryOf(spec);
  return {
    prepare(state) {
      const last = lastSpeaker(state);
      const offers: DirectiveOffer[] = [{ kind: "route", targets: targetsOf(spec, links[last]!) }];
      if (end.onFinish) offers.push({ kind: "finish" });
      const task = `The blackboard:\n${renderBlackboard(state)}\n\n${last} just spoke. Pick who speaks next: ${links[last]!.join(", ")}.`;
      return { task, offers, context };
    },
    commit(state, result): Outcome {
      const d = result.directive;
      const finished = d.type === "finish" && end.onFinish && calledFinish(result);
      const reason = endReasonOf(end, {
        finish: finished,
        phrase: false,
        maxTurns: false,
        tokens: runTokens(state, result),
      });
      if (reason) {
        // the router's own answer when it finishes; otherwise the last contribution stands
        const output = finished ? result.output : state.outputs[lastSpeaker(state)];
        return finishOutcome(output, { scratch: { next: null, endReason: reason } });
      }
      if (d.type === "route")
        return {
          goto: d.to,
          update: {
            scratch: { next: { userTurn: state.userTurn, to: d.to, from: router, task: d.task }, endReason: null },
          },
        };
      // a router that answers without picking leaves the choice to round robin
      const last = lastSpeaker(state);
      return {
        goto: nextByRoundRobin(links, last, blackboardOf(state)),
        update: { scratch: { next: null, endReason: null } },
      };
    },
  };
}

/** The first condition that holds, in order: a finish call, the phrase, the turn count, the token budget. */
function endReasonOf(
  end: NetworkEnd,
  seen: { finish: boolean; phrase: boolean; maxTurns: boolean; tokens: number },
): EndReason | undefined {
  if (seen.finish) return "finish";
  if (seen.phrase) return "phrase";
  if (seen.maxTurns) return "max_turns";
  if (end.maxTokens !== undefined && seen.tokens >= end.maxTokens) return "budget";
  return undefined;
}
