import { readFileSync } from "node:fs";
import { z } from "zod";
import { defineTool } from "@troupe/core";

interface Order {
  id: string;
  customer: string;
  items: string[];
  amountUsd: number;
  invoicedUsd: number;
  status: string;
  deliveredOn: string | null;
}
interface Article {
  id: string;
  title: string;
  text: string;
}

const load = <T>(file: string): T => JSON.parse(readFileSync(new URL(`../data/${file}`, import.meta.url), "utf8")) as T;
const orders = load<Order[]>("orders.json");
const articles = load<Article[]>("articles.json");
const RETURN_WINDOW_DAYS = 30;

/** The order number in free text ("order 1042", "#1042"). */
function orderIn(text: string): Order | undefined {
  const id = /(\d{3,})/.exec(text)?.[1];
  return orders.find((o) => o.id === id);
}

/** Looks an order up by the number in the request. */
export const lookupOrder = defineTool({
  name: "lookup_order",
  description: "Look up an order: items, amount paid, amount invoiced, delivery status",
  input: z.object({ order: z.string().min(1).describe("The order number, or text that contains it") }),
  idempotent: true,
  run: ({ order }) => {
    const found = orderIn(order);
    if (!found) return { found: false, note: `no order matches "${order}"; ask the customer for the order number` };
    const mismatch = found.invoicedUsd !== found.amountUsd;
    return {
      title: `order ${found.id}`,
      status: `${found.status}; paid $${found.amountUsd}, invoiced $${found.invoicedUsd}${mismatch ? ` (overcharged $${(found.invoicedUsd - found.amountUsd).toFixed(2)})` : ""}`,
    };
  },
});

/** Searches the help articles for a technical problem. */
export const searchHelp = defineTool({
  name: "search_help",
  description: "Search the product help articles for a technical problem",
  input: z.object({ problem: z.string().min(1) }),
  idempotent: true,
  run: ({ problem }) => {
    const words = new Set(
      problem
        .toLowerCase()
        .split(/[^a-z]+/)
        .filter((w) => w.length > 3),
    );
    const hits = articles.filter((a) =>
      `${a.title} ${a.text}`
        .toLowerCase()
        .split(/[^a-z]+/)
        .some((w) => words.has(w)),
    );
    return hits.length
      ? hits.map((a) => ({ title: a.title, text: a.text, source: a.id }))
      : [{ title: "no article", text: "no help article matches; collect the model and symptoms" }];
  },
});

/** Tells whether an order can still be refunded (delivered within the return window). */
export const checkRefund = defineTool({
  name: "check_refund",
  description: `Check whether an order can be refunded (within ${RETURN_WINDOW_DAYS} days of delivery)`,
  input: z.object({ order: z.string().min(1) }),
  idempotent: true,
  run: ({ order }) => {
    const found = orderIn(order);
    if (!found) return { eligible: false, status: `no order matches "${order}"` };
    if (!found.deliveredOn)
      return { title: `order ${found.id}`, status: "not delivered yet: it can be cancelled instead of refunded" };
    const days = Math.floor((Date.parse("2026-11-21") - Date.parse(found.deliveredOn)) / 86_400_000);
    const eligible = days <= RETURN_WINDOW_DAYS;
    return {
      title: `order ${found.id}`,
      status: eligible
        ? `eligible for a $${found.invoicedUsd} refund (delivered ${days} days ago)`
        : `not eligible: delivered ${days} days ago, over the ${RETURN_WINDOW_DAYS}-day window`,
    };
  },
});
