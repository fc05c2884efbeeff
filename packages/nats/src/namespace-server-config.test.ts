import { describe, expect, it } from "vitest";
import { isTroupeError } from "@troupe/core";
import { namespaceAccount, namespacePermissions, namespaceServerConfig } from "./namespace-server-config.js";

describe("namespaceServerConfig", () => {
  it("gives each namespace its own JetStream account and nkey user, holding no seed", () => {
    const { config, url, credentials } = namespaceServerConfig({
      namespaces: ["a", "b", "a"],
      storeDir: "/srv/js",
      port: 4333,
    });
    expect(url).toBe("nats://127.0.0.1:4333");
    expect(credentials.map((c) => [c.namespace, c.account])).toEqual([
      ["a", "troupe-a"],
      ["b", "troupe-b"],
    ]);
    for (const c of credentials) {
      expect(c.seed).toMatch(/^SU/);
      expect(c.publicKey).toMatch(/^U/);
      expect(config).toContain(`nkey: "${c.publicKey}"`);
      expect(config).not.toContain(c.seed);
    }
    expect(config.match(/jetstream: enabled/g)).toHaveLength(2);
    expect(config).toContain('listen: "127.0.0.1:4333"');
    expect(config).toContain('store_dir: "/srv/js"');
  });

  it("keeps a seed it is given, and refuses one that is not a user seed", () => {
    const first = namespaceServerConfig({ namespaces: ["a"], storeDir: "/js" }).credentials[0]!;
    const again = namespaceServerConfig({ namespaces: ["a"], storeDir: "/js", seeds: { a: `${first.seed}\n` } })
      .credentials[0]!;
    expect(again.publicKey).toBe(first.publicKey);
    const error = (() => {
      try {
        return namespaceServerConfig({ namespaces: ["a"], storeDir: "/js", seeds: { a: "not a seed" } });
      } catch (e) {
        return e;
      }
    })();
    expect(isTroupeError(error, "INPUT_INVALID")).toBe(true);
    expect((error as Error).message).toMatch(/delete its \.nk file/);
  });

  it("refuses no namespace, a bad namespace and a bad port", () => {
    expect(() => namespaceServerConfig({ namespaces: [], storeDir: "/js" })).toThrow(/at least one namespace/);
    expect(() => namespaceServerConfig({ namespaces: ["Tenant A"], storeDir: "/js" })).toThrow(/not usable on NATS/);
    expect(() => namespaceServerConfig({ namespaces: ["a"], storeDir: "/js", port: 70000 })).toThrow(/not a TCP port/);
    expect(() => namespaceAccount("a.b")).toThrow(/not usable on NATS/);
  });

  it("grants a namespace its own subjects, streams and bucket and nothing named after another", () => {
    const { publish, subscribe } = namespacePermissions("a");
    expect(subscribe).toEqual(["troupe.a.>", "_INBOX.>"]);
    expect(publish).toContain("$JS.API.STREAM.*.TROUPE_A_RUNS");
    expect(publish).toContain("$KV.troupe_a_agents.>");
    expect(publish.filter((s) => /\bb\b|_B_|troupe_b/.test(s))).toEqual([]);
    expect(publish).not.toContain(">");
    expect(publish).not.toContain("$JS.API.>");
  });
});
