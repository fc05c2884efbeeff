import { describe, expect, it } from "vitest";
import { didYouMean, suggest } from "./suggest.js";

describe("suggest", () => {
  it("picks the close name for common typos", () => {
    expect(suggest("supervisr", ["swarm", "supervisor", "handoff"])).toBe("supervisor"); // a dropped letter
    expect(suggest("serch_notes", ["search_notes", "send_email"])).toBe("search_notes");
    expect(suggest("agnets", ["name", "agents", "limits"])).toBe("agents"); // two letters swapped
    expect(suggest("maxTurn", ["maxTurns", "maxTokens"])).toBe("maxTurns");
    expect(suggest("led", ["lead", "writer"])).toBe("lead");
  });

  it("ignores case", () => {
    expect(suggest("Lead", ["writer", "lead"])).toBe("lead");
  });

  it("picks the closest of several near names", () => {
    expect(suggest("maxTokns", ["maxTurns", "maxTokens"])).toBe("maxTokens");
  });

  it("refuses names that are far off", () => {
    expect(suggest("pipeline", ["supervisor", "swarm"])).toBeUndefined();
    expect(suggest("reviewer", ["lead", "writer"])).toBeUndefined();
    expect(suggest("colour", ["name", "pattern", "agents", "limits"])).toBeUndefined();
  });

  it("refuses short words that share little with the candidate", () => {
    expect(suggest("ab", ["cd"])).toBeUndefined(); // two edits in a two-letter word is a different word
    expect(suggest("x", ["y"])).toBeUndefined();
    expect(suggest("w", ["writer"])).toBeUndefined();
  });

  it("suggests nothing without candidates", () => {
    expect(suggest("lead", [])).toBeUndefined();
  });
});

describe("didYouMean", () => {
  it("renders a hint to append to a message, or nothing", () => {
    expect(didYouMean("serch_notes", ["search_notes"])).toBe(' (did you mean "search_notes"?)');
    expect(didYouMean("pipeline", ["supervisor"])).toBe("");
  });
});
