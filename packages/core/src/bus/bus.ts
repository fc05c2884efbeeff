import { z } from "zod";
import { ErrorCodes, type ErrorInfo } from "../errors.js";

/** What a served handler receives besides the payload. */
export interface ServeContext {
  /** Aborted when the caller gives up (deadline, cancel) or the bus closes. */
  signal: AbortSignal;
}

export interface RequestOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface Subscription {
  unsubscribe(): Promise<void> | void;
}

/**
 * How graph nodes reach agents and how runs report events. In-process by default
 * ({@link InProcessBus}); `@troupe/nats` swaps in NATS subjects without changing a pattern.
 * Payloads are plain JSON data.
 */
export interface Bus {
  /** Answers requests to `service`; several servers of one service share the load. */
  serve(service: string, handler: (payload: unknown, ctx: ServeContext) => Promise<unknown>): Promise<Subscription>;
  /** Sends one request and waits for the reply. Rejects with a TroupeError. */
  request(service: string, payload: unknown, options?: RequestOptions): Promise<unknown>;
  /** Fire-and-forget message on a topic. */
  publish(topic: string, message: unknown): Promise<void>;
  subscribe(topic: string, handler: (message: unknown) => void): Promise<Subscription>;
  close(): Promise<void>;
}

/** The reply envelope every bus uses, so errors cross process boundaries typed. */
export const ReplySchema = z.discriminatedUnion("ok", [
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({
    ok: z.literal(false),
    error: z.object({
      code: z.enum(Object.keys(ErrorCodes) as [keyof typeof ErrorCodes, ...(keyof typeof ErrorCodes)[]]),
      message: z.string(),
      retryable: z.boolean(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  }),
]);
export type Reply = { ok: true; value: unknown } | { ok: false; error: ErrorInfo };
