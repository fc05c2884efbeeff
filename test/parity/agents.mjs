// Agents for `troupe worker --agents test/parity/agents.mjs`: every agent of the parity specs,
// defined in code from the specs' own entries (so they match what `troupe run` serves in-process).
import { fileURLToPath } from "node:url";
import { defineAgent } from "@troupe/core";
import { readTeamSource } from "@troupe/patterns";
import { bookCarrier, holdStock } from "./tools.mjs";

const entries = (spec) => readTeamSource(fileURLToPath(new URL(spec, import.meta.url))).raw.agents;
const org = entries("./org.yaml");
const custom = entries("./custom.yaml");
const saga = entries("./saga.yaml");

const agent = (entry, name, tools = []) =>
  defineAgent({ name, description: entry[name].description, instructions: entry[name].instructions, tools });

export const ceo = agent(org, "ceo");
export const summary = agent(org, "summary");
export const researchLead = agent(org, "research_lead");
export const finder = agent(org, "finder");
export const checker = agent(org, "checker");
export const drafter = agent(custom, "drafter");
export const reviewer = agent(custom, "reviewer");
export const desk = agent(saga, "desk");
export const stock = agent(saga, "stock", [holdStock, bookCarrier]);
