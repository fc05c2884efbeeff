import { z } from "zod";

export const UsageSchema = z.object({
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative(),
  modelCalls: z.number().int().nonnegative(),
});
export type Usage = z.infer<typeof UsageSchema>;

export const emptyUsage = (): Usage => ({ inputTokens: 0, outputTokens: 0, costUsd: 0, modelCalls: 0 });

export function addUsage(a: Usage, b: Partial<Usage>): Usage {
  return {
    inputTokens: a.inputTokens + (b.inputTokens ?? 0),
    outputTokens: a.outputTokens + (b.outputTokens ?? 0),
    costUsd: round6(a.costUsd + (b.costUsd ?? 0)),
    modelCalls: a.modelCalls + (b.modelCalls ?? 0),
  };
}

function round6(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
