import { describe, expect, it } from "vitest";
import { conditionHolds, readPath } from "./graph-condition.js";
import { renderInput, renderTemplate } from "./graph-template.js";

const state = {
  input: "fix my invoice",
  outputs: { critic: "REVISE: shorter", plan: { items: ["a", "b"], done: false }, empty: null },
  scratch: { verdict: "ship", tags: ["billing", "urgent"] },
};

describe("conditions on state", () => {
  it("reads dotted paths through mappings and lists", () => {
    expect(readPath(state, "outputs.plan.items.1")).toBe("b");
    expect(readPath(state, "outputs.plan.items.x")).toBeUndefined();
    expect(readPath(state, "outputs.critic.length")).toBeUndefined(); // no reaching into text
    expect(readPath(state, "scratch.nothing.deeper")).toBeUndefined();
  });

  it.each([
    [{ path: "scratch.verdict", equals: "ship" }, true],
    [{ path: "scratch.verdict", equals: "revise" }, false],
    [{ path: "outputs.plan", equals: { items: ["a", "b"], done: false } }, true],
    [{ path: "outputs.plan.done", equals: false }, true],
    [{ path: "scratch.missing", equals: null }, true],
    [{ path: "scratch.verdict", notEquals: "revise" }, true],
    [{ path: "scratch.verdict", notEquals: "ship" }, false],
    [{ path: "outputs.critic", contains: "REVISE" }, true],
    [{ path: "outputs.critic", contains: "revise" }, false],
    [{ path: "scratch.tags", contains: "urgent" }, true],
    [{ path: "scratch.tags", contains: "urg" }, false],
    [{ path: "outputs.plan", contains: "items" }, false],
    [{ path: "outputs.critic", exists: true }, true],
    [{ path: "outputs.empty", exists: true }, false],
    [{ path: "outputs.nobody", exists: false }, true],
  ])("%j holds: %s", (condition, expected) => {
    expect(conditionHolds(condition, state)).toBe(expected);
  });
});

describe("templates", () => {
  it("fills references, writing non-text values as JSON and missing ones as nothing", () => {
    expect(renderTemplate("{{input}} | {{ outputs.critic }} | {{outputs.plan}} | {{outputs.nobody}}.", state)).toBe(
      'fix my invoice | REVISE: shorter | {"items":["a","b"],"done":false} | .',
    );
  });

  it("passes a whole-reference tool input through as the value itself", () => {
    expect(
      renderInput(
        { items: "{{outputs.plan.items}}", note: "for {{input}}", nested: ["{{scratch.verdict}}", 3] },
        state,
      ),
    ).toEqual({
      items: ["a", "b"],
      note: "for fix my invoice",
      nested: ["ship", 3],
    });
  });
});
