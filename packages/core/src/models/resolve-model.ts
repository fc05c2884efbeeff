import { anthropic, isKnownClaudeModel } from "./anthropic-model.js";
import { TroupeError } from "../errors.js";
import type { ModelClient } from "../protocol/model-client.js";
import { OFFLINE_NOTICE, offlineModel } from "./offline-model.js";

export interface ModelResolution {
  /** Models given in code, by name. */
  models?: Readonly<Record<string, ModelClient>>;
  /** The `--model` flag: used when neither agent nor spec names one. */
  fallback?: string | ModelClient;
  /** Environment to read ANTHROPIC_API_KEY from (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Told once when the offline model is picked because no key is set. */
  onNotice?: (message: string) => void;
}

export function isKnownModelName(name: string, custom: ReadonlySet<string>): boolean {
  return (
    name === "offline" ||
    isKnownClaudeModel(name) ||
    (name.startsWith("anthropic:") && name.length > "anthropic:".length) ||
    custom.has(name)
  );
}

/**
 * Picks the model for an agent: the agent's own, else the spec's, else `--model`, else Claude
 * when ANTHROPIC_API_KEY is set, else the offline demo model (with a one-line notice).
 */
export function createModelResolver(
  options: ModelResolution = {},
): (choice: string | ModelClient | undefined) => ModelClient {
  const cache = new Map<string, ModelClient>();
  let noticed = false;
  // the key comes from the environment the caller passed (not only process.env)
  const apiKey = (model: string) => {
    const key = (options.env ?? process.env).ANTHROPIC_API_KEY;
    if (!key) {
      throw new TroupeError(
        "MODEL_AUTH",
        `model "${model}" is Claude and needs ANTHROPIC_API_KEY; set it, or choose --model offline to run without a key`,
      );
    }
    return { apiKey: key };
  };
  const byName = (name: string): ModelClient => {
    const cached = cache.get(name);
    if (cached) return cached;
    const custom = options.models?.[name];
    const client =
      custom ??
      (name === "offline"
        ? offlineModel()
        : name.startsWith("anthropic:")
          ? anthropic({ model: name.slice("anthropic:".length), ...apiKey(name) })
          : name.startsWith("claude-")
            ? anthropic({ model: name, ...apiKey(name) })
            : undefined);
    if (!client)
      throw new TroupeError(
        "SPEC_INVALID",
        `unknown model "${name}"; use "offline", a Claude model name, or pass it in models`,
      );
    cache.set(name, client);
    return client;
  };
  return (choice) => {
    const picked = choice ?? options.fallback;
    if (picked !== undefined) return typeof picked === "string" ? byName(picked) : picked;
    const env = options.env ?? process.env;
    if (env.ANTHROPIC_API_KEY) return byName(`anthropic:${env.TROUPE_MODEL ?? "claude-sonnet-4-6"}`);
    if (!noticed) {
      noticed = true;
      options.onNotice?.(OFFLINE_NOTICE);
    }
    return byName("offline");
  };
}
